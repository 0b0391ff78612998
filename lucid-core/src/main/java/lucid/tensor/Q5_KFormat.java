package lucid.tensor;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import static lucid.tensor.KQuants.fma;
import static lucid.tensor.KQuants.minK4;
import static lucid.tensor.KQuants.scaleK4;
import static lucid.tensor.KQuants.u8;
import static lucid.tensor.KQuants.word;
import static lucid.tensor.Q4_0Format.packed;
import static lucid.tensor.Vectors.F;

/**
 * Super-blocks of 256: {f16 d; f16 dmin; u8 scales[12]; u8 qh[32]; u8 qs[128]}, eight sub-blocks
 * of 32 with 6-bit scales and mins packed as in {@link Q4_KFormat}. Element 64g+32h+l (g &lt; 4,
 * h &lt; 2, l &lt; 32) has the low (h = 0) or high (h = 1) nibble of qs[32g+l] as its low 4 bits
 * and bit 2g+h of qh[l] as its 5th; it is in sub-block 2g+h. Value = (d·sc)·q − dmin·m.
 */
public final class Q5_KFormat implements WeightFormat {
    public static final Q5_KFormat INSTANCE = new Q5_KFormat();

    private static final int QK = 256;
    private static final int BLOCK_BYTES = 176;
    private static final int DMIN = 2;
    private static final int SCALES = 4;
    private static final int QH = 16;
    private static final int QS = 48;

    private Q5_KFormat() {}

    @Override
    public GgmlType type() {
        return GgmlType.Q5_K;
    }

    /** Quants l..l+F.length()−1 of sub-block s (0..7), as floats 0..31. */
    private static FloatVector quants(MemorySegment data, long block, int s, int l) {
        IntVector q = packed(data, block + QS + 32 * (s >> 1) + l);
        IntVector hb = packed(data, block + QH + l);
        IntVector fifth = hb.lanewise(VectorOperators.LSHR, s).and(1).lanewise(VectorOperators.LSHL, 4);
        return (FloatVector) q.lanewise(VectorOperators.LSHR, 4 * (s & 1)).and(0xF).or(fifth)
                .convert(VectorOperators.I2F, 0);
    }

    /** Quant j (0..255) of the block at {@code block}. */
    private static int quant(MemorySegment data, long block, int j) {
        int g = j >> 6;
        int h = (j >> 5) & 1;
        int l = j & 31;
        int nibble = (u8(data, block + QS + 32 * g + l) >> (4 * h)) & 0xF;
        return nibble | ((u8(data, block + QH + l) >> (2 * g + h)) & 1) << 4;
    }

    /** Σ w·x = d·Σ_s sc_s·Σ q·x − dmin·Σ_s m_s·Σ x, per super-block. */
    @Override
    public float dot(MemorySegment data, long offset, float[] x, int xOffset, int n) {
        if (!Vectors.ENABLED) {
            return dotScalar(data, offset, x, xOffset, n);
        }
        int blocks = GgmlRounding.blocks(n, QK);
        FloatVector acc = FloatVector.zero(F);
        for (int b = 0; b < blocks; b++) {
            long block = offset + (long) b * BLOCK_BYTES;
            int w0 = word(data, block + SCALES);
            int w1 = word(data, block + SCALES + 4);
            int w2 = word(data, block + SCALES + 8);
            FloatVector sumQ = FloatVector.zero(F);
            FloatVector sumM = FloatVector.zero(F);
            for (int s = 0; s < 8; s++) {
                FloatVector qx = FloatVector.zero(F);
                FloatVector sx = FloatVector.zero(F);
                for (int l = 0; l < 32; l += F.length()) {
                    FloatVector xv = FloatVector.fromArray(F, x, xOffset + b * QK + 32 * s + l);
                    qx = quants(data, block, s, l).fma(xv, qx);
                    sx = sx.add(xv);
                }
                sumQ = fma(qx, scaleK4(w0, w2, s), sumQ);
                sumM = fma(sx, minK4(w1, w2, s), sumM);
            }
            acc = fma(sumQ, Vectors.f16(data, block), acc);
            acc = fma(sumM, -Vectors.f16(data, block + DMIN), acc);
        }
        return Vectors.sumLanes(acc);
    }

    @Override
    public float dotScalar(MemorySegment data, long offset, float[] x, int xOffset, int n) {
        int blocks = GgmlRounding.blocks(n, QK);
        float total = 0f;
        for (int b = 0; b < blocks; b++) {
            long block = offset + (long) b * BLOCK_BYTES;
            int w0 = word(data, block + SCALES);
            int w1 = word(data, block + SCALES + 4);
            int w2 = word(data, block + SCALES + 8);
            float sumQ = 0f;
            float sumM = 0f;
            for (int s = 0; s < 8; s++) {
                int xs = xOffset + b * QK + 32 * s;
                float qx = 0f;
                float sx = 0f;
                for (int l = 0; l < 32; l++) {
                    qx += quant(data, block, 32 * s + l) * x[xs + l];
                    sx += x[xs + l];
                }
                sumQ += scaleK4(w0, w2, s) * qx;
                sumM += minK4(w1, w2, s) * sx;
            }
            total += Vectors.f16(data, block) * sumQ - Vectors.f16(data, block + DMIN) * sumM;
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
            float dmin = Vectors.f16(data, block + DMIN);
            int w0 = word(data, block + SCALES);
            int w1 = word(data, block + SCALES + 4);
            int w2 = word(data, block + SCALES + 8);
            for (int s = 0; s < 8; s++) {
                float ds = d * scaleK4(w0, w2, s);
                float ms = dmin * minK4(w1, w2, s);
                for (int l = 0; l < 32; l += F.length()) {
                    // mul then sub (not fma), to round exactly as the scalar d·q − m.
                    quants(data, block, s, l).mul(ds).sub(ms).intoArray(out, outOffset + b * QK + 32 * s + l);
                }
            }
        }
    }

    @Override
    public void dequantizeScalar(MemorySegment data, long offset, float[] out, int outOffset, int n) {
        int blocks = GgmlRounding.blocks(n, QK);
        for (int b = 0; b < blocks; b++) {
            long block = offset + (long) b * BLOCK_BYTES;
            float d = Vectors.f16(data, block);
            float dmin = Vectors.f16(data, block + DMIN);
            int w0 = word(data, block + SCALES);
            int w1 = word(data, block + SCALES + 4);
            int w2 = word(data, block + SCALES + 8);
            for (int s = 0; s < 8; s++) {
                float ds = d * scaleK4(w0, w2, s);
                float ms = dmin * minK4(w1, w2, s);
                for (int l = 0; l < 32; l++) {
                    out[outOffset + b * QK + 32 * s + l] = ds * quant(data, block, 32 * s + l) - ms;
                }
            }
        }
    }

    /**
     * ggml's quantize_row_q5_K_ref: {@link Q4_KFormat#quantizeScalesAndMins} with 31 levels and
     * 16 trial ranges from −0.5, then the levels are split into nibbles and 5th bits as laid out above.
     */
    @Override
    public void quantize(float[] src, int srcOffset, int n, MemorySegment data, long offset) {
        int blocks = GgmlRounding.blocks(n, QK);
        int[] levels = new int[QK];
        for (int b = 0; b < blocks; b++) {
            long block = offset + (long) b * BLOCK_BYTES;
            Q4_KFormat.quantizeScalesAndMins(src, srcOffset + b * QK, 31, -0.5f, 15, data, block, levels);
            for (int l = 0; l < 32; l++) {
                int qh = 0;
                for (int g = 0; g < 4; g++) {
                    int lo = levels[64 * g + l];
                    int hi = levels[64 * g + 32 + l];
                    qh |= (lo >> 4) << (2 * g) | (hi >> 4) << (2 * g + 1);
                    data.set(ValueLayout.JAVA_BYTE, block + QS + 32 * g + l, (byte) ((lo & 0xF) | (hi & 0xF) << 4));
                }
                data.set(ValueLayout.JAVA_BYTE, block + QH + l, (byte) qh);
            }
        }
    }
}
