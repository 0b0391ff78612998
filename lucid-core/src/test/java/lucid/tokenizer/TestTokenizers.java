package lucid.tokenizer;

import lucid.SharedAssets;
import lucid.gguf.GgufFile;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** Tokenizers loaded (once each) from the vocabularies in ../shared. */
final class TestTokenizers {
    private static final Map<String, Tokenizer> TOKENIZERS = new ConcurrentHashMap<>();

    private TestTokenizers() {}

    static Tokenizer stories260K() {
        return tokenizer("models/stories260K.gguf");
    }

    /** The 32000-token Llama 2 SentencePiece vocabulary from llama.cpp's tests. */
    static Tokenizer llamaSpm() {
        return tokenizer("tokenizers/llamacpp-vocab/ggml-vocab-llama-spm.gguf");
    }

    static Tokenizer tokenizer(String relative) {
        return TOKENIZERS.computeIfAbsent(relative, r -> {
            try (GgufFile file = GgufFile.open(SharedAssets.path(r))) {
                return Tokenizer.fromGguf(file.metadata());
            }
        });
    }
}
