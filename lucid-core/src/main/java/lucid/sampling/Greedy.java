package lucid.sampling;

/** Picks the candidate with the highest logit (lowest id on ties). */
public record Greedy() implements Sampler {
    @Override
    public String name() {
        return "greedy";
    }

    @Override
    public void apply(Candidates c) {
        c.select(c.argmax());
    }
}
