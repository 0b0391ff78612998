package lucid.tokenizer;

import lucid.LucidException;
import lucid.gguf.GgufMetadata;

import java.nio.charset.StandardCharsets;
import java.text.Normalizer;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Byte-level BPE, the GPT-2 family ({@code tokenizer.ggml.model = "gpt2"}): GPT-2, GPT-NeoX, MPT,
 * Falcon, StarCoder, DeepSeek, Llama 3, Qwen2, and the tiktoken encodings.
 *
 * <p>Encoding: special tokens are cut out first ({@link SpecialTokens}); the rest is split into
 * pre-tokens by the model's {@link PreTokenizer}; each pre-token's UTF-8 bytes start as one token
 * per byte and are merged by rank ({@link RankedMerger}). With {@code ignoreMerges} (Llama 3,
 * tiktoken) a pre-token that is itself a token is taken whole. Token texts are stored in GPT-2's
 * byte alphabet ({@link ByteLevel}), so any byte string, and so any text, can be encoded.
 *
 * <p>Decoding maps token texts back to bytes; control and unknown tokens give nothing, user-defined
 * tokens their text as is. Immutable and thread-safe; pre-tokens already seen are remembered.
 */
public final class ByteLevelBpeTokenizer implements Tokenizer {
    static final String PRE = "tokenizer.ggml.pre";
    static final String MERGES = "tokenizer.ggml.merges";
    /** The pre-tokenizers for which llama.cpp takes a pre-token that is a token whole, and adds BOS by default. */
    private static final Set<String> LLAMA3_NAMES = Set.of("llama-bpe", "llama3", "llama-v3");
    private static final int CACHE_LIMIT = 1 << 16;
    private static final byte[] EMPTY = new byte[0];

    private final Vocabulary vocab;
    private final PreTokenizer preTokenizer;
    private final MergeTable merges;
    private final Options options;
    private final SpecialTokens specials;
    /** (bytes) The token of each single byte, or -1. */
    private final int[] byteTokens = new int[256];
    /** (ids) The bytes each token adds to decoded text, and its bytes for display. */
    private final byte[][] textBytes;
    private final byte[][] pieceBytes;
    /** Pre-token to ids; cleared when full, since a cache only has to be fast, not complete. */
    private final Map<String, int[]> cache = new ConcurrentHashMap<>();

    /**
     * How text is prepared besides pre-tokenizing.
     *
     * @param ignoreMerges   take a pre-token that is a normal token whole (Llama 3, tiktoken)
     * @param addPrefixSpace put a space before text that does not start with one (Hugging Face
     *                       ByteLevel {@code add_prefix_space})
     * @param nfc            bring text to Unicode NFC first (Hugging Face NFC normalizer, Qwen2)
     */
    record Options(boolean ignoreMerges, boolean addPrefixSpace, boolean nfc) {
        static final Options PLAIN = new Options(false, false, false);
        static final Options WHOLE_TOKENS_FIRST = new Options(true, false, false);
    }

    /**
     * @param vocab  token texts in GPT-2's byte alphabet (user-defined and control tokens as plain text)
     * @param merges the merge rules by rank
     */
    ByteLevelBpeTokenizer(Vocabulary vocab, MergeTable merges, PreTokenizer preTokenizer, Options options) {
        this.vocab = vocab;
        this.merges = merges;
        this.preTokenizer = preTokenizer;
        this.options = options;
        this.specials = new SpecialTokens(vocab);
        int n = vocab.size();
        textBytes = new byte[n][];
        pieceBytes = new byte[n][];
        for (int id = 0; id < n; id++) {
            String text = vocab.text(id);
            textBytes[id] = switch (vocab.type(id)) {
                case CONTROL, UNKNOWN, UNUSED -> EMPTY;
                case USER_DEFINED -> text.getBytes(StandardCharsets.UTF_8);
                case BYTE -> byteOf(text);
                case NORMAL, UNDEFINED -> ByteLevel.decodeOrUtf8(text);
            };
            pieceBytes[id] = textBytes[id].length == 0 ? text.getBytes(StandardCharsets.UTF_8) : textBytes[id];
        }
        for (int b = 0; b < 256; b++) {
            int id = vocab.id(String.valueOf(ByteLevel.charOf(b)));
            byteTokens[b] = id >= 0 && vocab.type(id) != TokenType.CONTROL ? id : -1;
        }
    }

    /**
     * The tokenizer of a GGUF file with {@code tokenizer.ggml.model = "gpt2"}: tokens, merges, and
     * the pre-tokenizer named by {@code tokenizer.ggml.pre} (GPT-2's when the key is missing). As in
     * llama.cpp, Llama 3 files ({@code llama-bpe}) add BOS unless {@code add_bos_token} says otherwise.
     *
     * @throws LucidException if merges are missing or the pre-tokenizer is not supported
     */
    public static ByteLevelBpeTokenizer fromGguf(GgufMetadata metadata) {
        String pre = metadata.string(PRE).orElse("gpt-2");
        PreTokenizer preTokenizer;
        try {
            preTokenizer = PreTokenizer.named(pre);
        } catch (LucidException e) {
            throw new LucidException("the model file's " + PRE + " is \"" + pre + "\", which Lucid does not support;"
                    + " supported: " + String.join(", ", PreTokenizer.names()), e);
        }
        String[] mergeLines = metadata.stringArray(MERGES).orElseThrow(() -> new LucidException(
                "the model file has no " + MERGES + ", which a byte-level BPE (gpt2) vocabulary needs"));
        Vocabulary vocab = Vocabulary.fromGguf(metadata);
        boolean llama3 = LLAMA3_NAMES.contains(pre);
        if (llama3 && metadata.boolValue("tokenizer.ggml.add_bos_token").isEmpty()) {
            Vocabulary.Settings s = vocab.settings();
            vocab = vocab.withSettings(new Vocabulary.Settings(s.bosId(), s.eosId(), s.unknownId(), s.paddingId(),
                    true, s.addEos(), s.addSpacePrefix()));
        }
        return new ByteLevelBpeTokenizer(vocab, MergeTable.fromMerges(vocab, List.of(mergeLines)), preTokenizer,
                llama3 ? Options.WHOLE_TOKENS_FIRST : Options.PLAIN);
    }

    /** True for the pre-tokenizer names with which llama.cpp takes whole tokens first (Llama 3). */
    static boolean takesWholeTokensFirst(String preTokenizer) {
        return LLAMA3_NAMES.contains(preTokenizer);
    }

    /**
     * This tokenizer with other special ids and flags, e.g. Llama 3's BOS and EOS for a tokenizer
     * read from a rank file: {@code withSettings(new Vocabulary.Settings(128000, 128001, -1, -1, true, false, false))}.
     *
     * @throws LucidException if an id is outside the vocabulary
     */
    @Override
    public ByteLevelBpeTokenizer withSettings(Vocabulary.Settings settings) {
        return new ByteLevelBpeTokenizer(vocab.withSettings(settings), merges, preTokenizer, options);
    }

    @Override
    public Vocabulary vocabulary() {
        return vocab;
    }

    public PreTokenizer preTokenizer() {
        return preTokenizer;
    }

    @Override
    public int[] encode(String text, boolean addSpecial, boolean parseSpecial) {
        IntList out = new IntList();
        if (addSpecial && vocab.addBos() && vocab.bosId() >= 0) {
            out.add(vocab.bosId());
        }
        String clean = withoutLoneSurrogates(text);
        if (options.nfc()) {
            clean = Normalizer.normalize(clean, Normalizer.Form.NFC);
        }
        for (SpecialTokens.Fragment f : specials.split(clean, parseSpecial)) {
            if (!f.isText()) {
                out.add(f.token());
                continue;
            }
            String fragment = clean;
            int start = f.start();
            int end = f.end();
            if (options.addPrefixSpace() && clean.charAt(start) != ' ') {
                fragment = " " + clean.substring(start, end);
                start = 0;
                end = fragment.length();
            }
            IntList ends = new IntList();
            preTokenizer.split(fragment, start, end, ends);
            for (int i = 0, from = start; i < ends.size(); i++) {
                int to = ends.get(i);
                encodePiece(fragment.substring(from, to), out);
                from = to;
            }
        }
        if (addSpecial && vocab.addEos() && vocab.eosId() >= 0) {
            out.add(vocab.eosId());
        }
        return out.toArray();
    }

    /** Appends the ids of one pre-token. */
    private void encodePiece(String piece, IntList out) {
        int[] cached = cache.get(piece);
        if (cached != null) {
            out.addAll(cached);
            return;
        }
        byte[] bytes = piece.getBytes(StandardCharsets.UTF_8);
        int whole = options.ignoreMerges() ? vocab.id(ByteLevel.encode(bytes)) : -1;
        int first = out.size();
        if (whole >= 0 && vocab.type(whole) != TokenType.CONTROL) {
            out.add(whole);
        } else {
            RankedMerger.merge(bytes, byteTokens, merges, out);
        }
        if (cache.size() >= CACHE_LIMIT) {
            cache.clear();
        }
        cache.put(piece, out.toArray(first));
    }

    @Override
    public byte[] textBytes(int id) {
        return textBytes[vocab.checkId(id)].clone();
    }

    @Override
    public byte[] pieceBytes(int id) {
        return pieceBytes[vocab.checkId(id)].clone();
    }

    /** Encoding adds no hidden space here (a Hugging Face prefix space is kept, as its decoder keeps it). */
    @Override
    public byte[] withoutSpacePrefix(byte[] firstText) {
        return firstText;
    }

    /** The text with each unpaired surrogate (not encodable as UTF-8) replaced by U+FFFD. */
    static String withoutLoneSurrogates(String text) {
        StringBuilder sb = null;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (!Character.isSurrogate(c)) {
                continue;
            }
            if (Character.isHighSurrogate(c) && i + 1 < text.length() && Character.isLowSurrogate(text.charAt(i + 1))) {
                i++;
                continue;
            }
            if (sb == null) {
                sb = new StringBuilder(text);
            }
            sb.setCharAt(i, '\uFFFD');
        }
        return sb == null ? text : sb.toString();
    }

    /** The byte of a {@code <0xNN>} token, which byte-level vocabularies seldom have. */
    private static byte[] byteOf(String text) {
        if (text.length() == 6 && text.startsWith("<0x") && text.endsWith(">")) {
            try {
                return new byte[] {(byte) Integer.parseInt(text, 3, 5, 16)};
            } catch (NumberFormatException e) {
                // not a byte token after all: fall through
            }
        }
        return text.getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public String toString() {
        return "ByteLevelBpeTokenizer[" + vocab.size() + " tokens, " + merges.size() + " merges, " + preTokenizer.name() + "]";
    }
}
