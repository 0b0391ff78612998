package lucid.tokenizer;

import lucid.LucidException;
import lucid.SharedAssets;

import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import java.io.IOException;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Hugging Face tokenizer.json files: Phi-2 (byte-level BPE) and Llama 2 / Phi-3 (SentencePiece-style
 * BPE with byte fallback). Expected ids from onnxruntime-extensions' tests and llama.cpp's vectors.
 */
class HuggingFaceTokenizerJsonTest {

    @Test
    void phi2IsByteLevelAndEncodesLikeTheReference() {
        Tokenizer phi2 = TestTokenizers.huggingFace("phi-2");
        assertThat(phi2).isInstanceOf(ByteLevelBpeTokenizer.class);
        assertThat(phi2.encode("return n", false)).containsExactly(7783, 299);
        assertThat(phi2.encode(" n", false)).containsExactly(299);
        assertThat(phi2.encode("abc x", false)).containsExactly(39305, 2124);
    }

    @Test
    void phi2CutsOutItsAddedWhitespaceTokensAndReadsEndOfTextOnlyWhenAsked() {
        Tokenizer phi2 = TestTokenizers.huggingFace("phi-2");
        int fourSpaces = phi2.vocabulary().id("    ");
        assertThat(phi2.vocabulary().type(fourSpaces)).isEqualTo(TokenType.USER_DEFINED);
        assertThat(phi2.encode("a    b", false)).contains(fourSpaces);
        assertThat(phi2.encode("<|endoftext|>", false, true)).containsExactly(50256);
        assertThat(phi2.encode("<|endoftext|>", false)).doesNotContain(50256);
        assertThat(phi2.decode(phi2.encode("def f():\n    return  1\t\t\n", false))).isEqualTo("def f():\n    return  1\t\t\n");
    }

    @Test
    void phi2EncodesLikeTheGpt2VocabularyItExtends() {
        Tokenizer phi2 = TestTokenizers.huggingFace("phi-2");
        Tokenizer gpt2 = TestTokenizers.gpt2();
        String text = "Hello world! It's 2024; naïve café — 你好 🙂";
        assertThat(phi2.encode(text, false)).containsExactly(gpt2.encode(text, false));
    }

    @TestFactory
    Stream<DynamicTest> llama2TokenizerJsonEncodesLlamaCppVectorsLikeTheSentencePieceGguf() throws IOException {
        Tokenizer llama2 = TestTokenizers.huggingFace("llama2");
        assertThat(llama2).isInstanceOf(SentencePieceTokenizer.class);
        return LlamaCppTestVectorsTest.readCases("ggml-vocab-llama-spm.gguf").stream().map(c -> DynamicTest.dynamicTest(
                "#" + c.index() + " " + LlamaCppTestVectorsTest.printable(c.text()),
                () -> assertThat(llama2.encode(c.text(), false)).containsExactly(c.ids())));
    }

    @Test
    void llama2TakesBosFromItsPostProcessor() {
        Tokenizer llama2 = TestTokenizers.huggingFace("llama2");
        assertThat(llama2.encode("This is a test and the second one is in German. Ich liebe München!", true))
                .containsExactly(1, 910, 338, 263, 1243, 322, 278, 1473, 697, 338, 297, 5332, 29889, 15158, 3804, 915,
                        10864, 29991);
        assertThat(llama2.decode(new int[] {1, 910, 338, 263, 1243, 322, 278, 1473, 697, 29889, 29871, 35}))
                .isEqualTo("This is a test and the second one.  ");
    }

    /** onnxruntime-extensions adds BOS (1) itself; Phi-3's tokenizer.json does not ask for it. */
    @Test
    void phi3EncodesJapaneseAndChineseLikeTheReference() {
        Tokenizer phi3 = TestTokenizers.huggingFace("phi-3-mini");
        assertThat(phi3.vocabulary().addBos()).isFalse();
        assertThat(phi3.encode("分析", true)).containsExactly(29871, 30748, 233, 161, 147);
        assertThat(phi3.encode(" こんにちは", true)).containsExactly(259, 30589, 30389, 30353, 30644, 30449);
        assertThat(phi3.encode("Why is Include handled differently?", true))
                .containsExactly(3750, 338, 512, 2325, 16459, 17587, 29973);
        assertThat(phi3.encode("<|user|>\nこんにちは。データ分析するにはなにをすればいい？<|end|><|assistant|>", false, true))
                .containsExactly(32010, 29871, 13, 30589, 30389, 30353, 30644, 30449, 30267, 30597, 30185, 30369, 30748,
                        233, 161, 147, 30427, 30332, 30353, 30449, 30371, 30353, 30396, 30427, 30553, 31254, 30298,
                        30298, 30882, 32007, 32001);
    }

    @Test
    void unigramModelsAreRefusedWithTheModelName() {
        assertThatThrownBy(() -> Tokenizers.fromHuggingFace(SharedAssets.path("tokenizers/hf-tokenizers/t5-small/tokenizer.json")))
                .isInstanceOf(LucidException.class).hasMessageContaining("Unigram");
    }

    @Test
    void aMissingFileIsALucidExceptionNamingIt() {
        assertThatThrownBy(() -> Tokenizers.fromHuggingFace(SharedAssets.path("tokenizers/no-such/tokenizer.json")))
                .isInstanceOf(LucidException.class).hasMessageContaining("no-such");
    }
}
