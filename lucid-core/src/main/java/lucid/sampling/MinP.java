package lucid.sampling;

/**
 * Keeps candidates whose probability is at least p times that of the most likely one (and at
 * least {@code minKeep} candidates). p ≤ 0 is a no-op.
 */
public record MinP(float p, int minKeep) implements Sampler {
    public MinP(float p) {
        this(p, 1);
    }

    @Override
    public String name() {
        return "min-p(" + p + ")";
    }

    @Override
    public void apply(Candidates c) {
        if (p <= 0f) {
            return;
        }
        c.sort();
        // prob_i ≥ p · prob_max  ⇔  logit_i ≥ logit_max + ln p
        float threshold = c.logits[0] + (float) Math.log(p);
        int keep = 1;
        while (keep < c.size && (c.logits[keep] >= threshold || keep < minKeep)) {
            keep++;
        }
        c.truncate(keep);
    }
}
