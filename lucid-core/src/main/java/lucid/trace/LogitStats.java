package lucid.trace;

/**
 * The distribution softmax(logits) described without materialising it: log-sum-exp, the
 * probability and rank of a token, the entropy, the top tokens. Sums are in double.
 */
public final class LogitStats {
    private final float[] logits;
    private final int size;
    private final double logSumExp;

    public LogitStats(float[] logits, int size) {
        this.logits = logits;
        this.size = size;
        float max = Float.NEGATIVE_INFINITY;
        for (int i = 0; i < size; i++) {
            max = Math.max(max, logits[i]);
        }
        double sum = 0;
        for (int i = 0; i < size; i++) {
            sum += Math.exp(logits[i] - max);
        }
        this.logSumExp = max + Math.log(sum);
    }

    public LogitStats(float[] logits) {
        this(logits, logits.length);
    }

    public double logprob(int id) {
        return logits[id] - logSumExp;
    }

    public double prob(int id) {
        return Math.exp(logprob(id));
    }

    /** 1 for the most likely token; ties share the better rank. */
    public int rank(int id) {
        int above = 0;
        float l = logits[id];
        for (int i = 0; i < size; i++) {
            if (logits[i] > l) {
                above++;
            }
        }
        return above + 1;
    }

    /** −Σ p ln p, in nats. */
    public double entropy() {
        double expectedLogit = 0;
        for (int i = 0; i < size; i++) {
            expectedLogit += Math.exp(logits[i] - logSumExp) * logits[i];
        }
        return Math.max(0, logSumExp - expectedLogit);
    }

    /** The n most likely ids, most likely first (lower id first on ties); one pass with a small sorted buffer. */
    public int[] top(int n) {
        n = Math.min(n, size);
        int[] ids = new int[n];
        int filled = 0;
        for (int i = 0; i < size; i++) {
            if (filled == n && !better(i, ids[n - 1])) {
                continue;
            }
            int at = filled < n ? filled++ : n - 1;
            while (at > 0 && better(i, ids[at - 1])) {
                ids[at] = ids[at - 1];
                at--;
            }
            ids[at] = i;
        }
        return ids;
    }

    private boolean better(int a, int b) {
        return logits[a] > logits[b] || (logits[a] == logits[b] && a < b);
    }
}
