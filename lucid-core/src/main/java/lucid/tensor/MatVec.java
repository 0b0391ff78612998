package lucid.tensor;

/**
 * Matrix-vector products over a {@link WorkerPool}, reused for every product of a session (no
 * allocation per token). Up to three matrices that read the same input (Q, K, V; gate and up)
 * run as one job, so the threads meet once instead of three times.
 *
 * <p>Every output row is computed by exactly one thread in a fixed order, so the results are
 * bit-identical whatever the thread count.
 */
public final class MatVec implements WorkerPool.Job {
    /** Products smaller than this many weights run on the calling thread alone. */
    private static final long PARALLEL_THRESHOLD = 1 << 18;
    private static final int MIN_CHUNK_ROWS = 16;

    private final WorkerPool pool;
    private final WorkerPool.Chunks chunks = new WorkerPool.Chunks();
    private final WeightMatrix[] matrices = new WeightMatrix[3];
    private final float[][] outputs = new float[3][];
    private final int[] firstRow = new int[4];
    private int count;
    private float[] input;
    private ActivationRounding rounding = ActivationRounding.EXACT;
    private float[] rounded = new float[0];
    /** Vectors per product: x holds them one after another (tokens·cols), each output tokens·rows. */
    private int tokens = 1;

    public MatVec(WorkerPool pool) {
        this.pool = pool;
    }

    /** out = W·x. */
    public void multiply(WeightMatrix w, float[] x, float[] out) {
        count = 0;
        add(w, out);
        run(x);
    }

    /** out1 = W1·x and out2 = W2·x. */
    public void multiply(WeightMatrix w1, float[] out1, WeightMatrix w2, float[] out2, float[] x) {
        count = 0;
        add(w1, out1);
        add(w2, out2);
        run(x);
    }

    /** out1 = W1·x, out2 = W2·x and out3 = W3·x. */
    public void multiply(WeightMatrix w1, float[] out1, WeightMatrix w2, float[] out2, WeightMatrix w3, float[] out3, float[] x) {
        count = 0;
        add(w1, out1);
        add(w2, out2);
        add(w3, out3);
        run(x);
    }

    private void add(WeightMatrix w, float[] out) {
        matrices[count] = w;
        outputs[count] = out;
        firstRow[count + 1] = firstRow[count] + w.rows();
        count++;
    }

    /**
     * How many vectors the following products take: x holds k vectors one after another and
     * out[t·rows + r] gets row r times vector t. Each row is read once for all k, and each result
     * has the bits a product of that vector alone would have.
     */
    public void setTokens(int k) {
        if (k < 1) {
            throw new IllegalArgumentException("a product takes at least one vector, got " + k);
        }
        this.tokens = k;
    }

    /** How activations enter the products (see {@link ActivationRounding}); exact by default. */
    public void setRounding(ActivationRounding rounding) {
        this.rounding = rounding;
    }

    private void run(float[] x) {
        if (rounding.rounds(matrices[0].type())) {
            for (int m = 1; m < count; m++) {
                if (matrices[m].type() != matrices[0].type()) {
                    splitByType(x);
                    return;
                }
            }
            int cols = matrices[0].cols();
            if (rounded.length < tokens * cols) {
                rounded = new float[tokens * cols];
            }
            for (int t = 0; t < tokens; t++) {
                ActivationRounding.roundLikeLlamaCpp(matrices[0].type(), x, t * cols, cols, rounded, t * cols);
            }
            x = rounded;
        }
        input = x;
        int totalRows = firstRow[count];
        long work = (long) totalRows * matrices[0].cols() * tokens;
        if (pool.parallelism() == 1 || work < PARALLEL_THRESHOLD) {
            for (int m = 0; m < count; m++) {
                multiplyRows(m, 0, matrices[m].rows());
            }
        } else {
            chunks.reset(totalRows, pool.parallelism(), MIN_CHUNK_ROWS);
            pool.invoke(this);
        }
        input = null;
    }

    /** Fused matrices of different types round the input differently: run them one by one. */
    private void splitByType(float[] x) {
        WeightMatrix[] ms = java.util.Arrays.copyOf(matrices, count);
        float[][] outs = java.util.Arrays.copyOf(outputs, count);
        for (int m = 0; m < ms.length; m++) {
            multiply(ms[m], x, outs[m]);
        }
    }

    @Override
    public void work(int thread) {
        for (int start = chunks.take(); start >= 0; start = chunks.take()) {
            int end = chunks.end(start);
            // A chunk may straddle two matrices: split it at their boundary.
            for (int m = 0; m < count; m++) {
                int lo = Math.max(start, firstRow[m]);
                int hi = Math.min(end, firstRow[m + 1]);
                if (lo < hi) {
                    multiplyRows(m, lo - firstRow[m], hi - firstRow[m]);
                }
            }
        }
    }

    private void multiplyRows(int m, int start, int end) {
        if (tokens == 1) {
            matrices[m].multiplyRows(input, outputs[m], start, end);
        } else {
            matrices[m].multiplyRows(input, tokens, outputs[m], start, end);
        }
    }
}
