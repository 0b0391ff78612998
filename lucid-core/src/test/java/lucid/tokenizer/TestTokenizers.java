package lucid.tokenizer;

import lucid.SharedAssets;
import lucid.gguf.GgufFile;

import java.util.HashMap;
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

    /** GPT-2 from llama.cpp's vocabulary GGUF. */
    static Tokenizer gpt2() {
        return tokenizer("tokenizers/llamacpp-vocab/ggml-vocab-gpt-2.gguf");
    }

    /** Llama 3 from Meta's tiktoken file, with its 256 special tokens and BOS added as in llama.cpp. */
    static ByteLevelBpeTokenizer llama3() {
        return (ByteLevelBpeTokenizer) TOKENIZERS.computeIfAbsent("llama3", r -> Tokenizers.fromTiktoken(
                        SharedAssets.path("tokenizers/llama3/tokenizer.model"), "llama-bpe", Tokenizers.llama3Specials())
                .withSettings(new Vocabulary.Settings(128000, 128001, -1, -1, true, false, false)));
    }

    /** Qwen2 from vocab.json + merges.txt, with the three added tokens of its tokenizer_config.json. */
    static ByteLevelBpeTokenizer qwen2() {
        return (ByteLevelBpeTokenizer) TOKENIZERS.computeIfAbsent("qwen2", r -> {
            Map<String, Integer> specials = new HashMap<>();
            SharedAssets.json("tokenizers/qwen/qwen2-tokenizer_config.json").path("added_tokens_decoder").properties()
                    .forEach(e -> specials.put(e.getValue().path("content").asText(), Integer.parseInt(e.getKey())));
            return Tokenizers.fromVocabAndMerges(SharedAssets.path("tokenizers/qwen/qwen2-vocab.json"),
                    SharedAssets.path("tokenizers/qwen/qwen2-merges.txt"), "qwen2", specials);
        });
    }

    /** A tiktoken encoding from ../shared/tokenizers/tiktoken, e.g. "cl100k_base", with its special tokens. */
    static ByteLevelBpeTokenizer tiktoken(String encoding) {
        return (ByteLevelBpeTokenizer) TOKENIZERS.computeIfAbsent(encoding, r -> Tokenizers.fromTiktoken(
                SharedAssets.path("tokenizers/tiktoken/" + encoding + ".tiktoken"), encoding, TIKTOKEN_SPECIALS.get(encoding)));
    }

    /** Special tokens of the tiktoken encodings, as tiktoken defines them in code. */
    private static final Map<String, Map<String, Integer>> TIKTOKEN_SPECIALS = Map.of(
            "r50k_base", Map.of("<|endoftext|>", 50256),
            "p50k_base", Map.of("<|endoftext|>", 50256),
            "cl100k_base", Map.of("<|endoftext|>", 100257, "<|fim_prefix|>", 100258, "<|fim_middle|>", 100259,
                    "<|fim_suffix|>", 100260, "<|endofprompt|>", 100276),
            "o200k_base", Map.of("<|endoftext|>", 199999, "<|endofprompt|>", 200018));

    /** A Hugging Face tokenizer.json under ../shared/tokenizers/hf-tokenizers, e.g. "phi-2". */
    static Tokenizer huggingFace(String name) {
        return TOKENIZERS.computeIfAbsent("hf:" + name, r -> Tokenizers.fromHuggingFace(
                SharedAssets.path("tokenizers/hf-tokenizers/" + name + "/tokenizer.json")));
    }

    static Tokenizer tokenizer(String relative) {
        return TOKENIZERS.computeIfAbsent(relative, r -> {
            try (GgufFile file = GgufFile.open(SharedAssets.path(r))) {
                return Tokenizer.fromGguf(file.metadata());
            }
        });
    }
}
