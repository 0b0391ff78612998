package lucid.tensor;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import static lucid.tensor.Vectors.B;
import static lucid.tensor.Vectors.F;
import static lucid.tensor.Vectors.I;
import static lucid.tensor.Vectors.LE_SHORT;
import static lucid.tensor.Vectors.ORDER;

/**
 * Blocks of 32: {f16 d; u8 qs[16]}. Element j (j &lt; 16) is the low nibble of qs[j], element
 * j+16 the high nibble; value = (nibble − 8)·d.
 */
public final class Q4_0Format implements WeightFormat {
    public static final Q4_0Format INSTANCE = new Q4_0Format();

    private static final int QK = 32;
    private static final int BLOCK_BYTES = 18;
    private static final int QS = 2;

    private Q4_0Format() {}

    @Override
    public GgmlType type() {
        return GgmlType.Q4_0;
    }

    /** F.length() bytes of nibbles, widened to ints (sign-extended; callers mask). */
    static IntVector packed(MemorySegment data, long at) {
        return (IntVector) ByteVector.fromMemorySegment(B, data, at, ORDER).convertShape(VectorOperators.B2I, I, 0);
    }

    static FloatVector low(IntVector packed, int bias) {
        return (FloatVector) packed.and(0xF).sub(bias).convert(VectorOperators.I2F, 0);
    }

    static FloatVector high(IntVector packed, int bias) {
        return (FloatVector) packed.lanewise(VectorOperators.LSHR, 4).and(0xF).sub(bias).convert(VectorOperators.I2F, 0);
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
            FloatVector sum = FloatVector.zero(F);
            for (int j = 0; j < QK / 2; j += F.length()) {
                IntVector q = packed(data, block + QS + j);
                sum = low(q, 8).fma(FloatVector.fromArray(F, x, xb + j), sum);
                sum = high(q, 8).fma(FloatVector.fromArray(F, x, xb + QK / 2 + j), sum);
            }
            acc = sum.fma(FloatVector.broadcast(F, Vectors.f16(data, block)), acc);
        }
        return Vectors.sumLanes(acc);
    }

    /** The four-vector kernel behind {@link #dotMany} (found by {@link DotGroups#kernelOf}). */
    static final DotGroups.Kernel KERNEL = new FourVectors();

    /** {@link #dot} for four vectors at once: each block's nibbles are unpacked once. */
    private static final class FourVectors implements DotGroups.Kernel {
        @Override
        public int accumulators() {
            return 1;
        }

        @Override
        public boolean tiled() {
            return false;
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
                for (int j = 0; j < QK / 2; j += lanes) {
                    IntVector q = packed(data, block + QS + j);
                    FloatVector lo = low(q, 8);
                    FloatVector hi = high(q, 8);
                    int l = xb + j;
                    int h = xb + QK / 2 + j;
                    sum0 = hi.fma(FloatVector.fromArray(F, x, x0 + h), lo.fma(FloatVector.fromArray(F, x, x0 + l), sum0));
                    sum1 = hi.fma(FloatVector.fromArray(F, x, x1 + h), lo.fma(FloatVector.fromArray(F, x, x1 + l), sum1));
                    sum2 = hi.fma(FloatVector.fromArray(F, x, x2 + h), lo.fma(FloatVector.fromArray(F, x, x2 + l), sum2));
                    sum3 = hi.fma(FloatVector.fromArray(F, x, x3 + h), lo.fma(FloatVector.fromArray(F, x, x3 + l), sum3));
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
            for (int j = 0; j < QK / 2; j++) {
                int q = data.get(ValueLayout.JAVA_BYTE, block + QS + j);
                sum += ((q & 0xF) - 8) * x[xb + j];
                sum += (((q >> 4) & 0xF) - 8) * x[xb + QK / 2 + j];
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
            int ob = outOffset + b * QK;
            float d = Vectors.f16(data, block);
            for (int j = 0; j < QK / 2; j += F.length()) {
                IntVector q = packed(data, block + QS + j);
                low(q, 8).mul(d).intoArray(out, ob + j);
                high(q, 8).mul(d).intoArray(out, ob + QK / 2 + j);
            }
        }
    }

    @Override
    public void dequantizeScalar(MemorySegment data, long offset, float[] out, int outOffset, int n) {
        int blocks = GgmlRounding.blocks(n, QK);
        for (int b = 0; b < blocks; b++) {
            long block = offset + (long) b * BLOCK_BYTES;
            int ob = outOffset + b * QK;
            float d = Vectors.f16(data, block);
            for (int j = 0; j < QK / 2; j++) {
                int q = data.get(ValueLayout.JAVA_BYTE, block + QS + j);
                out[ob + j] = ((q & 0xF) - 8) * d;
                out[ob + QK / 2 + j] = (((q >> 4) & 0xF) - 8) * d;
            }
        }
    }

    /**
     * ggml's quantize_row_q4_0_ref: d = m/−8 where m is the (signed) value of largest magnitude,
     * so m itself maps exactly to −8; q = min(15, trunc(x/d + 8.5)).
     */
    @Override
    public void quantize(float[] src, int srcOffset, int n, MemorySegment data, long offset) {
        int blocks = GgmlRounding.blocks(n, QK);
        for (int b = 0; b < blocks; b++) {
            int xb = srcOffset + b * QK;
            long block = offset + (long) b * BLOCK_BYTES;
            float amax = 0f;
            float max = 0f;
            for (int j = 0; j < QK; j++) {
                float v = src[xb + j];
                if (amax < Math.abs(v)) {
                    amax = Math.abs(v);
                    max = v;
                }
            }
            float d = max / -8f;
            float id = d != 0f ? 1f / d : 0f;
            data.set(LE_SHORT, block, GgmlRounding.toF16(d));
            for (int j = 0; j < QK / 2; j++) {
                int q0 = Math.min(15, (int) (src[xb + j] * id + 8.5f));
                int q1 = Math.min(15, (int) (src[xb + QK / 2 + j] * id + 8.5f));
                data.set(ValueLayout.JAVA_BYTE, block + QS + j, (byte) (q0 | q1 << 4));
            }
        }
    }
}
