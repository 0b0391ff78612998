package lucid.sampling;

import java.util.random.RandomGenerator;

/**
 * Draws a candidate at random in proportion to its probability (softmax of the remaining
 * logits). The random generator is passed in, so a seed makes the choice repeatable.
 */
public final class Distribution implements Sampler {
    private final RandomGenerator random;

    public Distribution(RandomGenerator random) {
        this.random = random;
    }

    @Override
    public String name() {
        return "dist";
    }

    @Override
    public void apply(Candidates c) {
        c.softmax();
        double u = random.nextDouble();
        double cumulative = 0;
        for (int i = 0; i < c.size; i++) {
            cumulative += c.probs[i];
            if (u < cumulative) {
                c.select(i);
                return;
            }
        }
        c.select(c.size - 1); // u fell in the rounding gap at the top
    }
}
