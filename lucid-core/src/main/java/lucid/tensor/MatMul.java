package lucid.tensor;

import jdk.incubator.vector.FloatVector;

import static lucid.tensor.Vectors.F;

/**
 * Matrix × matrix for a batch of tokens (prompt processing): OUT[t][r] = W_r · X[t] for n tokens
 * at once. Each thread takes groups of four weight rows, dequantizes them once into a small
 * float buffer, and multiplies them with the tokens four at a time (a 4 × 4 tile of dot
 * products sharing every load), so the weights are read once per batch and the work is bound
 * by arithmetic, not memory.
 *
 * <p>Layouts are row-major: X is n × cols, OUT is n × rows. Results are bit-identical whatever
 * the thread count (each output is computed by one thread in a fixed order), but differ in the
 * last bits from {@link MatVec}, which sums in another order.
 */
public final class MatMul implements WorkerPool.Job {
    private static final int ROWS = 4;
    private static final int TOKENS = 4;
    /** Products with fewer multiply-adds than this run on the calling thread alone. */
    private static final long PARALLEL_THRESHOLD = 1 << 20;

    private final WorkerPool pool;
    private final WorkerPool.Chunks chunks = new WorkerPool.Chunks();
    /** Per thread: ROWS dequantized weight rows (ROWS × maxCols). */
    private final float[][] rowBuffers;

    private WeightMatrix matrix;
    private float[] x;
    private float[] out;
    private int n;

    public MatMul(WorkerPool pool, int maxCols) {
        this.pool = pool;
        this.rowBuffers = new float[pool.threads()][ROWS * maxCols];
    }

    /** out (n × W.rows) = X (n × W.cols) · Wᵀ. */
    public void multiply(WeightMatrix w, float[] x, int n, float[] out) {
        if (w.cols() * ROWS > rowBuffers[0].length) {
            throw new IllegalArgumentException("rows of " + w.cols() + " exceed the buffers sized for " + rowBuffers[0].length / ROWS);
        }
        this.matrix = w;
        this.x = x;
        this.out = out;
        this.n = n;
        int groups = (w.rows() + ROWS - 1) / ROWS;
        chunks.reset(groups, pool.threads(), 1);
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
        float[] buffer = rowBuffers[thread];
        int cols = matrix.cols();
        int rows = matrix.rows();
        for (int start = chunks.take(); start >= 0; start = chunks.take()) {
            for (int g = start, end = chunks.end(start); g < end; g++) {
                int r0 = g * ROWS;
                int count = Math.min(ROWS, rows - r0);
                for (int i = 0; i < count; i++) {
                    matrix.readRow(r0 + i, buffer, i * cols);
                }
                if (count == ROWS) {
                    int t = 0;
                    for (; t + TOKENS <= n; t += TOKENS) {
                        tile4x4(buffer, cols, t, r0, rows);
                    }
                    for (; t < n; t++) {
                        for (int i = 0; i < ROWS; i++) {
                            out[t * rows + r0 + i] = dot(buffer, i * cols, x, t * cols, cols);
                        }
                    }
                } else {
                    for (int t = 0; t < n; t++) {
                        for (int i = 0; i < count; i++) {
                            out[t * rows + r0 + i] = dot(buffer, i * cols, x, t * cols, cols);
                        }
                    }
                }
            }
        }
    }

    /** The 16 dot products of 4 weight rows (in buffer) and tokens t..t+3, sharing every load. */
    private void tile4x4(float[] w, int cols, int t, int r0, int rows) {
        int x0 = t * cols;
        int x1 = x0 + cols;
        int x2 = x1 + cols;
        int x3 = x2 + cols;
        FloatVector a00 = FloatVector.zero(F), a01 = a00, a02 = a00, a03 = a00;
        FloatVector a10 = a00, a11 = a00, a12 = a00, a13 = a00;
        FloatVector a20 = a00, a21 = a00, a22 = a00, a23 = a00;
        FloatVector a30 = a00, a31 = a00, a32 = a00, a33 = a00;
        int i = 0;
        if (Vectors.ENABLED) {
            for (int upper = F.loopBound(cols); i < upper; i += F.length()) {
                FloatVector w0 = FloatVector.fromArray(F, w, i);
                FloatVector w1 = FloatVector.fromArray(F, w, cols + i);
                FloatVector w2 = FloatVector.fromArray(F, w, 2 * cols + i);
                FloatVector w3 = FloatVector.fromArray(F, w, 3 * cols + i);
                FloatVector v0 = FloatVector.fromArray(F, x, x0 + i);
                FloatVector v1 = FloatVector.fromArray(F, x, x1 + i);
                FloatVector v2 = FloatVector.fromArray(F, x, x2 + i);
                FloatVector v3 = FloatVector.fromArray(F, x, x3 + i);
                a00 = w0.fma(v0, a00);
                a01 = w0.fma(v1, a01);
                a02 = w0.fma(v2, a02);
                a03 = w0.fma(v3, a03);
                a10 = w1.fma(v0, a10);
                a11 = w1.fma(v1, a11);
                a12 = w1.fma(v2, a12);
                a13 = w1.fma(v3, a13);
                a20 = w2.fma(v0, a20);
                a21 = w2.fma(v1, a21);
                a22 = w2.fma(v2, a22);
                a23 = w2.fma(v3, a23);
                a30 = w3.fma(v0, a30);
                a31 = w3.fma(v1, a31);
                a32 = w3.fma(v2, a32);
                a33 = w3.fma(v3, a33);
            }
        }
        int o0 = t * rows + r0;
        store(o0, a00, a10, a20, a30, w, cols, x, x0, i);
        store(o0 + rows, a01, a11, a21, a31, w, cols, x, x1, i);
        store(o0 + 2 * rows, a02, a12, a22, a32, w, cols, x, x2, i);
        store(o0 + 3 * rows, a03, a13, a23, a33, w, cols, x, x3, i);
    }

    /** Writes one token's four outputs: the vector sums plus the scalar tail from column {@code from}. */
    private void store(int o, FloatVector r0, FloatVector r1, FloatVector r2, FloatVector r3, float[] w, int cols, float[] x, int xo, int from) {
        out[o] = Vectors.sumLanes(r0) + tail(w, 0, x, xo, from, cols);
        out[o + 1] = Vectors.sumLanes(r1) + tail(w, cols, x, xo, from, cols);
        out[o + 2] = Vectors.sumLanes(r2) + tail(w, 2 * cols, x, xo, from, cols);
        out[o + 3] = Vectors.sumLanes(r3) + tail(w, 3 * cols, x, xo, from, cols);
    }

    private static float tail(float[] w, int wo, float[] x, int xo, int from, int cols) {
        float s = 0f;
        for (int i = from; i < cols; i++) {
            s += w[wo + i] * x[xo + i];
        }
        return s;
    }

    /** One dot product, summed the same way a tile sums it (so a token's result does not depend on its place in the batch). */
    private static float dot(float[] w, int wo, float[] x, int xo, int cols) {
        FloatVector acc = FloatVector.zero(F);
        int i = 0;
        if (Vectors.ENABLED) {
            for (int upper = F.loopBound(cols); i < upper; i += F.length()) {
                acc = FloatVector.fromArray(F, w, wo + i).fma(FloatVector.fromArray(F, x, xo + i), acc);
            }
        }
        return Vectors.sumLanes(acc) + tail(w, wo, x, xo, i, cols);
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
