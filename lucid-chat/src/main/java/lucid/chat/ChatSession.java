package lucid.chat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import lucid.LucidException;
import lucid.generate.GenerationResult;
import lucid.generate.Generator;
import lucid.generate.Session;
import lucid.model.Model;
import lucid.sampling.SamplerChain;
import lucid.tokenizer.TokenType;
import lucid.tokenizer.Tokenizer;
import lucid.tokenizer.Utf8StreamDecoder;
import lucid.tokenizer.Vocabulary;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.List;
import java.util.function.BooleanSupplier;

/**
 * A conversation with a model: the messages so far, and the session whose KV cache holds them.
 * Each {@link #reply} renders the whole conversation with the chat template and evaluates only the
 * tokens after the longest prefix the session already holds — usually just the new user message
 * and the answer's opening — then streams the answer until an end-of-turn token.
 *
 * {@snippet :
 * ChatSession chat = new ChatSession(model, ChatTemplate.forModel(...), model.newSession(4096, pool), chain);
 * chat.setSystem("Answer in one sentence.");
 * ChatSession.Reply reply = chat.reply("Why is the sky blue?", -1, System.out::print, () -> false);
 * }
 *
 * <p>When the conversation no longer fits in the context (with room left for an answer), the
 * oldest user/assistant turns are dropped (the system prompt stays) and the reply says how many.
 * Not thread-safe: one conversation, one thread (the {@code stop} check may be set from another).
 */
public final class ChatSession {
    /** Why an answer ended. */
    public enum Stop {
        /** The model ended its turn (an end-of-turn or end-of-sequence token). */
        END_OF_TURN,
        /** The token limit for one answer was reached. */
        TOKEN_LIMIT,
        /** The context is full; the answer was cut. */
        CONTEXT_FULL,
        /** The caller's stop check said stop (Ctrl-C). */
        STOPPED
    }

    /**
     * One answer.
     *
     * @param text            the answer as kept in the conversation (leading and trailing white space trimmed)
     * @param stop            why it ended
     * @param droppedMessages oldest messages dropped so that the conversation fits (0 usually)
     * @param promptTokens    tokens of the rendered conversation the answer follows
     * @param reusedTokens    of those, how many the KV cache held already (not evaluated again)
     * @param answerTokens    tokens generated, without the end-of-turn token
     * @param promptNanos     time to evaluate the new prompt tokens
     * @param answerNanos     time to generate the answer
     */
    public record Reply(String text, Stop stop, int droppedMessages, int promptTokens, int reusedTokens,
                        int answerTokens, long promptNanos, long answerNanos) {
        /** Answer tokens per second. */
        public double tokensPerSecond() {
            return answerNanos == 0 ? 0 : answerTokens * 1e9 / answerNanos;
        }
    }

    /** What a caller hears while an answer is made. */
    @FunctionalInterface
    public interface Listener {
        /** The answer's next piece of text (whole characters; leading white space left out). */
        void onText(String text);

        /** Before the answer: the oldest {@code messages} were dropped so that the conversation fits. */
        default void onDropped(int messages) {}
    }

    /** The room an answer needs at least: a quarter of the context, at most this many tokens. */
    static final int MAX_ANSWER_RESERVE = 256;

    private final Model model;
    private final Tokenizer tokenizer;
    private final ChatTemplate template;
    private final Session session;
    private final SamplerChain sampler;
    private final BitSet endOfTurn;
    private String system;
    /** User and assistant messages, oldest first. */
    private final List<Message> turns = new ArrayList<>();

    /**
     * @param session an empty session of {@code model} (its context is the conversation's limit)
     * @param sampler chooses the answers' tokens; it is reset for each answer and shown the conversation
     */
    public ChatSession(Model model, ChatTemplate template, Session session, SamplerChain sampler) {
        this.model = model;
        this.tokenizer = model.tokenizer();
        this.template = template;
        this.session = session;
        this.sampler = sampler;
        this.endOfTurn = endOfTurnTokens(model, template);
    }

    /**
     * The model's end-of-generation tokens plus the template's end-of-turn markers that are
     * single special tokens of the vocabulary (such as {@code <|end|>} where a file marks it
     * user-defined rather than control).
     */
    private static BitSet endOfTurnTokens(Model model, ChatTemplate template) {
        Vocabulary v = model.tokenizer().vocabulary();
        BitSet ends = new BitSet(v.size());
        for (int id = 0; id < v.size(); id++) {
            if (model.isEndOfGeneration(id)) {
                ends.set(id);
            }
        }
        for (String text : template.endOfTurnTexts()) {
            int id = v.id(text);
            if (id >= 0 && v.type(id) != TokenType.NORMAL) {
                ends.set(id);
            }
        }
        return ends;
    }

    public ChatTemplate template() {
        return template;
    }

    /** Whether {@code token} ends an answer. */
    public boolean isEndOfTurn(int token) {
        return token >= 0 && endOfTurn.get(token);
    }

    /** The conversation: the system prompt (if any) then the turns. */
    public List<Message> messages() {
        List<Message> all = new ArrayList<>(turns.size() + 1);
        if (system != null) {
            all.add(Message.system(system));
        }
        all.addAll(turns);
        return List.copyOf(all);
    }

    /** The system prompt, or null. */
    public String system() {
        return system;
    }

    /** Sets the system prompt; null or blank removes it. The turns stay. */
    public void setSystem(String text) {
        system = text == null || text.isBlank() ? null : text.strip();
    }

    /** Forgets the turns (the system prompt stays). */
    public void reset() {
        turns.clear();
    }

    /** Tokens the session holds (the conversation as last evaluated). */
    public int cachedTokens() {
        return session.length();
    }

    public int contextLength() {
        return session.contextLength();
    }

    /**
     * Adds the user's message, answers it and adds the answer.
     *
     * @param maxTokens tokens to generate at most; negative = until the end of the turn or a full context
     * @param listener  receives the answer's text as it is produced, and hears of dropped messages first
     * @param stop      polled after each token; true stops the answer (it is kept as far as it got)
     * @throws LucidException if the message cannot fit in the context even alone, or the template
     *                        refuses the conversation; the conversation is then as before
     */
    public Reply reply(String userText, int maxTokens, Listener listener, BooleanSupplier stop) {
        List<Message> before = List.copyOf(turns);
        turns.add(Message.user(userText));
        int[] prompt;
        int dropped = 0;
        try {
            int reserve = Math.min(MAX_ANSWER_RESERVE, Math.max(1, session.contextLength() / 4));
            if (maxTokens >= 0) {
                reserve = Math.min(reserve, Math.max(1, maxTokens));
            }
            while (true) {
                prompt = encode(messages());
                if (prompt.length + reserve <= session.contextLength()) {
                    break;
                }
                if (turns.size() == 1) {
                    if (prompt.length < session.contextLength()) {
                        break; // the answer may be cut short, but there is room to start one
                    }
                    throw new LucidException("the message needs " + prompt.length + " tokens with the chat template"
                            + (system != null ? " and the system prompt" : "") + ", but the context holds "
                            + session.contextLength() + "; shorten it or raise the context with -c");
                }
                // Drop the oldest turn: a user message and the answer to it.
                turns.removeFirst();
                dropped++;
                if (turns.size() > 1 && turns.getFirst().role().equals(Message.ASSISTANT)) {
                    turns.removeFirst();
                    dropped++;
                }
            }
        } catch (RuntimeException e) {
            turns.clear();
            turns.addAll(before);
            throw e;
        }

        if (dropped > 0) {
            listener.onDropped(dropped);
        }
        // Reuse the cache for the tokens the session already holds; evaluate at least one token.
        int reused = Math.min(commonPrefix(session.tokens(), prompt), prompt.length - 1);
        session.truncate(reused);
        sampler.reset();
        for (int i = 0; i < reused; i++) {
            sampler.accept(prompt[i]);
        }
        Answer answer = new Answer(listener);
        Utf8StreamDecoder decoder = new Utf8StreamDecoder(tokenizer, true);
        boolean[] stopped = {false};
        GenerationResult result = Generator.generate(session, Arrays.copyOfRange(prompt, reused, prompt.length), maxTokens, sampler,
                token -> {
                    if (isEndOfTurn(token)) {
                        return true;
                    }
                    stopped[0] = stop.getAsBoolean();
                    return stopped[0];
                },
                token -> {
                    if (!isEndOfTurn(token)) {
                        answer.add(decoder.feed(token));
                    }
                });
        answer.add(decoder.flush());
        int generated = result.generated().length;
        Stop why = switch (result.stopReason()) {
            case END_OF_SEQUENCE -> stopped[0] ? Stop.STOPPED : Stop.END_OF_TURN;
            case MAX_TOKENS -> Stop.TOKEN_LIMIT;
            case CONTEXT_FULL -> Stop.CONTEXT_FULL;
        };
        if (generated > 0 && isEndOfTurn(result.generated()[generated - 1])) {
            generated--;
        }
        String text = answer.text();
        turns.add(Message.assistant(text));
        return new Reply(text, why, dropped, prompt.length, reused, generated, result.promptNanos(), result.generationNanos());
    }

    /**
     * The tokens of the conversation as the template renders it, ready to answer: special tokens
     * read as such, and BOS in front when the vocabulary wants one and the template did not write it.
     */
    public int[] encode(List<Message> messages) {
        String text = template.render(messages, true);
        int[] ids = tokenizer.encode(text, false, true);
        Vocabulary v = tokenizer.vocabulary();
        if (v.addBos() && v.bosId() >= 0 && (ids.length == 0 || ids[0] != v.bosId())) {
            int[] withBos = new int[ids.length + 1];
            withBos[0] = v.bosId();
            System.arraycopy(ids, 0, withBos, 1, ids.length);
            return withBos;
        }
        return ids;
    }

    /**
     * Writes the conversation as JSON: {@code {"model", "template", "messages": [{"role", "content"}...]}}, the system prompt first.
     *
     * @throws LucidException if the file cannot be written
     */
    public void save(Path file) {
        ObjectMapper json = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
        ObjectNode root = json.createObjectNode();
        root.put("model", model.name());
        root.put("template", template.name());
        ArrayNode list = root.putArray("messages");
        for (Message m : messages()) {
            list.addObject().put("role", m.role()).put("content", m.content());
        }
        try {
            Files.writeString(file, json.writeValueAsString(root) + "\n", StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new LucidException("cannot write " + file + ": " + e.getMessage());
        }
    }

    private static int commonPrefix(int[] a, int[] b) {
        int n = Math.min(a.length, b.length);
        int i = 0;
        while (i < n && a[i] == b[i]) {
            i++;
        }
        return i;
    }

    /** The answer's text: white space before the first visible character is left out. */
    private static final class Answer {
        private final StringBuilder text = new StringBuilder();
        private final Listener listener;

        Answer(Listener listener) {
            this.listener = listener;
        }

        void add(String piece) {
            if (text.isEmpty()) {
                piece = piece.stripLeading();
            }
            if (!piece.isEmpty()) {
                text.append(piece);
                listener.onText(piece);
            }
        }

        String text() {
            return text.toString().strip();
        }
    }
}
