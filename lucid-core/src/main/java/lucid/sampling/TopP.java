package lucid.sampling;

/**
 * Nucleus sampling: keeps the smallest set of most likely candidates whose probabilities (at
 * the logits as they are now) sum to at least p, and at least {@code minKeep}. p ≥ 1 is a no-op.
 */
public record TopP(float p, int minKeep) implements Sampler {
    public TopP(float p) {
        this(p, 1);
    }

    @Override
    public String name() {
        return "top-p(" + p + ")";
    }

    @Override
    public void apply(Candidates c) {
        if (p >= 1f) {
            return;
        }
        c.sort();
        c.softmax();
        double cumulative = 0;
        int keep = c.size;
        for (int i = 0; i < c.size; i++) {
            cumulative += c.probs[i];
            if (cumulative >= p && i + 1 >= minKeep) {
                keep = i + 1;
                break;
            }
        }
        c.truncate(keep);
    }
}
