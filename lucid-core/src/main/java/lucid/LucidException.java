package lucid;

/**
 * A problem the user can act on: a malformed file, an unsupported model, a bad option.
 * The message is one line that says what is wrong and, where possible, what to do.
 * Front ends (CLI, server) print the message without a stack trace; anything else that
 * escapes is a bug in Lucid.
 */
public class LucidException extends RuntimeException {
    public LucidException(String message) {
        super(message);
    }

    public LucidException(String message, Throwable cause) {
        super(message, cause);
    }
}
