package lucid.sampling;

/** Keeps the k most likely candidates. k ≤ 0 keeps all (a no-op). */
public record TopK(int k) implements Sampler {
    @Override
    public String name() {
        return "top-k(" + k + ")";
    }

    @Override
    public void apply(Candidates c) {
        if (k <= 0 || k >= c.size) {
            return;
        }
        c.sort();
        c.truncate(k);
    }
}
