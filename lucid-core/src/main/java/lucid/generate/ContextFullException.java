package lucid.generate;

import lucid.LucidException;

/** A sequence does not fit in the session's context. */
public final class ContextFullException extends LucidException {
    public ContextFullException(int contextLength) {
        super("the context of " + contextLength + " tokens is full; raise it with -c (up to the model's trained context)");
    }

    public ContextFullException(int contextLength, int needed) {
        super("the prompt needs " + needed + " tokens, but the context holds " + contextLength
                + "; shorten the prompt or raise the context with -c");
    }
}
