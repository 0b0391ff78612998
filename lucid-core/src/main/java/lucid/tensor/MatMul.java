package lucid.tensor;

import jdk.incubator.vector.FloatVector;

import static lucid.tensor.Vectors.F;

/**
 * Matrix × matrix for a batch of tokens (prompt processing): OUT[t][r] = W_r · X[t] for n tokens
 * at once, bound by arithmetic rather than memory because each weight is read once per batch.
 *
 * <p>Each thread takes a panel of {@code 2·lanes} weight rows, dequantizes it once into a
 * transposed float buffer (column i of the panel is two vectors), and computes the panel's
 * outputs for six tokens at a time as outer products: for every column i, the two weight vectors
 * are multiplied by token t's x[i] (a broadcast) and added to that token's two accumulators. No
 * horizontal sums are needed, and every output is the same chain of fused multiply-adds in column
 * order, whatever the thread count, the JIT tier or the token's place in the batch.
 *
 * <p>Layouts are row-major: X is n × cols, OUT is n × rows.
 */
public final class MatMul implements WorkerPool.Job {
    /** Products with fewer multiply-adds than this run on the calling thread alone. */
    private static final long PARALLEL_THRESHOLD = 1 << 20;

    private final WorkerPool pool;
    private final WorkerPool.Chunks chunks = new WorkerPool.Chunks();
    private final int panelRows;
    /** Per thread: a transposed panel (maxCols × panelRows), one dequantized row, one output row. */
    private final float[][] panels;
    private final float[][] rowBuffers;
    private final float[][] outBuffers;

    private ActivationRounding rounding = ActivationRounding.EXACT;
    private float[] rounded = new float[0];
    private WeightMatrix matrix;
    private float[] x;
    private float[] out;
    private int n;

    public MatMul(WorkerPool pool, int maxCols) {
        this.pool = pool;
        this.panelRows = 2 * F.length();
        this.panels = new float[pool.threads()][maxCols * panelRows];
        this.rowBuffers = new float[pool.threads()][maxCols];
        this.outBuffers = new float[pool.threads()][panelRows];
    }

    /** How activations enter the products (see {@link ActivationRounding}); exact by default. */
    public void setRounding(ActivationRounding rounding) {
        this.rounding = rounding;
    }

    /** out (n × W.rows) = X (n × W.cols) · Wᵀ. */
    public void multiply(WeightMatrix w, float[] x, int n, float[] out) {
        if (rounding.rounds(w.type())) {
            if (rounded.length < n * w.cols()) {
                rounded = new float[n * w.cols()];
            }
            for (int t = 0; t < n; t++) {
                ActivationRounding.roundLikeLlamaCpp(w.type(), x, t * w.cols(), w.cols(), rounded, t * w.cols());
            }
            x = rounded;
        }
        if (w.cols() > rowBuffers[0].length) {
            throw new IllegalArgumentException("rows of " + w.cols() + " exceed the buffers sized for " + rowBuffers[0].length);
        }
        this.matrix = w;
        this.x = x;
        this.out = out;
        this.n = n;
        chunks.reset((w.rows() + panelRows - 1) / panelRows, pool.parallelism(), 1);
        if ((long) w.rows() * w.cols() * n < PARALLEL_THRESHOLD) {
            work(0); // too little work to be worth waking the other threads
        } else {
            pool.invoke(this);
        }
        this.x = null;
        this.out = null;
    }

    @Override
    public void work(int thread) {
        float[] panel = panels[thread];
        for (int start = chunks.take(); start >= 0; start = chunks.take()) {
            for (int p = start, end = chunks.end(start); p < end; p++) {
                int r0 = p * panelRows;
                int count = Math.min(panelRows, matrix.rows() - r0);
                fillPanel(panel, r0, count, rowBuffers[thread]);
                int t = 0;
                if (Vectors.ENABLED) {
                    for (; t + 6 <= n; t += 6) {
                        sixTokens(panel, t, r0, count, outBuffers[thread]);
                    }
                }
                for (; t < n; t++) {
                    oneToken(panel, t, r0, count, outBuffers[thread]);
                }
            }
        }
    }

    /** panel[i·R + j] = W[r0 + j][i]; rows past the matrix's end are zero. */
    private void fillPanel(float[] panel, int r0, int count, float[] row) {
        int cols = matrix.cols();
        int stride = panelRows;
        for (int j = 0; j < count; j++) {
            matrix.readRow(r0 + j, row, 0);
            for (int i = 0; i < cols; i++) {
                panel[i * stride + j] = row[i];
            }
        }
        for (int j = count; j < stride; j++) {
            for (int i = 0; i < cols; i++) {
                panel[i * stride + j] = 0f;
            }
        }
    }

    /** Outputs of the panel's rows for tokens t..t+5: twelve accumulators, two weight loads per column. */
    private void sixTokens(float[] panel, int t, int r0, int count, float[] tmp) {
        int cols = matrix.cols();
        int lanes = F.length();
        int x0 = t * cols;
        FloatVector a0 = FloatVector.zero(F), b0 = a0, a1 = a0, b1 = a0, a2 = a0, b2 = a0;
        FloatVector a3 = a0, b3 = a0, a4 = a0, b4 = a0, a5 = a0, b5 = a0;
        for (int i = 0; i < cols; i++) {
            FloatVector w0 = FloatVector.fromArray(F, panel, i * 2 * lanes);
            FloatVector w1 = FloatVector.fromArray(F, panel, i * 2 * lanes + lanes);
            FloatVector v = FloatVector.broadcast(F, x[x0 + i]);
            a0 = w0.fma(v, a0);
            b0 = w1.fma(v, b0);
            v = FloatVector.broadcast(F, x[x0 + cols + i]);
            a1 = w0.fma(v, a1);
            b1 = w1.fma(v, b1);
            v = FloatVector.broadcast(F, x[x0 + 2 * cols + i]);
            a2 = w0.fma(v, a2);
            b2 = w1.fma(v, b2);
            v = FloatVector.broadcast(F, x[x0 + 3 * cols + i]);
            a3 = w0.fma(v, a3);
            b3 = w1.fma(v, b3);
            v = FloatVector.broadcast(F, x[x0 + 4 * cols + i]);
            a4 = w0.fma(v, a4);
            b4 = w1.fma(v, b4);
            v = FloatVector.broadcast(F, x[x0 + 5 * cols + i]);
            a5 = w0.fma(v, a5);
            b5 = w1.fma(v, b5);
        }
        store(a0, b0, t, r0, count, tmp);
        store(a1, b1, t + 1, r0, count, tmp);
        store(a2, b2, t + 2, r0, count, tmp);
        store(a3, b3, t + 3, r0, count, tmp);
        store(a4, b4, t + 4, r0, count, tmp);
        store(a5, b5, t + 5, r0, count, tmp);
    }

    private void store(FloatVector a, FloatVector b, int t, int r0, int count, float[] tmp) {
        int o = t * matrix.rows() + r0;
        if (count == panelRows) {
            a.intoArray(out, o);
            b.intoArray(out, o + F.length());
        } else {
            a.intoArray(tmp, 0);
            b.intoArray(tmp, F.length());
            System.arraycopy(tmp, 0, out, o, count);
        }
    }

    /** One token's outputs for the panel: the same fma chain per output as {@link #sixTokens}, in scalar form. */
    private void oneToken(float[] panel, int t, int r0, int count, float[] acc) {
        int cols = matrix.cols();
        int stride = panelRows;
        java.util.Arrays.fill(acc, 0f);
        int x0 = t * cols;
        for (int i = 0; i < cols; i++) {
            float v = x[x0 + i];
            int base = i * stride;
            for (int j = 0; j < stride; j++) {
                acc[j] = Math.fma(panel[base + j], v, acc[j]);
            }
        }
        System.arraycopy(acc, 0, out, t * matrix.rows() + r0, count);
    }

    /** The scalar reference: out[t][r] = Σ W[r][i]·X[t][i] in double. */
    public static void multiplyReference(WeightMatrix w, float[] x, int n, double[] out) {
        float[] row = new float[w.cols()];
        for (int r = 0; r < w.rows(); r++) {
            w.readRow(r, row, 0);
            for (int t = 0; t < n; t++) {
                double s = 0;
                for (int i = 0; i < w.cols(); i++) {
                    s += (double) row[i] * x[t * w.cols() + i];
                }
                out[t * w.rows() + r] = s;
            }
        }
    }
}
