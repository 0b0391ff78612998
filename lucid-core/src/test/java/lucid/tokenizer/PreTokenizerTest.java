package lucid.tokenizer;

import lucid.LucidException;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The split rules, piece by piece, for texts whose pieces follow from the rules by hand. */
class PreTokenizerTest {

    private static List<String> split(String name, String text) {
        return PreTokenizer.named(name).split(text);
    }

    @Test
    void gpt2KeepsTheSpaceBeforeAWordAndTheLastSpaceOfARun() {
        assertThat(split("gpt-2", "Hello world's  end")).containsExactly("Hello", " world", "'s", " ", " end");
        assertThat(split("gpt-2", "a\t\tb  ")).containsExactly("a", "\t", "\t", "b", "  ");
    }

    @Test
    void llama3GroupsDigitsByThreeAndKeepsNewlinesTogether() {
        assertThat(split("llama-bpe", "I'm 12345 abc\n\n  x"))
                .containsExactly("I", "'m", " ", "123", "45", " abc", "\n\n", " ", " x");
        assertThat(split("llama-bpe", "HE'LL go!?\n")).containsExactly("HE", "'LL", " go", "!?\n");
    }

    @Test
    void qwen2SplitsEveryDigit() {
        assertThat(split("qwen2", "x 12345")).containsExactly("x", " ", "1", "2", "3", "4", "5");
    }

    @Test
    void o200kSplitsAtCaseChangesAndKeepsContractionsOnTheWord() {
        assertThat(split("o200k_base", "HelloWorld I'M fine")).containsExactly("Hello", "World", " I'M", " fine");
    }

    @Test
    void deepseekLlmSeparatesLettersCjkAndDigits() {
        assertThat(split("deepseek-llm", "Hello 世界 123\n")).containsExactly("Hello", " ", "世界", " ", "123", "\n");
    }

    @Test
    void deepseekCjkRunsStopAtIdeographicSpaceAsInLlamaCpp() {
        // U+3000 lies inside DeepSeek's range U+0800-4E00, but llama.cpp matches after turning it into whitespace.
        assertThat(split("deepseek-llm", "中\u3000文")).containsExactly("中", "\u3000", "文");
        assertThat(split("deepseek-coder", "中\u3000文")).containsExactly("中", "\u3000", "文");
    }

    @Test
    void deepseekLlmTrailingWhitespaceIsAPieceOfItsOwn() {
        assertThat(split("deepseek-llm", "ab   ")).containsExactly("ab", "   ");
    }

    @Test
    void falconSplitsPunctuationFirstAndDigitsByThreeLast() {
        assertThat(split("falcon", "a+b=3000")).containsExactly("a", "+", "b", "=", "300", "0");
    }

    @Test
    void starcoderSplitsEveryDigitBeforeTheGpt2Rule() {
        assertThat(split("starcoder", "x 42")).containsExactly("x", " ", "4", "2");
        assertThat(split("refact", "x 42")).containsExactly("x", " ", "4", "2");
    }

    @Test
    void everyPreTokenizerSplitsLongRunsAndGivesTheTextBack() {
        String text = "a" + " ".repeat(20_000) + "b" + "\n".repeat(5_000) + " \t".repeat(5_000) + "x  y\u3000\u3000"
                + "ÄÖÜ".repeat(3_000) + "一二三".repeat(3_000) + "9".repeat(10_000);
        for (String name : PreTokenizer.names()) {
            List<String> pieces = PreTokenizer.named(name).split(text);
            assertThat(String.join("", pieces)).as(name).isEqualTo(text);
            assertThat(pieces).as(name).doesNotContain("");
        }
    }

    @Test
    void unknownNamesAreRefusedWithTheListOfSupportedOnes() {
        assertThatThrownBy(() -> PreTokenizer.named("tekken"))
                .isInstanceOf(LucidException.class)
                .hasMessageContaining("\"tekken\"")
                .hasMessageContaining("llama-bpe")
                .hasMessageContaining("deepseek-coder");
    }

    @Test
    void translationWidensWhitespaceToUnicodeInAndOutOfClasses() {
        assertThat(PreTokenizer.translate("\\s+(?!\\S)")).startsWith("[\\t\\n").contains("\\u3000]+(?![^\\t");
        assertThat(PreTokenizer.translate("[^\\s\\p{L}]")).startsWith("[^\\t\\n").endsWith("\\u3000\\p{L}]");
        assertThat(PreTokenizer.translate("\\\\s")).isEqualTo("\\\\s");
    }
}
