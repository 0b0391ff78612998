package lucid.tokenizer;

import lucid.gguf.GgufFile;

import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** The read-only assets in ../shared (system property lucid.shared), and tokenizers loaded from them. */
final class SharedAssets {
    private static final Map<String, Tokenizer> TOKENIZERS = new ConcurrentHashMap<>();

    private SharedAssets() {}

    static Path path(String relative) {
        String shared = System.getProperty("lucid.shared");
        if (shared == null) {
            throw new IllegalStateException("system property lucid.shared is not set (surefire sets it to ../shared)");
        }
        return Path.of(shared).resolve(relative);
    }

    static Tokenizer stories260K() {
        return tokenizer("models/stories260K.gguf");
    }

    /** The 32000-token Llama 2 SentencePiece vocabulary from llama.cpp's tests. */
    static Tokenizer llamaSpm() {
        return tokenizer("tokenizers/llamacpp-vocab/ggml-vocab-llama-spm.gguf");
    }

    static Tokenizer tokenizer(String relative) {
        return TOKENIZERS.computeIfAbsent(relative, r -> {
            try (GgufFile file = GgufFile.open(path(r))) {
                return Tokenizer.fromGguf(file.metadata());
            }
        });
    }
}
