package lucid.tensor;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import static lucid.tensor.Vectors.B;
import static lucid.tensor.Vectors.F;
import static lucid.tensor.Vectors.LE_SHORT;
import static lucid.tensor.Vectors.ORDER;

/** Blocks of 32: {f16 d; int8 q[32]}, value = q·d. */
public final class Q8_0Format implements WeightFormat {
    public static final Q8_0Format INSTANCE = new Q8_0Format();

    private static final int QK = 32;
    private static final int BLOCK_BYTES = 34;
    private static final int QS = 2;

    private Q8_0Format() {}

    @Override
    public GgmlType type() {
        return GgmlType.Q8_0;
    }

    private static FloatVector quants(MemorySegment data, long at) {
        return (FloatVector) ByteVector.fromMemorySegment(B, data, at, ORDER).convertShape(VectorOperators.B2F, F, 0);
    }

    @Override
    public float dot(MemorySegment data, long offset, float[] x, int xOffset, int n) {
        if (!Vectors.ENABLED) {
            return dotScalar(data, offset, x, xOffset, n);
        }
        int blocks = GgmlRounding.blocks(n, QK);
        FloatVector acc = FloatVector.zero(F);
        for (int b = 0; b < blocks; b++) {
            long block = offset + (long) b * BLOCK_BYTES;
            int xb = xOffset + b * QK;
            // Σ q·x for this block, then one multiply by its scale.
            FloatVector sum = FloatVector.zero(F);
            for (int j = 0; j < QK; j += F.length()) {
                sum = quants(data, block + QS + j).fma(FloatVector.fromArray(F, x, xb + j), sum);
            }
            acc = sum.fma(FloatVector.broadcast(F, Vectors.f16(data, block)), acc);
        }
        return Vectors.sumLanes(acc);
    }

    /** The four-vector kernel behind {@link #dotMany} (found by {@link DotGroups#kernelOf}). */
    static final DotGroups.Kernel KERNEL = new FourVectors();

    /** {@link #dot} for four vectors at once: each block's quants are widened once, then FMA'd into each vector's sums. */
    private static final class FourVectors implements DotGroups.Kernel {
        @Override
        public int accumulators() {
            return 1;
        }

        @Override
        public boolean tiled() {
            return false; // measured in the server engine (1B, 4 sequences, 2 threads): 22 t/s tiled, 26–29 not
        }

        @Override
        public int end(int n) {
            return n;
        }

        @Override
        public float finish(MemorySegment data, long row, float[] x, int xOffset, int n, float[] acc, int at) {
            return Vectors.sumLanes(FloatVector.fromArray(F, acc, at));
        }

        @Override
        public void chunk(MemorySegment data, long row, float[] x, int x0, int x1, int x2, int x3, int from, int to,
                          float[] acc, int at, float[] table) {
            int lanes = F.length();
            FloatVector acc0 = FloatVector.fromArray(F, acc, at);
            FloatVector acc1 = FloatVector.fromArray(F, acc, at + lanes);
            FloatVector acc2 = FloatVector.fromArray(F, acc, at + 2 * lanes);
            FloatVector acc3 = FloatVector.fromArray(F, acc, at + 3 * lanes);
            for (int b = from / QK; b < to / QK; b++) {
                long block = row + (long) b * BLOCK_BYTES;
                int xb = b * QK;
                FloatVector sum0 = FloatVector.zero(F);
                FloatVector sum1 = sum0;
                FloatVector sum2 = sum0;
                FloatVector sum3 = sum0;
                for (int j = 0; j < QK; j += lanes) {
                    FloatVector q = quants(data, block + QS + j);
                    sum0 = q.fma(FloatVector.fromArray(F, x, x0 + xb + j), sum0);
                    sum1 = q.fma(FloatVector.fromArray(F, x, x1 + xb + j), sum1);
                    sum2 = q.fma(FloatVector.fromArray(F, x, x2 + xb + j), sum2);
                    sum3 = q.fma(FloatVector.fromArray(F, x, x3 + xb + j), sum3);
                }
                FloatVector d = FloatVector.broadcast(F, Vectors.f16(data, block));
                acc0 = sum0.fma(d, acc0);
                acc1 = sum1.fma(d, acc1);
                acc2 = sum2.fma(d, acc2);
                acc3 = sum3.fma(d, acc3);
            }
            acc0.intoArray(acc, at);
            acc1.intoArray(acc, at + lanes);
            acc2.intoArray(acc, at + 2 * lanes);
            acc3.intoArray(acc, at + 3 * lanes);
        }
    }

    @Override
    public float dotScalar(MemorySegment data, long offset, float[] x, int xOffset, int n) {
        int blocks = GgmlRounding.blocks(n, QK);
        float total = 0f;
        for (int b = 0; b < blocks; b++) {
            long block = offset + (long) b * BLOCK_BYTES;
            int xb = xOffset + b * QK;
            float sum = 0f;
            for (int j = 0; j < QK; j++) {
                sum += data.get(ValueLayout.JAVA_BYTE, block + QS + j) * x[xb + j];
            }
            total += Vectors.f16(data, block) * sum;
        }
        return total;
    }

    @Override
    public void dequantize(MemorySegment data, long offset, float[] out, int outOffset, int n) {
        if (!Vectors.ENABLED) {
            dequantizeScalar(data, offset, out, outOffset, n);
            return;
        }
        int blocks = GgmlRounding.blocks(n, QK);
        for (int b = 0; b < blocks; b++) {
            long block = offset + (long) b * BLOCK_BYTES;
            float d = Vectors.f16(data, block);
            for (int j = 0; j < QK; j += F.length()) {
                quants(data, block + QS + j).mul(d).intoArray(out, outOffset + b * QK + j);
            }
        }
    }

    @Override
    public void dequantizeScalar(MemorySegment data, long offset, float[] out, int outOffset, int n) {
        int blocks = GgmlRounding.blocks(n, QK);
        for (int b = 0; b < blocks; b++) {
            long block = offset + (long) b * BLOCK_BYTES;
            float d = Vectors.f16(data, block);
            for (int j = 0; j < QK; j++) {
                out[outOffset + b * QK + j] = data.get(ValueLayout.JAVA_BYTE, block + QS + j) * d;
            }
        }
    }

    /** ggml's quantize_row_q8_0_ref: d = max|x|/127, q = roundf(x/d). */
    @Override
    public void quantize(float[] src, int srcOffset, int n, MemorySegment data, long offset) {
        int blocks = GgmlRounding.blocks(n, QK);
        for (int b = 0; b < blocks; b++) {
            int xb = srcOffset + b * QK;
            long block = offset + (long) b * BLOCK_BYTES;
            float amax = 0f;
            for (int j = 0; j < QK; j++) {
                float a = Math.abs(src[xb + j]);
                amax = amax > a ? amax : a;
            }
            float d = amax / 127f;
            float id = d != 0f ? 1f / d : 0f;
            data.set(LE_SHORT, block, GgmlRounding.toF16(d));
            for (int j = 0; j < QK; j++) {
                data.set(ValueLayout.JAVA_BYTE, block + QS + j, (byte) GgmlRounding.roundHalfAway(src[xb + j] * id));
            }
        }
    }
}
