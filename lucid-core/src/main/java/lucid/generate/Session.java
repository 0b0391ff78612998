package lucid.generate;

import lucid.LucidException;
import lucid.model.InferenceState;
import lucid.model.Transformer;
import lucid.tensor.WorkerPool;

import java.util.Arrays;

/**
 * One sequence being processed by a model: the tokens so far and the KV cache that remembers
 * them. {@link #evaluate} appends a token and returns the logits for the one after it.
 */
public final class Session {
    private final Transformer model;
    private final InferenceState state;
    private final int[] tokens;
    private int length;
    private GenerationObserver observer;

    public Session(Transformer model, int contextLength, WorkerPool pool) {
        this(model, contextLength, pool, lucid.model.CacheType.F32);
    }

    /** A session whose KV cache stores keys and values as {@code cacheType}. */
    public Session(Transformer model, int contextLength, WorkerPool pool, lucid.model.CacheType cacheType) {
        if (contextLength <= 0) {
            throw new LucidException("the context length must be positive, got " + contextLength);
        }
        this.model = model;
        this.state = new InferenceState(model.config(), contextLength, pool, cacheType);
        this.tokens = new int[contextLength];
    }

    /** Attaches an observer to the following steps (null detaches): see {@link GenerationObserver}. */
    public void setObserver(GenerationObserver observer) {
        state.setObserver(observer);
        this.observer = observer;
    }

    public GenerationObserver observer() {
        return observer;
    }

    /** The session's scratch state (the logit lens reuses its worker pool through it). */
    public InferenceState state() {
        return state;
    }

    public Transformer model() {
        return model;
    }

    public int contextLength() {
        return tokens.length;
    }

    /** Tokens in the sequence (= the position the next token will take). */
    public int length() {
        return length;
    }

    public boolean isFull() {
        return length == tokens.length;
    }

    public int[] tokens() {
        return Arrays.copyOf(tokens, length);
    }

    /** Appends {@code token} and returns the logits for the next token (valid until the next call). */
    public float[] evaluate(int token) {
        if (isFull()) {
            throw new ContextFullException(tokens.length);
        }
        model.forward(token, length, state);
        tokens[length++] = token;
        return state.logits();
    }

    /**
     * Appends tokens[i] to sessions[i] for i &lt; count in one step that reads each weight once for
     * all of them ({@link Transformer#forwardSequences}); afterwards each session's
     * {@code state().logits()} hold its next-token logits, bit for bit what {@link #evaluate(int)}
     * would have left. The sessions must share a model, be distinct and have no observer.
     */
    public static void evaluate(Session[] sessions, int[] tokens, int count, lucid.model.SequenceBatch batch) {
        if (count < 1 || count > batch.capacity() || count > sessions.length) {
            throw new IllegalArgumentException("a sequence batch holds 1.." + Math.min(batch.capacity(), sessions.length)
                    + " sequences, got " + count);
        }
        InferenceState[] states = batch.states();
        int[] positions = batch.positions();
        Transformer model = sessions[0].model;
        for (int i = 0; i < count; i++) {
            Session s = sessions[i];
            if (s.model != model) {
                throw new IllegalArgumentException("sessions stepped together must share one model");
            }
            if (s.isFull()) {
                throw new ContextFullException(s.tokens.length);
            }
            for (int j = 0; j < i; j++) {
                if (sessions[j] == s) {
                    throw new IllegalArgumentException("a session can take only one token per step");
                }
            }
            states[i] = s.state;
            positions[i] = s.length;
        }
        model.forwardSequences(tokens, positions, states, count, batch);
        for (int i = 0; i < count; i++) {
            Session s = sessions[i];
            s.tokens[s.length++] = tokens[i];
        }
    }

    /**
     * Appends all tokens, in batches (each weight is read once per batch, not once per token);
     * returns the logits after the last.
     */
    public float[] evaluate(int[] prompt) {
        if (prompt.length == 0) {
            throw new IllegalArgumentException("nothing to evaluate");
        }
        if (prompt.length > tokens.length - length) {
            throw new ContextFullException(tokens.length, length + prompt.length);
        }
        if (prompt.length < InferenceState.MIN_BATCH) {
            float[] logits = null;
            for (int token : prompt) {
                logits = evaluate(token);
            }
            return logits;
        }
        for (int from = 0; from < prompt.length; from += InferenceState.BATCH) {
            int n = Math.min(InferenceState.BATCH, prompt.length - from);
            model.forwardBatch(prompt, from, n, length, state);
            System.arraycopy(prompt, from, tokens, length, n);
            length += n;
        }
        return state.logits();
    }

    /**
     * Keeps the first {@code length} tokens and forgets the rest: their cache rows are overwritten by
     * what is evaluated next. A chat re-evaluates only where a new prompt differs from the tokens
     * already here.
     */
    public void truncate(int length) {
        if (length < 0 || length > this.length) {
            throw new IllegalArgumentException("cannot keep " + length + " tokens of a sequence of " + this.length);
        }
        this.length = length;
    }

    /** Forgets the sequence (the cache is simply overwritten from position 0). */
    public void reset() {
        length = 0;
    }

    /** How many leading tokens {@code other} shares with this sequence. */
    public int commonPrefix(int[] other) {
        int n = Math.min(length, other.length);
        int i = 0;
        while (i < n && tokens[i] == other[i]) {
            i++;
        }
        return i;
    }
}
