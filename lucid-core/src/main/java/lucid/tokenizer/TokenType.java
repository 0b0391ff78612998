package lucid.tokenizer;

/**
 * What kind of token a vocabulary entry is, with the ids GGUF files store in
 * {@code tokenizer.ggml.token_type} (llama.cpp's {@code llama_token_type}).
 */
public enum TokenType {
    /** No type stored, or an id Lucid does not know; treated like {@link #NORMAL}. */
    UNDEFINED(0),
    /** Ordinary text. */
    NORMAL(1),
    /** The token for text the vocabulary cannot represent. */
    UNKNOWN(2),
    /** A marker such as {@code <s>} or {@code </s>}: never produced from text, decodes to nothing. */
    CONTROL(3),
    /** A token added by the model's authors; its text is shown as is. */
    USER_DEFINED(4),
    /** A reserved slot. */
    UNUSED(5),
    /** One raw byte, written {@code <0xNN>}: SentencePiece's byte fallback. */
    BYTE(6);

    /** The id stored in GGUF files. */
    public final int id;

    TokenType(int id) {
        this.id = id;
    }

    /** The type with the given GGUF id; unknown ids are {@link #UNDEFINED}, as in llama.cpp. */
    public static TokenType fromId(int id) {
        for (TokenType t : values()) {
            if (t.id == id) {
                return t;
            }
        }
        return UNDEFINED;
    }
}
