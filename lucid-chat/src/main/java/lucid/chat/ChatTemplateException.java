package lucid.chat;

import lucid.LucidException;

/** A chat template that cannot be read or rendered: a Jinja syntax error, or the template's own {@code raise_exception}. */
public final class ChatTemplateException extends LucidException {
    public ChatTemplateException(String message) {
        super(message);
    }
}
