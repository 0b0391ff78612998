package lucid.tokenizer;

import lucid.LucidException;
import lucid.gguf.GgufMetadata;

import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A model's tokens: text, score and {@link TokenType} for every id, the special token ids, and
 * the flags that say how text is prepared. Immutable.
 *
 * <p>Absent special tokens are {@code -1}.
 */
public final class Vocabulary {
    static final String TOKENS = "tokenizer.ggml.tokens";
    static final String SCORES = "tokenizer.ggml.scores";
    static final String TOKEN_TYPES = "tokenizer.ggml.token_type";
    static final String MODEL = "tokenizer.ggml.model";

    /**
     * Special token ids ({@code -1} when absent) and the encoding flags.
     *
     * @param addBos         put the BOS token first when encoding with special tokens
     * @param addEos         put the EOS token last when encoding with special tokens
     * @param addSpacePrefix put a space in front of the text before encoding (SentencePiece's
     *                       dummy prefix), and take it away again when decoding
     */
    public record Settings(int bosId, int eosId, int unknownId, int paddingId,
                           boolean addBos, boolean addEos, boolean addSpacePrefix) {}

    private final String model;
    private final String[] texts;
    private final float[] scores;
    private final TokenType[] types;
    private final Settings settings;
    private final Map<String, Integer> idsByText;

    /**
     * @param model  the tokenizer model name as GGUF stores it ({@code "llama"}, {@code "gpt2"}, ...)
     * @param texts  token texts, indexed by id
     * @param scores merge priorities, one per token
     * @param types  token types, one per token
     * @throws LucidException if the lengths differ or a special id is out of range
     */
    public Vocabulary(String model, List<String> texts, float[] scores, TokenType[] types, Settings settings) {
        this.model = Objects.requireNonNull(model, "model");
        this.texts = texts.toArray(String[]::new);
        this.scores = scores.clone();
        this.types = types.clone();
        this.settings = Objects.requireNonNull(settings, "settings");
        int n = this.texts.length;
        if (n == 0) {
            throw new LucidException("the vocabulary has no tokens");
        }
        if (this.scores.length != n) {
            throw new LucidException("the vocabulary has " + n + " tokens but " + this.scores.length + " scores");
        }
        if (this.types.length != n) {
            throw new LucidException("the vocabulary has " + n + " tokens but " + this.types.length + " token types");
        }
        for (int id : new int[] {settings.bosId, settings.eosId, settings.unknownId, settings.paddingId}) {
            if (id < -1 || id >= n) {
                throw new LucidException("special token id " + id + " is out of range for a vocabulary of " + n + " tokens");
            }
        }
        this.idsByText = HashMap.newHashMap(n);
        for (int id = 0; id < n; id++) {
            // The first of duplicate texts wins; empty texts can never be looked up.
            if (!this.texts[id].isEmpty()) {
                idsByText.putIfAbsent(this.texts[id], id);
            }
        }
    }

    /**
     * Reads the vocabulary of a GGUF file. Defaults follow llama.cpp: for the SentencePiece model
     * ({@code "llama"}) BOS is added, EOS is not, a space prefix is added, and missing special
     * ids are BOS 1, EOS 2, UNK 0. A special id stored as a number outside the vocabulary (files
     * write 4294967295 for "none") means the token is absent.
     *
     * @throws LucidException naming what is missing or inconsistent
     */
    public static Vocabulary fromGguf(GgufMetadata metadata) {
        String model = metadata.string(MODEL).orElseThrow(() -> new LucidException(
                "the model file has no " + MODEL + ", so Lucid cannot tell which tokenizer it uses"));
        String[] texts = metadata.stringArray(TOKENS).orElseThrow(() -> new LucidException(
                "the model file has no " + TOKENS + ": it contains no vocabulary"));
        int n = texts.length;
        float[] scores = metadata.floatArray(SCORES).orElseGet(() -> new float[n]);
        if (scores.length != n) {
            throw new LucidException(SCORES + " has " + scores.length + " entries but " + TOKENS + " has " + n);
        }
        int[] typeIds = metadata.intArray(TOKEN_TYPES).orElse(null);
        TokenType[] types = new TokenType[n];
        if (typeIds == null) {
            Arrays.fill(types, TokenType.NORMAL);
        } else if (typeIds.length != n) {
            throw new LucidException(TOKEN_TYPES + " has " + typeIds.length + " entries but " + TOKENS + " has " + n);
        } else {
            for (int i = 0; i < n; i++) {
                types[i] = TokenType.fromId(typeIds[i]);
            }
        }

        boolean spm = model.equals("llama");
        Settings settings = new Settings(
                specialId(metadata, "tokenizer.ggml.bos_token_id", spm ? 1 : -1, n),
                specialId(metadata, "tokenizer.ggml.eos_token_id", spm ? 2 : -1, n),
                specialId(metadata, "tokenizer.ggml.unknown_token_id", spm ? 0 : -1, n),
                specialId(metadata, "tokenizer.ggml.padding_token_id", -1, n),
                metadata.boolValue("tokenizer.ggml.add_bos_token").orElse(spm),
                metadata.boolValue("tokenizer.ggml.add_eos_token").orElse(false),
                metadata.boolValue("tokenizer.ggml.add_space_prefix").orElse(spm));
        return new Vocabulary(model, Arrays.asList(texts), scores, types, settings);
    }

    private static int specialId(GgufMetadata metadata, String key, int defaultId, int size) {
        // longValue, not intValue: "none" is stored as 4294967295, which is not an error here.
        return metadata.longValue(key)
                .map(v -> v >= 0 && v < size ? v.intValue() : -1)
                .orElse(defaultId < size ? defaultId : -1);
    }

    /** The tokenizer model name from the file, e.g. {@code "llama"} for SentencePiece BPE. */
    public String model() {
        return model;
    }

    public int size() {
        return texts.length;
    }

    /** The token's text as stored, e.g. {@code "▁Hello"} or {@code "<0x0A>"}. */
    public String text(int id) {
        return texts[checkId(id)];
    }

    public float score(int id) {
        return scores[checkId(id)];
    }

    public TokenType type(int id) {
        return types[checkId(id)];
    }

    /** The id of the token with exactly this text, or -1. */
    public int id(String text) {
        Integer id = idsByText.get(text);
        return id == null ? -1 : id;
    }

    public Settings settings() {
        return settings;
    }

    public int bosId() {
        return settings.bosId;
    }

    public int eosId() {
        return settings.eosId;
    }

    public int unknownId() {
        return settings.unknownId;
    }

    public int paddingId() {
        return settings.paddingId;
    }

    public boolean addBos() {
        return settings.addBos;
    }

    public boolean addEos() {
        return settings.addEos;
    }

    public boolean addSpacePrefix() {
        return settings.addSpacePrefix;
    }

    /** True for the ids of BOS, EOS, UNK and padding. */
    public boolean isSpecialId(int id) {
        return id >= 0 && (id == settings.bosId || id == settings.eosId
                || id == settings.unknownId || id == settings.paddingId);
    }

    /** The same tokens with other special ids and flags. */
    Vocabulary withSettings(Settings settings) {
        return new Vocabulary(model, Arrays.asList(texts), scores, types, settings);
    }

    int checkId(int id) {
        if (id < 0 || id >= texts.length) {
            throw new LucidException("token id " + id + " is out of range: the vocabulary has " + texts.length + " tokens");
        }
        return id;
    }

    @Override
    public String toString() {
        return "Vocabulary[" + model + ", " + texts.length + " tokens, " + settings + "]";
    }
}
