package lucid.tokenizer;

import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Special tokens in text: read as tokens only with parseSpecial, spelled out otherwise; BOS and
 * EOS as the vocabulary asks. Expected ids from Meta's and ollama's Llama 3 tests, rtp-llm's Qwen2
 * test and onnxruntime-extensions' Phi-3 test (../shared/tokenizers/REFERENCE_ENCODINGS.md).
 */
class SpecialTokenParsingTest {
    private final ByteLevelBpeTokenizer llama3 = TestTokenizers.llama3();

    @Test
    void llama3ReadsEndOfTextOnlyWhenAskedTo() {
        assertThat(llama3.encode("hello world", false)).containsExactly(15339, 1917);
        assertThat(llama3.encode("hello <|end_of_text|>", false, true)).containsExactly(15339, 220, 128001);
        int[] spelled = llama3.encode("hello <|end_of_text|>", false);
        assertThat(spelled).startsWith(15339);
        assertThat(Arrays.stream(spelled)).allMatch(id -> id < 128000);
        assertThat(llama3.decode(spelled)).isEqualTo("hello <|end_of_text|>");
    }

    @Test
    void llama3ReadsBeginOfTextBetweenOrdinaryText() {
        assertThat(llama3.encode("<|begin_of_text|>A B!", false, true)).containsExactly(128000, 32, 426, 0);
        assertThat(llama3.encode("<|begin_of_text|>A<|end_of_text|>B!", false, true)).containsExactly(128000, 32, 128001, 33, 0);
    }

    @Test
    void llama3AddsBosAndEosWhenTheSettingsAskForThem() {
        var withEos = llama3.withSettings(new Vocabulary.Settings(128000, 128001, -1, -1, true, true, false));
        assertThat(withEos.encode("This is a test sentence.", true))
                .containsExactly(128000, 2028, 374, 264, 1296, 11914, 13, 128001);
        assertThat(llama3.encode("This is a test sentence.", true)).containsExactly(128000, 2028, 374, 264, 1296, 11914, 13);
        assertThat(llama3.encode("This is a test sentence.", false)).containsExactly(2028, 374, 264, 1296, 11914, 13);
    }

    @Test
    void llama3ChatTemplateTextEncodesLikeMetasReference() {
        String chat = "<|begin_of_text|>"
                + "<|start_header_id|>system<|end_header_id|>\n\nThis is a test sentence.<|eot_id|>"
                + "<|start_header_id|>user<|end_header_id|>\n\nThis is a response.<|eot_id|>"
                + "<|start_header_id|>assistant<|end_header_id|>\n\n";
        assertThat(llama3.encode(chat, false, true)).containsExactly(128000, 128006, 9125, 128007, 271, 2028, 374, 264,
                1296, 11914, 13, 128009, 128006, 882, 128007, 271, 2028, 374, 264, 2077, 13, 128009, 128006, 78191,
                128007, 271);
    }

    @Test
    void llama3SplitsDigitRunsIntoGroupsOfThree() {
        for (int n = 1; n <= 17; n++) {
            int[] expected = IntStream.concat(IntStream.generate(() -> 931).limit(n / 3),
                    n % 3 == 0 ? IntStream.empty() : IntStream.of(n % 3 == 1 ? 15 : 410)).toArray();
            assertThat(llama3.encode("0".repeat(n), false)).as("%d zeros", n).containsExactly(expected);
        }
    }

    @Test
    void qwen2ReadsChatMarkersOnlyWhenAskedTo() {
        ByteLevelBpeTokenizer qwen = TestTokenizers.qwen2();
        assertThat(qwen.encode("<|im_start|>hello<|im_end|>", false, true)).containsExactly(151644, 14990, 151645);
        assertThat(qwen.encode("<|im_start|>hello<|im_end|>", false)).doesNotContain(151644, 151645).contains(14990);
    }

    @Test
    void gpt2SpellsEndOfTextUnlessAskedAndDecodesTheControlTokenToNothing() {
        Tokenizer gpt2 = TestTokenizers.gpt2();
        assertThat(gpt2.encode("a<|endoftext|>b", false, true)).containsExactly(64, 50256, 65);
        assertThat(gpt2.encode("a<|endoftext|>b", false)).doesNotContain(50256);
        assertThat(gpt2.decode(new int[] {64, 50256, 65})).isEqualTo("ab");
        assertThat(gpt2.piece(50256)).isEqualTo("<|endoftext|>");
    }

    @Test
    void gpt2AddsNoBosBecauseItsFileDoesNotAskForOne() {
        Tokenizer gpt2 = TestTokenizers.gpt2();
        assertThat(gpt2.vocabulary().addBos()).isFalse();
        assertThat(gpt2.encode("Hello world", true)).containsExactly(15496, 995);
    }

    @Test
    void userDefinedWhitespaceTokensAreAlwaysCutOutAsInLlamaCpp() {
        Tokenizer mpt = TestTokenizers.tokenizer("tokenizers/llamacpp-vocab/ggml-vocab-mpt.gguf");
        // 50276 is the user-defined token "  " (two spaces), 50275 "   ".
        assertThat(mpt.encode("a  b", false)).contains(50276);
        assertThat(mpt.encode("     ", false)).containsExactly(mpt.vocabulary().id("     "));
        assertThat(mpt.decode(mpt.encode("x   y", false))).isEqualTo("x   y");
    }

    @Test
    void longestSpecialTokenIsCutFirst() {
        // deepseek-coder has <｜fim▁begin｜> and friends as user-defined tokens.
        Tokenizer coder = TestTokenizers.tokenizer("tokenizers/llamacpp-vocab/ggml-vocab-deepseek-coder.gguf");
        int begin = coder.vocabulary().id("<｜fim▁begin｜>");
        int hole = coder.vocabulary().id("<｜fim▁hole｜>");
        assertThat(coder.encode("<｜fim▁begin｜>x<｜fim▁hole｜>", false)).startsWith(begin).contains(hole);
        assertThat(coder.encode("<｜begin▁of▁sentence｜>", false, true)).containsExactly(coder.vocabulary().bosId());
    }

    @Test
    void sentencePieceParsesSpecialTokensAndPrefixesTheTextAfterThem() {
        Tokenizer phi3 = TestTokenizers.tokenizer("tokenizers/llamacpp-vocab/ggml-vocab-phi-3.gguf");
        String chat = "<|user|>\nこんにちは。データ分析するにはなにをすればいい？<|end|><|assistant|>";
        assertThat(phi3.encode(chat, true, true)).containsExactly(1, 32010, 29871, 13, 30589, 30389, 30353, 30644, 30449,
                30267, 30597, 30185, 30369, 30748, 233, 161, 147, 30427, 30332, 30353, 30449, 30371, 30353, 30396, 30427,
                30553, 31254, 30298, 30298, 30882, 32007, 32001);
        assertThat(Arrays.stream(phi3.encode(chat, true, false)).boxed()).doesNotContain(32010, 32007, 32001);
    }

    @Test
    void sentencePieceWithoutSpecialParsingIsUnchanged() {
        Tokenizer llama = TestTokenizers.llamaSpm();
        assertThat(llama.encode("<s>hello</s>", false, false)).containsExactly(llama.encode("<s>hello</s>", false));
        assertThat(llama.encode("<s>hello</s>", false, true)).containsExactly(1, 22172, 2);
        assertThat(llama.encode("", true, true)).containsExactly(1);
    }
}
