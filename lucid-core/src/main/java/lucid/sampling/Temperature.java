package lucid.sampling;

/**
 * Divides logits by the temperature: below 1 sharpens the distribution, above 1 flattens it.
 * A temperature ≤ 0 keeps only the most likely candidate (greedy).
 */
public record Temperature(float temperature) implements Sampler {
    @Override
    public String name() {
        return "temp(" + temperature + ")";
    }

    @Override
    public void apply(Candidates c) {
        if (temperature <= 0) {
            int best = c.argmax();
            int id = c.ids[best];
            float logit = c.logits[best];
            c.ids[0] = id;
            c.logits[0] = logit;
            c.size = 1;
            c.sorted = true;
            return;
        }
        for (int i = 0; i < c.size; i++) {
            c.logits[i] /= temperature;
        }
    }
}
