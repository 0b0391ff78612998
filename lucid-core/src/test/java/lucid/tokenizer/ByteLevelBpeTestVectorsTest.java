package lucid.tokenizer;

import lucid.SharedAssets;

import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.io.IOException;
import java.util.Map;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * llama.cpp's tokenizer test vectors for every byte-level BPE vocabulary in ../shared, encoded
 * without BOS and without special-token parsing, as test-tokenizer-0 does: the GGUF files, and
 * Llama 3 and Qwen2 from their tiktoken / vocab.json + merges files.
 */
class ByteLevelBpeTestVectorsTest {
    private static final String DIR = "tokenizers/llamacpp-vocab/";

    @TestFactory
    Stream<DynamicTest> gpt2EncodesAllInputsLikeLlamaCpp() throws IOException {
        return casesFor("ggml-vocab-gpt-2.gguf", "ggml-vocab-gpt-2.gguf");
    }

    @TestFactory
    Stream<DynamicTest> mptEncodesAllInputsLikeLlamaCpp() throws IOException {
        return casesFor("ggml-vocab-mpt.gguf", "ggml-vocab-mpt.gguf");
    }

    /** The GPT-NeoX file has no tokenizer.ggml.pre and no .out of its own; its vocabulary is MPT's. */
    @TestFactory
    Stream<DynamicTest> gptNeoxWithoutPreTokenizerKeyEncodesLikeMpt() throws IOException {
        return casesFor("ggml-vocab-gpt-neox.gguf", "ggml-vocab-mpt.gguf");
    }

    @TestFactory
    Stream<DynamicTest> deepseekCoderEncodesAllInputsLikeLlamaCpp() throws IOException {
        return casesFor("ggml-vocab-deepseek-coder.gguf", "ggml-vocab-deepseek-coder.gguf");
    }

    @TestFactory
    Stream<DynamicTest> deepseekLlmEncodesAllInputsLikeLlamaCpp() throws IOException {
        return casesFor("ggml-vocab-deepseek-llm.gguf", "ggml-vocab-deepseek-llm.gguf");
    }

    @TestFactory
    Stream<DynamicTest> starcoderEncodesAllInputsLikeLlamaCpp() throws IOException {
        return casesFor("ggml-vocab-starcoder.gguf", "ggml-vocab-starcoder.gguf");
    }

    @TestFactory
    Stream<DynamicTest> falconEncodesAllInputsLikeLlamaCpp() throws IOException {
        return casesFor("ggml-vocab-falcon.gguf", "ggml-vocab-falcon.gguf");
    }

    @TestFactory
    Stream<DynamicTest> refactEncodesAllInputsLikeLlamaCpp() throws IOException {
        return casesFor("ggml-vocab-refact.gguf", "ggml-vocab-refact.gguf");
    }

    // The Llama 3 and Qwen2 vocabulary GGUFs are not in ../shared; their .out files pair with the
    // same vocabularies in other formats.

    @TestFactory
    Stream<DynamicTest> llama3FromTiktokenFileEncodesLikeLlamaCppLlamaBpe() throws IOException {
        return casesFor(TestTokenizers.llama3(), "ggml-vocab-llama-bpe.gguf");
    }

    @TestFactory
    Stream<DynamicTest> llama3FromEncoderJsonAndVocabBpeEncodesLikeLlamaCppLlamaBpe() throws IOException {
        Tokenizer tokenizer = Tokenizers.fromVocabAndMerges(SharedAssets.path("tokenizers/llama3/llama3.2-encoder.json"),
                SharedAssets.path("tokenizers/llama3/llama3.2-vocab.bpe"), "llama-bpe", Tokenizers.llama3Specials());
        return casesFor(tokenizer, "ggml-vocab-llama-bpe.gguf");
    }

    @TestFactory
    Stream<DynamicTest> qwen2FromVocabJsonAndMergesEncodesLikeLlamaCpp() throws IOException {
        return casesFor(TestTokenizers.qwen2(), "ggml-vocab-qwen2.gguf");
    }

    @TestFactory
    Stream<DynamicTest> qwenTiktokenFileEncodesLikeLlamaCppQwen2() throws IOException {
        return casesFor(Tokenizers.fromTiktoken(SharedAssets.path("tokenizers/qwen/qwen.tiktoken"), "qwen2", Map.of()),
                "ggml-vocab-qwen2.gguf");
    }

    private static Stream<DynamicTest> casesFor(String vocab, String expected) throws IOException {
        Tokenizer tokenizer = TestTokenizers.tokenizer(DIR + vocab);
        assertThat(tokenizer).isInstanceOf(ByteLevelBpeTokenizer.class);
        return casesFor(tokenizer, expected);
    }

    private static Stream<DynamicTest> casesFor(Tokenizer tokenizer, String expected) throws IOException {
        return LlamaCppTestVectorsTest.readCases(expected).stream().map(c -> DynamicTest.dynamicTest(
                "#" + c.index() + " " + LlamaCppTestVectorsTest.printable(c.text()),
                () -> assertThat(tokenizer.encode(c.text(), false))
                        .as(LlamaCppTestVectorsTest.printable(c.text())).containsExactly(c.ids())));
    }
}
