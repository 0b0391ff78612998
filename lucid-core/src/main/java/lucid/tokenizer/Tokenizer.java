package lucid.tokenizer;

import lucid.LucidException;
import lucid.gguf.GgufMetadata;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Turns text into token ids and ids back into text, the way the model was trained.
 *
 * {@snippet :
 * Tokenizer tokenizer = Tokenizer.fromGguf(gguf.metadata());
 * int[] ids = tokenizer.encode("Once upon a time", true);   // [1, 403, 407, 261, 378]
 * String text = tokenizer.decode(ids);                      // "Once upon a time"
 * }
 *
 * <p>Implementations are immutable and safe to share between threads.
 */
public interface Tokenizer {

    /** The tokenizer models {@link #fromGguf} understands, as {@code tokenizer.ggml.model} names them. */
    String SUPPORTED_MODELS = "llama (SentencePiece BPE), gpt2 (byte-level BPE)";

    /**
     * The tokenizer a GGUF file asks for, chosen by {@code tokenizer.ggml.model}.
     *
     * @throws LucidException if the vocabulary is missing or malformed, or the model is not supported
     */
    static Tokenizer fromGguf(GgufMetadata metadata) {
        String model = metadata.string(Vocabulary.MODEL).orElseThrow(() -> new LucidException(
                "the model file has no " + Vocabulary.MODEL + ", so Lucid cannot tell which tokenizer it uses"));
        return switch (model) {
            case "llama" -> new SentencePieceTokenizer(Vocabulary.fromGguf(metadata));
            case "gpt2" -> ByteLevelBpeTokenizer.fromGguf(metadata);
            default -> throw new LucidException("the model uses the tokenizer \"" + model
                    + "\", which Lucid does not support yet; supported: " + SUPPORTED_MODELS);
        };
    }

    Vocabulary vocabulary();

    /**
     * The same tokens with other special ids and flags (BOS, EOS, whether to add them), e.g.
     * those a Hugging Face folder's tokenizer_config.json names.
     *
     * @throws LucidException if an id is outside the vocabulary
     */
    Tokenizer withSettings(Vocabulary.Settings settings);

    /**
     * The ids of {@code text}. Text never produces control tokens: {@code "<s>"} in the text is
     * spelled out with ordinary tokens. Same as {@code encode(text, addSpecial, false)}.
     *
     * @param addSpecial add BOS in front (and EOS at the end) where the vocabulary asks for them
     */
    default int[] encode(String text, boolean addSpecial) {
        return encode(text, addSpecial, false);
    }

    /**
     * The ids of {@code text}, optionally reading the texts of control tokens in it as those tokens
     * (llama.cpp's {@code parse_special}): with {@code parseSpecial}, {@code "<|im_start|>hi"}
     * gives the id of {@code <|im_start|>} and then {@code hi}; without it the marker is spelled out
     * with ordinary tokens. Use it for text the program builds (chat templates), never for what a
     * user typed. Byte-level vocabularies always cut out user-defined tokens (such as GPT-NeoX's
     * runs of spaces), as llama.cpp and Hugging Face do.
     *
     * @param addSpecial   add BOS in front (and EOS at the end) where the vocabulary asks for them
     * @param parseSpecial read control tokens written in the text as those tokens, longest first
     */
    int[] encode(String text, boolean addSpecial, boolean parseSpecial);

    /**
     * The text of a sequence of ids: control and unknown tokens give nothing, and the space the
     * tokenizer put in front of the text is taken away again, also after a BOS (as SentencePiece
     * does; llama.cpp keeps it after a BOS). Bytes that are not valid UTF-8 become U+FFFD.
     * {@link #piece} keeps every space.
     */
    default String decode(int[] ids) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        boolean atStart = true;
        for (int id : ids) {
            byte[] bytes = textBytes(id);
            if (atStart && bytes.length > 0) {
                bytes = withoutSpacePrefix(bytes);
                atStart = false;
            }
            out.writeBytes(bytes);
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    /** The bytes {@code id} adds to decoded text: nothing for control and unknown tokens. */
    byte[] textBytes(int id);

    /**
     * The first text bytes of a sequence without the space the tokenizer put in front of the text
     * when encoding, if it adds one ({@link Vocabulary#addSpacePrefix}).
     */
    default byte[] withoutSpacePrefix(byte[] firstText) {
        if (vocabulary().addSpacePrefix() && firstText.length > 0 && firstText[0] == ' ') {
            return Arrays.copyOfRange(firstText, 1, firstText.length);
        }
        return firstText;
    }

    /**
     * The token's own bytes, for display: {@code "▁Hello"} gives {@code " Hello"},
     * {@code "<0x0A>"} the byte 10, and control tokens their name, e.g. {@code "<s>"}.
     */
    byte[] pieceBytes(int id);

    /** {@link #pieceBytes} as text; a byte token that is part of a character gives U+FFFD. */
    default String piece(int id) {
        return new String(pieceBytes(id), StandardCharsets.UTF_8);
    }

    /**
     * The token as text for people, never with U+FFFD for a piece of a character: a byte token
     * (SentencePiece byte fallback) by its name, e.g. {@code <0xE4>}, even when its byte is a whole
     * character; in other tokens each byte that is not part of a whole UTF-8 character is written
     * the same way, so the byte-level token of the bytes BA E8 83 (the end of 智 and the start
     * of 能) shows as {@code <0xBA><0xE8><0x83>} and {@code " 人"} as itself.
     */
    default String displayPiece(int id) {
        Vocabulary v = vocabulary();
        if (id >= 0 && id < v.size() && v.type(id) == TokenType.BYTE) {
            return v.text(id);
        }
        return Utf8StreamDecoder.escapeBrokenCharacters(pieceBytes(id));
    }
}
