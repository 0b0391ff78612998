package lucid.tokenizer;

import lucid.LucidException;

import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.Set;
import java.util.stream.IntStream;

/**
 * SentencePiece BPE as llama.cpp runs it ({@code tokenizer.ggml.model = "llama"}): Llama 1 and 2,
 * Mistral v0.1, Phi-3, TinyLlama, the tinystories models.
 *
 * <p>Encoding: spaces become {@code ▁} (U+2581), a {@code ▁} goes in front when the vocabulary asks
 * for a space prefix, and the text is split into characters; then the adjacent pair whose joined
 * text is the highest-scoring token is merged, again and again, leftmost first on ties (see
 * {@link BigramMerger}). A character that is no token is written as its UTF-8 bytes with the
 * {@code <0xNN>} tokens, or as the unknown token when the vocabulary has no byte tokens.
 *
 * <p>Only normal and user-defined tokens come out of text. Control tokens never do: the text
 * {@code "<s>"} is spelled with ordinary tokens, as llama.cpp does without special-token parsing.
 * Unlike llama.cpp, user-defined tokens are not cut out of the text before merging unless the
 * caller asks to parse special tokens ({@link #encode(String, boolean, boolean)}); then control,
 * unknown and user-defined texts are cut out, longest first, and the text after each gets the
 * space prefix again, as in llama.cpp.
 */
public final class SentencePieceTokenizer implements Tokenizer {
    private static final char SPACE_MARK = '\u2581';
    private static final byte[] EMPTY = new byte[0];

    private final Vocabulary vocab;
    /** Per id: may merging produce this token? */
    private final boolean[] fromText;
    /** Per byte value: the token that stands for it, or -1. */
    private final int[] byteTokens;
    private final boolean hasByteTokens;
    /** Every pair of adjacent chars inside a token text may produce, packed as (first << 16 | second). */
    private final Set<Integer> joinablePairs = new HashSet<>();
    /** Per id: the bytes it adds to decoded text, and its bytes for display. */
    private final byte[][] textBytes;
    private final byte[][] pieceBytes;
    private final SpecialTokens specials;

    public SentencePieceTokenizer(Vocabulary vocab) {
        this.vocab = vocab;
        int n = vocab.size();
        fromText = new boolean[n];
        textBytes = new byte[n][];
        pieceBytes = new byte[n][];
        for (int id = 0; id < n; id++) {
            TokenType type = vocab.type(id);
            fromText[id] = (type == TokenType.NORMAL || type == TokenType.UNDEFINED || type == TokenType.USER_DEFINED)
                    && !vocab.isSpecialId(id);
            String text = vocab.text(id);
            byte[] raw = text.getBytes(StandardCharsets.UTF_8);
            textBytes[id] = switch (type) {
                case CONTROL, UNKNOWN, UNUSED -> EMPTY;
                case USER_DEFINED -> raw;
                case BYTE -> byteOf(text) >= 0 ? new byte[] {(byte) byteOf(text)} : unescape(text);
                case NORMAL, UNDEFINED -> unescape(text);
            };
            pieceBytes[id] = textBytes[id].length == 0 ? raw : textBytes[id];
            if (fromText[id]) {
                for (int i = 1; i < text.length(); i++) {
                    joinablePairs.add(text.charAt(i - 1) << 16 | text.charAt(i));
                }
            }
        }
        byteTokens = new int[256];
        boolean any = false;
        for (int b = 0; b < 256; b++) {
            int id = vocab.id(String.format("<0x%02X>", b));
            if (id < 0 && b < 0x80) {
                id = tokenFromText(String.valueOf((char) b)); // llama.cpp's fallback: the byte as a one-character token
            }
            byteTokens[b] = id;
            any |= id >= 0;
        }
        hasByteTokens = any;
        specials = new SpecialTokens(vocab);
    }

    @Override
    public Vocabulary vocabulary() {
        return vocab;
    }

    @Override
    public SentencePieceTokenizer withSettings(Vocabulary.Settings settings) {
        return new SentencePieceTokenizer(vocab.withSettings(settings));
    }

    @Override
    public int[] encode(String text, boolean addSpecial, boolean parseSpecial) {
        IntStream.Builder out = IntStream.builder();
        if (addSpecial && vocab.addBos() && vocab.bosId() >= 0) {
            out.add(vocab.bosId());
        }
        if (!parseSpecial) {
            // llama.cpp: empty text gives no tokens at all, not even the space prefix.
            if (!text.isEmpty()) {
                new BigramMerger(this, escape(text, vocab.addSpacePrefix())).segment(out);
            }
        } else {
            // llama.cpp: text right after a special token (or at the start) gets the space prefix.
            boolean afterSpecial = true;
            for (SpecialTokens.Fragment f : specials.split(text, true)) {
                if (f.isText()) {
                    String fragment = text.substring(f.start(), f.end());
                    new BigramMerger(this, escape(fragment, vocab.addSpacePrefix() && afterSpecial)).segment(out);
                } else {
                    out.add(f.token());
                }
                afterSpecial = !f.isText();
            }
        }
        if (addSpecial && vocab.addEos() && vocab.eosId() >= 0) {
            out.add(vocab.eosId());
        }
        return out.build().toArray();
    }

    @Override
    public byte[] textBytes(int id) {
        return textBytes[vocab.checkId(id)].clone();
    }

    @Override
    public byte[] pieceBytes(int id) {
        return pieceBytes[vocab.checkId(id)].clone();
    }

    /** The id of the token with this text if text may produce it, else -1. */
    int tokenFromText(String text) {
        int id = vocab.id(text);
        return id >= 0 && fromText[id] ? id : -1;
    }

    /** False when no token text may produce has {@code second} right after {@code first}. */
    boolean canJoin(char first, char second) {
        return joinablePairs.contains(first << 16 | second);
    }

    float score(int id) {
        return vocab.score(id);
    }

    /** Writes a character that is no token: as byte tokens, else as the unknown token. */
    void appendFallback(String character, IntStream.Builder out) {
        byte[] utf8 = character.getBytes(StandardCharsets.UTF_8);
        boolean allBytes = hasByteTokens;
        for (int i = 0; i < utf8.length && allBytes; i++) {
            allBytes = byteTokens[utf8[i] & 0xff] >= 0;
        }
        if (allBytes) {
            for (byte b : utf8) {
                out.add(byteTokens[b & 0xff]);
            }
        } else if (vocab.unknownId() >= 0) {
            out.add(vocab.unknownId()); // SentencePiece: one unknown token per character
        } else {
            throw new LucidException(String.format("cannot encode the character U+%04X: the vocabulary has no token"
                    + " for it, no byte tokens and no unknown token", character.codePointAt(0)));
        }
    }

    /** Spaces to {@code ▁}, the space prefix if asked for, and unpaired surrogates (not encodable) to U+FFFD. */
    private static String escape(String text, boolean spacePrefix) {
        StringBuilder sb = new StringBuilder(text.length() + 1);
        if (spacePrefix) {
            sb.append(SPACE_MARK);
        }
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == ' ') {
                sb.append(SPACE_MARK);
            } else if (Character.isHighSurrogate(c) && i + 1 < text.length() && Character.isLowSurrogate(text.charAt(i + 1))) {
                sb.append(c).append(text.charAt(++i));
            } else if (Character.isSurrogate(c)) {
                sb.append('\uFFFD');
            } else {
                sb.append(c);
            }
        }
        return sb.toString();
    }

    private static byte[] unescape(String tokenText) {
        return tokenText.replace(SPACE_MARK, ' ').getBytes(StandardCharsets.UTF_8);
    }

    /** The value of a {@code <0xNN>} token text, or -1. */
    private static int byteOf(String tokenText) {
        if (tokenText.length() != 6 || !tokenText.startsWith("<0x") || tokenText.charAt(5) != '>') {
            return -1;
        }
        try {
            return Integer.parseInt(tokenText, 3, 5, 16);
        } catch (NumberFormatException e) {
            return -1;
        }
    }
}
