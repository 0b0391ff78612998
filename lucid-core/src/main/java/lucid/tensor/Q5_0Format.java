package lucid.tensor;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import static lucid.tensor.Q4_0Format.packed;
import static lucid.tensor.Vectors.F;
import static lucid.tensor.Vectors.I;
import static lucid.tensor.Vectors.LE_INT;
import static lucid.tensor.Vectors.LE_SHORT;

/**
 * Blocks of 32: {f16 d; u32 qh (little-endian); u8 qs[16]}. Element j (j &lt; 16) is the low
 * nibble of qs[j] plus bit j of qh as its 5th bit; element j+16 is the high nibble plus bit j+16.
 * Value = (q − 16)·d.
 */
public final class Q5_0Format implements WeightFormat {
    public static final Q5_0Format INSTANCE = new Q5_0Format();

    private static final int QK = 32;
    private static final int BLOCK_BYTES = 22;
    private static final int QH = 2;
    private static final int QS = 6;

    private Q5_0Format() {}

    @Override
    public GgmlType type() {
        return GgmlType.Q5_0;
    }

    /**
     * The 5-bit quants first..first+F.length() of a block as floats, minus bias: bits
     * first.. of qh become a lane mask that adds the 5th bit (0x10) to the nibbles.
     */
    static FloatVector quants(IntVector nibbles, int qh, int first, int bias) {
        VectorMask<Integer> set = VectorMask.fromLong(I, (qh >>> first) & 0xFFFFL);
        return (FloatVector) nibbles.lanewise(VectorOperators.OR, 0x10, set).sub(bias).convert(VectorOperators.I2F, 0);
    }

    static IntVector lowNibbles(IntVector packed) {
        return packed.and(0xF);
    }

    static IntVector highNibbles(IntVector packed) {
        return packed.lanewise(VectorOperators.LSHR, 4).and(0xF);
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
            int qh = data.get(LE_INT, block + QH);
            FloatVector sum = FloatVector.zero(F);
            for (int j = 0; j < QK / 2; j += F.length()) {
                IntVector q = packed(data, block + QS + j);
                sum = quants(lowNibbles(q), qh, j, 16).fma(FloatVector.fromArray(F, x, xb + j), sum);
                sum = quants(highNibbles(q), qh, QK / 2 + j, 16).fma(FloatVector.fromArray(F, x, xb + QK / 2 + j), sum);
            }
            acc = sum.fma(FloatVector.broadcast(F, Vectors.f16(data, block)), acc);
        }
        return Vectors.sumLanes(acc);
    }

    /** Quant j of a block (0..31) as an int, 0..31 before the bias. */
    static int quant(MemorySegment data, long qsAt, int qh, int j) {
        int packed = data.get(ValueLayout.JAVA_BYTE, qsAt + (j & 15));
        int nibble = j < 16 ? packed & 0xF : (packed >> 4) & 0xF;
        return nibble | ((qh >>> j) & 1) << 4;
    }

    @Override
    public float dotScalar(MemorySegment data, long offset, float[] x, int xOffset, int n) {
        int blocks = GgmlRounding.blocks(n, QK);
        float total = 0f;
        for (int b = 0; b < blocks; b++) {
            long block = offset + (long) b * BLOCK_BYTES;
            int xb = xOffset + b * QK;
            int qh = data.get(LE_INT, block + QH);
            float sum = 0f;
            for (int j = 0; j < QK; j++) {
                sum += (quant(data, block + QS, qh, j) - 16) * x[xb + j];
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
            int qh = data.get(LE_INT, block + QH);
            for (int j = 0; j < QK / 2; j += F.length()) {
                IntVector q = packed(data, block + QS + j);
                quants(lowNibbles(q), qh, j, 16).mul(d).intoArray(out, ob + j);
                quants(highNibbles(q), qh, QK / 2 + j, 16).mul(d).intoArray(out, ob + QK / 2 + j);
            }
        }
    }

    @Override
    public void dequantizeScalar(MemorySegment data, long offset, float[] out, int outOffset, int n) {
        int blocks = GgmlRounding.blocks(n, QK);
        for (int b = 0; b < blocks; b++) {
            long block = offset + (long) b * BLOCK_BYTES;
            float d = Vectors.f16(data, block);
            int qh = data.get(LE_INT, block + QH);
            for (int j = 0; j < QK; j++) {
                out[outOffset + b * QK + j] = (quant(data, block + QS, qh, j) - 16) * d;
            }
        }
    }

    /**
     * ggml's quantize_row_q5_0_ref: d = m/−16 where m is the (signed) value of largest magnitude;
     * q = min(31, trunc(x/d + 16.5)); the 5th bits go to qh.
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
            float d = max / -16f;
            float id = d != 0f ? 1f / d : 0f;
            int[] q = new int[QK];
            for (int j = 0; j < QK; j++) {
                q[j] = Math.min(31, (int) (src[xb + j] * id + 16.5f));
            }
            data.set(LE_SHORT, block, GgmlRounding.toF16(d));
            storeQuants(q, data, block + QH, block + QS);
        }
    }

    /** Packs 32 five-bit quants: low 4 bits as nibbles in qs, 5th bits as the bits of qh. */
    static void storeQuants(int[] q, MemorySegment data, long qhAt, long qsAt) {
        int qh = 0;
        for (int j = 0; j < QK; j++) {
            qh |= ((q[j] >> 4) & 1) << j;
        }
        data.set(LE_INT, qhAt, qh);
        for (int j = 0; j < QK / 2; j++) {
            data.set(ValueLayout.JAVA_BYTE, qsAt + j, (byte) ((q[j] & 0xF) | (q[j + QK / 2] & 0xF) << 4));
        }
    }
}
