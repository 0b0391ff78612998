package lucid.sampling;

/**
 * Penalises tokens seen among the last {@code lastN} tokens (prompt included): positive logits
 * are divided by {@code repeat} and negative ones multiplied by it (the CTRL paper's rule, as in
 * llama.cpp); then {@code frequency}·count + {@code presence} is subtracted (OpenAI's penalties).
 * repeat = 1 with frequency = presence = 0, or lastN = 0, is a no-op.
 */
public final class RepetitionPenalty implements Sampler {
    private final int lastN;
    private final float repeat;
    private final float frequency;
    private final float presence;
    private final int[] window;
    private int windowStart;
    private int windowSize;
    private final int[] counts;

    public RepetitionPenalty(int vocabularySize, int lastN, float repeat, float frequency, float presence) {
        this.lastN = lastN;
        this.repeat = repeat;
        this.frequency = frequency;
        this.presence = presence;
        this.window = new int[Math.max(lastN, 0)];
        this.counts = new int[vocabularySize];
    }

    @Override
    public String name() {
        return "penalties(last " + lastN + ", repeat " + repeat + ", freq " + frequency + ", present " + presence + ")";
    }

    private boolean disabled() {
        return lastN <= 0 || (repeat == 1f && frequency == 0f && presence == 0f);
    }

    @Override
    public void apply(Candidates c) {
        if (disabled() || windowSize == 0) {
            return;
        }
        for (int i = 0; i < c.size; i++) {
            int count = counts[c.ids[i]];
            if (count == 0) {
                continue;
            }
            float logit = c.logits[i];
            logit = logit > 0 ? logit / repeat : logit * repeat;
            c.logits[i] = logit - count * frequency - presence;
        }
        c.sorted = false;
    }

    @Override
    public void accept(int token) {
        if (lastN <= 0 || token < 0 || token >= counts.length) {
            return;
        }
        if (windowSize == lastN) {
            counts[window[windowStart]]--;
            window[windowStart] = token;
            windowStart = (windowStart + 1) % lastN;
        } else {
            window[(windowStart + windowSize) % lastN] = token;
            windowSize++;
        }
        counts[token]++;
    }

    @Override
    public void reset() {
        for (int i = 0; i < windowSize; i++) {
            counts[window[(windowStart + i) % lastN]] = 0;
        }
        windowStart = 0;
        windowSize = 0;
    }
}
