package lucid.safetensors;

import lucid.LucidException;

/** A file is not a well-formed safetensors file; the message names the file and what is wrong. */
public final class SafetensorsFormatException extends LucidException {
    public SafetensorsFormatException(String message) {
        super(message);
    }
}
