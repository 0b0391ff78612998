package lucid.tokenizer;

import lucid.SharedAssets;

import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/** llama.cpp's own tokenizer test vectors (tests/test-tokenizer-0), encoded without BOS. */
class LlamaCppTestVectorsTest {
    private static final String DIR = "tokenizers/llamacpp-vocab/";

    /** One input string and the ids llama.cpp expects for it. */
    record Case(int index, String text, int[] ids) {}

    @TestFactory
    Stream<DynamicTest> llamaSpmVocabularyEncodesAllInputsLikeLlamaCpp() throws IOException {
        return casesFor("ggml-vocab-llama-spm.gguf");
    }

    @TestFactory
    Stream<DynamicTest> phi3VocabularyEncodesAllInputsLikeLlamaCpp() throws IOException {
        return casesFor("ggml-vocab-phi-3.gguf");
    }

    @Test
    void inputFileHoldsFortySixStringsIncludingTheEmptyOne() throws IOException {
        List<Case> cases = readCases("ggml-vocab-llama-spm.gguf");
        assertThat(cases).hasSize(46);
        assertThat(cases).anySatisfy(c -> assertThat(c.text()).isEmpty());
        assertThat(cases.getFirst().text()).isEqualTo("ied 4 ½ months");
    }

    private static Stream<DynamicTest> casesFor(String vocab) throws IOException {
        Tokenizer tokenizer = TestTokenizers.tokenizer(DIR + vocab);
        assertThat(tokenizer).isInstanceOf(SentencePieceTokenizer.class);
        return readCases(vocab).stream().map(c -> DynamicTest.dynamicTest(
                "#" + c.index() + " " + printable(c.text()),
                () -> assertThat(tokenizer.encode(c.text(), false)).as(printable(c.text())).containsExactly(c.ids())));
    }

    /** Parses the files as test-tokenizer-0.cpp does: inputs split on "\n__ggml_vocab_test__\n". */
    static List<Case> readCases(String vocab) throws IOException {
        String raw = Files.readString(SharedAssets.path(DIR + "ggml-vocab.inp"), StandardCharsets.UTF_8);
        String separator = "\n__ggml_vocab_test__\n";
        List<String> inputs = new ArrayList<>();
        int pos = 0;
        while (pos < raw.length()) {
            int next = raw.indexOf(separator, pos);
            if (next < 0) {
                inputs.add(raw.substring(pos));
                break;
            }
            inputs.add(raw.substring(pos, next));
            pos = next + separator.length();
        }
        List<String> outputs = Files.readAllLines(SharedAssets.path(DIR + vocab + ".out"), StandardCharsets.UTF_8);
        assertThat(outputs).as("one line of ids per input").hasSameSizeAs(inputs);
        List<Case> cases = new ArrayList<>();
        for (int i = 0; i < inputs.size(); i++) {
            String line = outputs.get(i).strip();
            int[] ids = line.isEmpty() ? new int[0] : Arrays.stream(line.split(" ")).mapToInt(Integer::parseInt).toArray();
            cases.add(new Case(i, inputs.get(i), ids));
        }
        return cases;
    }

    static String printable(String s) {
        return "'" + s.replace("\n", "\\n").replace("\t", "\\t").replace("\r", "\\r") + "'";
    }
}
