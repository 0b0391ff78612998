package lucid.server;

import java.util.List;

/** Turns a chat conversation into the prompt text the model was trained on. */
@FunctionalInterface
public interface ChatPrompt {
    record Message(String role, String content) {}

    /** The conversation, ending where the assistant's answer begins. */
    String render(List<Message> messages);

    /**
     * A plain transcript for models without a chat format ("System: … / User: … / Assistant:"),
     * or ChatML when the vocabulary has its special tokens.
     */
    static ChatPrompt fallback(lucid.tokenizer.Vocabulary vocabulary) {
        if (vocabulary.id("<|im_start|>") >= 0) {
            return messages -> {
                StringBuilder sb = new StringBuilder();
                for (Message m : messages) {
                    sb.append("<|im_start|>").append(m.role()).append('\n').append(m.content()).append("<|im_end|>\n");
                }
                return sb.append("<|im_start|>assistant\n").toString();
            };
        }
        return messages -> {
            StringBuilder sb = new StringBuilder();
            for (Message m : messages) {
                String who = switch (m.role()) {
                    case "system" -> "System";
                    case "assistant" -> "Assistant";
                    default -> "User";
                };
                sb.append(who).append(": ").append(m.content()).append('\n');
            }
            return sb.append("Assistant:").toString();
        };
    }
}
