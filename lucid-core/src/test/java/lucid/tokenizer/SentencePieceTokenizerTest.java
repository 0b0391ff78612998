package lucid.tokenizer;

import lucid.LucidException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.Arrays;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Encoding and decoding details, checked against what llama.cpp (node-llama-cpp 3.21.1) gives. */
class SentencePieceTokenizerTest {
    private final Tokenizer llama = TestTokenizers.llamaSpm();
    private final Tokenizer stories = TestTokenizers.stories260K();
    private final Tokenizer phi3 = TestTokenizers.tokenizer("tokenizers/llamacpp-vocab/ggml-vocab-phi-3.gguf");

    @ParameterizedTest
    @ValueSource(strings = {"Hello world", "a", " ", "  ", "   x", "trailing  ", " both ", "a  b   c",
            "line\nbreak", "\n", "\n\n", "ends with newline\n", "tab\tand\ttabs\t", "\r\n",
            "人工智能是一个重要的", "emoji 😀🤖🎉 end", "mixed: Ünïcödé, 中文, русский, عربى, 🙂",
            "<s>", "</s>", "<unk>", "<0x0A>", "▁x ▁", "1234567890", "'s 're 'll", "\u0000\u0001"})
    void decodeOfEncodeReturnsTheText(String text) {
        for (Tokenizer tokenizer : List.of(llama, stories)) {
            String expected = text.replace('▁', ' '); // a literal ▁ reads as a space, as in SentencePiece
            assertThat(tokenizer.decode(tokenizer.encode(text, false))).isEqualTo(expected);
            assertThat(tokenizer.decode(tokenizer.encode(text, true))).isEqualTo(expected);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"<s>hello</s>", "<s>", "a<s>b</s>c", "<unk>", "<|endoftext|>", "<|user|>hi<|end|>",
            "<|assistant|>", "</s>"})
    void textNeverProducesControlOrSpecialTokens(String text) {
        for (Tokenizer tokenizer : List.of(llama, stories, phi3)) {
            Vocabulary vocab = tokenizer.vocabulary();
            int[] ids = tokenizer.encode(text, false);
            assertThat(Arrays.stream(ids).boxed()).allSatisfy(id -> {
                assertThat(vocab.type(id)).isNotIn(TokenType.CONTROL, TokenType.UNKNOWN);
                assertThat(vocab.isSpecialId(id)).isFalse();
            });
        }
    }

    @Test
    void controlTokenTextIsSpelledWithOrdinaryPiecesAsInLlamaCpp() {
        // llama.cpp with parse_special=false: "▁<", "s", ">", "hello", "</", "s", ">"
        assertThat(llama.encode("<s>hello</s>", false)).containsExactly(529, 29879, 29958, 12199, 829, 29879, 29958);
        assertThat(llama.encode("a<s>", false)).containsExactly(263, 29966, 29879, 29958);
    }

    @Test
    void spacePrefixIsAddedEvenWhenTheTextStartsWithASpace() {
        // "▁▁leading" -> "▁", "▁leading"
        assertThat(llama.encode(" leading", false)).containsExactly(29871, 8236);
        assertThat(llama.encode("hello world", false)).containsExactly(22172, 3186);
    }

    @Test
    void newlineIsAByteTokenAfterALoneSpaceMark() {
        assertThat(llama.encode("\n", false)).containsExactly(29871, 13);
        assertThat(llama.encode("a\nb", false)).containsExactly(263, 13, 29890);
    }

    @Test
    void emptyTextGivesNoTokensNotEvenTheSpacePrefix() {
        assertThat(llama.encode("", false)).isEmpty();
        assertThat(llama.encode("", true)).containsExactly(1);
    }

    @Test
    void encodeWithSpecialAddsBosButNotEos() {
        int[] ids = llama.encode("hello", true);
        assertThat(ids[0]).isEqualTo(1);
        assertThat(ids).doesNotContain(2);
    }

    @Test
    void pieceShowsSpacesBytesAndControlNames() {
        Vocabulary vocab = llama.vocabulary();
        assertThat(llama.piece(vocab.id("▁Hello"))).isEqualTo(" Hello");
        assertThat(llama.piece(vocab.id("<0x0A>"))).isEqualTo("\n");
        assertThat(llama.piece(1)).isEqualTo("<s>");
        assertThat(llama.piece(0)).isEqualTo("<unk>");
        assertThat(llama.pieceBytes(vocab.id("<0xE4>"))).containsExactly(0xE4);
    }

    @Test
    void decodeDropsControlTokensAndOnlyTheFirstSpacePrefix() {
        int[] ids = llama.encode("hello world", true);
        assertThat(llama.decode(ids)).isEqualTo("hello world");
        assertThat(llama.decode(new int[] {1, 22172, 1, 2, 3186, 2})).isEqualTo("hello world");
        // " leading" is "▁" + "▁leading": only the first space goes.
        assertThat(llama.decode(new int[] {29871, 8236})).isEqualTo(" leading");
        assertThat(llama.decode(new int[] {3186, 3186})).isEqualTo("world world");
    }

    @Test
    void decodeTurnsBrokenUtf8IntoReplacementCharacters() {
        int e4 = llama.vocabulary().id("<0xE4>");
        assertThat(llama.decode(new int[] {e4})).isEqualTo("\uFFFD");
        assertThat(llama.decode(new int[] {e4, 3186})).isEqualTo("\uFFFD world");
    }

    @Test
    void idsOutsideTheVocabularyAreRejected() {
        assertThatThrownBy(() -> llama.decode(new int[] {32000}))
                .isInstanceOf(LucidException.class).hasMessageContaining("32000").hasMessageContaining("32000 tokens");
        assertThatThrownBy(() -> llama.piece(-1)).isInstanceOf(LucidException.class);
    }

    @Test
    void unpairedSurrogatesEncodeAsReplacementCharacters() {
        String broken = "a\uD800b";
        assertThat(llama.decode(llama.encode(broken, false))).isEqualTo("a\uFFFDb");
    }

    @Test
    void longTextRoundTripsAndStartsLikeItsFirstSentence() {
        String text = "The quick brown fox jumps over the lazy dog. ".repeat(2000);
        int[] ids = llama.encode(text, false);
        assertThat(llama.decode(ids)).isEqualTo(text);
        int[] one = llama.encode("The quick brown fox jumps over the lazy dog.", false);
        assertThat(Arrays.copyOf(ids, one.length)).containsExactly(one);
    }
}
