package lucid.tokenizer;

import lucid.SharedAssets;

import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/** jtokkit's reference encodings (made with OpenAI's tiktoken) against the tiktoken rank files. */
class TiktokenEncodingsTest {

    @TestFactory
    Stream<DynamicTest> r50kBaseEncodesLikeTiktoken() throws IOException {
        return casesFor("r50k_base", "r50k_base_encodings.csv");
    }

    @TestFactory
    Stream<DynamicTest> p50kBaseEncodesLikeTiktoken() throws IOException {
        return casesFor("p50k_base", "p50k_base_encodings.csv");
    }

    @TestFactory
    Stream<DynamicTest> cl100kBaseEncodesLikeTiktoken() throws IOException {
        return casesFor("cl100k_base", "cl100k_base_encodings.csv");
    }

    @TestFactory
    Stream<DynamicTest> cl100kBaseEncodesTheBasePromptsLikeTiktoken() throws IOException {
        return casesFor("cl100k_base", "base_prompts.csv");
    }

    @TestFactory
    Stream<DynamicTest> o200kBaseEncodesLikeTiktoken() throws IOException {
        return casesFor("o200k_base", "o200k_base_encodings.csv");
    }

    private static Stream<DynamicTest> casesFor(String encoding, String csv) throws IOException {
        ByteLevelBpeTokenizer tokenizer = TestTokenizers.tiktoken(encoding);
        List<List<String>> rows = readCsv(Files.readString(SharedAssets.path("tokenizers/tiktoken/" + csv), StandardCharsets.UTF_8));
        assertThat(rows.getFirst()).startsWith("input", "output");
        return rows.subList(1, rows.size()).stream().map(row -> DynamicTest.dynamicTest(
                LlamaCppTestVectorsTest.printable(row.get(0)),
                () -> assertThat(tokenizer.encode(row.get(0), false)).containsExactly(ids(row.get(1)))));
    }

    /** "[1, 2, 3]" to its ints. */
    private static int[] ids(String list) {
        String inner = list.strip().replaceAll("^\\[|]$", "").strip();
        return inner.isEmpty() ? new int[0] : Arrays.stream(inner.split(",")).mapToInt(s -> Integer.parseInt(s.strip())).toArray();
    }

    /** RFC 4180 CSV: fields may be quoted, with "" for a quote; rows end at an unquoted newline. */
    static List<List<String>> readCsv(String text) {
        List<List<String>> rows = new ArrayList<>();
        List<String> row = new ArrayList<>();
        StringBuilder field = new StringBuilder();
        boolean quoted = false;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (quoted) {
                if (c == '"' && i + 1 < text.length() && text.charAt(i + 1) == '"') {
                    field.append('"');
                    i++;
                } else if (c == '"') {
                    quoted = false;
                } else {
                    field.append(c);
                }
            } else if (c == '"') {
                quoted = true;
            } else if (c == ',') {
                row.add(field.toString());
                field.setLength(0);
            } else if (c == '\n' || c == '\r') {
                if (c == '\r' && i + 1 < text.length() && text.charAt(i + 1) == '\n') {
                    i++;
                }
                row.add(field.toString());
                field.setLength(0);
                rows.add(row);
                row = new ArrayList<>();
            } else {
                field.append(c);
            }
        }
        if (field.length() > 0 || !row.isEmpty()) {
            row.add(field.toString());
            rows.add(row);
        }
        return rows;
    }
}
