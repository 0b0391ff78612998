package lucid.gguf;

import lucid.LucidException;

/** A file is not a well-formed GGUF file; the message names the file and what is wrong. */
public final class GgufFormatException extends LucidException {
    public GgufFormatException(String message) {
        super(message);
    }
}
