package lucid.chat;

import lucid.LucidException;

/** A chat template that cannot be read or rendered: a Jinja syntax error, or the template's own {@code raise_exception}. */
public final class ChatTemplateException extends LucidException {
    private final boolean refusal;

    public ChatTemplateException(String message, boolean refusal) {
        super(message);
        this.refusal = refusal;
    }

    /**
     * True when the template itself refused the conversation ({@code raise_exception}, e.g. roles
     * that do not alternate); false when the template is broken.
     */
    public boolean isRefusal() {
        return refusal;
    }
}
