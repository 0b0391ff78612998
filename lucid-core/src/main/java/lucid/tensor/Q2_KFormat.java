package lucid.tensor;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import static lucid.tensor.KQuants.fma;
import static lucid.tensor.KQuants.u8;
import static lucid.tensor.Q4_0Format.packed;
import static lucid.tensor.Vectors.F;
import static lucid.tensor.Vectors.LE_SHORT;

/**
 * Super-blocks of 256: {u8 scales[16]; u8 qs[64]; f16 d; f16 dmin}, sixteen sub-blocks of 16
 * (element j is in sub-block j/16, whose scales byte holds a 4-bit scale sc in its low nibble and
 * a 4-bit min m in its high nibble). Element 128h+32k+l (h &lt; 2, k &lt; 4, l &lt; 32) is bits
 * 2k..2k+1 of qs[32h+l]. Value = (d·sc)·q − dmin·m.
 */
public final class Q2_KFormat implements WeightFormat {
    public static final Q2_KFormat INSTANCE = new Q2_KFormat();

    private static final int QK = 256;
    private static final int BLOCK_BYTES = 84;
    private static final int QS = 16;
    private static final int D = 80;
    private static final int DMIN = 82;

    private Q2_KFormat() {}

    @Override
    public GgmlType type() {
        return GgmlType.Q2_K;
    }

    /** Quants l..l+F.length()−1 of sub-block s (0..15), as floats 0..3. */
    private static FloatVector quants(MemorySegment data, long block, int s, int l) {
        int h = s >> 3;              // which half of the super-block
        int k = (s >> 1) & 3;        // which run of 32 in it: bits 2k..2k+1 of each byte
        IntVector q = packed(data, block + QS + 32 * h + 16 * (s & 1) + l);
        return (FloatVector) q.lanewise(VectorOperators.LSHR, 2 * k).and(3).convert(VectorOperators.I2F, 0);
    }

    /** Quant j (0..255) of the block at {@code block}, 0..3. */
    private static int quant(MemorySegment data, long block, int j) {
        return (u8(data, block + QS + 32 * (j >> 7) + (j & 31)) >> (2 * ((j >> 5) & 3))) & 3;
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
            FloatVector sumQ = FloatVector.zero(F);
            FloatVector sumM = FloatVector.zero(F);
            for (int s = 0; s < 16; s++) {
                FloatVector qx = FloatVector.zero(F);
                FloatVector sx = FloatVector.zero(F);
                for (int l = 0; l < 16; l += F.length()) {
                    FloatVector xv = FloatVector.fromArray(F, x, xOffset + b * QK + 16 * s + l);
                    qx = quants(data, block, s, l).fma(xv, qx);
                    sx = sx.add(xv);
                }
                int sc = u8(data, block + s);
                sumQ = fma(qx, sc & 0xF, sumQ);
                sumM = fma(sx, sc >> 4, sumM);
            }
            acc = fma(sumQ, Vectors.f16(data, block + D), acc);
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
            float sumQ = 0f;
            float sumM = 0f;
            for (int s = 0; s < 16; s++) {
                int xs = xOffset + b * QK + 16 * s;
                float qx = 0f;
                float sx = 0f;
                for (int l = 0; l < 16; l++) {
                    qx += quant(data, block, 16 * s + l) * x[xs + l];
                    sx += x[xs + l];
                }
                sumQ += (u8(data, block + s) & 0xF) * qx;
                sumM += (u8(data, block + s) >> 4) * sx;
            }
            total += Vectors.f16(data, block + D) * sumQ - Vectors.f16(data, block + DMIN) * sumM;
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
            float d = Vectors.f16(data, block + D);
            float dmin = Vectors.f16(data, block + DMIN);
            for (int s = 0; s < 16; s++) {
                int sc = u8(data, block + s);
                float ds = d * (sc & 0xF);
                float ms = dmin * (sc >> 4);
                for (int l = 0; l < 16; l += F.length()) {
                    // mul then sub (not fma), to round exactly as the scalar d·q − m.
                    quants(data, block, s, l).mul(ds).sub(ms).intoArray(out, outOffset + b * QK + 16 * s + l);
                }
            }
        }
    }

    @Override
    public void dequantizeScalar(MemorySegment data, long offset, float[] out, int outOffset, int n) {
        int blocks = GgmlRounding.blocks(n, QK);
        for (int b = 0; b < blocks; b++) {
            long block = offset + (long) b * BLOCK_BYTES;
            float d = Vectors.f16(data, block + D);
            float dmin = Vectors.f16(data, block + DMIN);
            for (int s = 0; s < 16; s++) {
                float ds = d * (u8(data, block + s) & 0xF);
                float ms = dmin * (u8(data, block + s) >> 4);
                for (int l = 0; l < 16; l++) {
                    out[outOffset + b * QK + 16 * s + l] = ds * quant(data, block, 16 * s + l) - ms;
                }
            }
        }
    }

    /**
     * ggml's quantize_row_q2_K_ref: make_qkx2_quants per sub-block of 16 (4 levels, weights |x|,
     * 16 trial ranges from −0.5, absolute-error criterion) gives a scale and a min; both are
     * quantized to 4 bits against the largest (d = max scale/15, dmin = max min/15), and the
     * levels are recomputed from the stored values except in sub-blocks whose scale is 0.
     */
    @Override
    public void quantize(float[] src, int srcOffset, int n, MemorySegment data, long offset) {
        int blocks = GgmlRounding.blocks(n, QK);
        int[] levels = new int[QK];
        int[] laux = new int[16];
        float[] weights = new float[16];
        float[] scales = new float[16];
        float[] mins = new float[16];
        for (int b = 0; b < blocks; b++) {
            long block = offset + (long) b * BLOCK_BYTES;
            int xb = srcOffset + b * QK;
            float maxScale = 0;
            float maxMin = 0;
            for (int s = 0; s < 16; s++) {
                for (int l = 0; l < 16; l++) {
                    weights[l] = Math.abs(src[xb + 16 * s + l]);
                }
                scales[s] = KQuantSearch.makeQkx2Quants(16, 3, src, xb + 16 * s, weights, levels, 16 * s,
                        mins, s, laux, -0.5f, 0.1f, 15, true);
                if (scales[s] > maxScale) maxScale = scales[s];
                if (mins[s] > maxMin) maxMin = mins[s];
            }
            int[] packed = new int[16];
            if (maxScale > 0) {
                float iscale = 15f / maxScale;
                for (int s = 0; s < 16; s++) {
                    packed[s] = KQuantSearch.nearestInt(iscale * scales[s]) & 0xFF;
                }
            }
            if (maxMin > 0) {
                float iscale = 15f / maxMin;
                for (int s = 0; s < 16; s++) {
                    packed[s] = (packed[s] | KQuantSearch.nearestInt(iscale * mins[s]) << 4) & 0xFF;
                }
            }
            for (int s = 0; s < 16; s++) {
                data.set(ValueLayout.JAVA_BYTE, block + s, (byte) packed[s]);
            }
            data.set(LE_SHORT, block + D, GgmlRounding.toF16(maxScale > 0 ? maxScale / 15f : 0f));
            data.set(LE_SHORT, block + DMIN, GgmlRounding.toF16(maxMin > 0 ? maxMin / 15f : 0f));
            float d = Vectors.f16(data, block + D);
            float dmin = Vectors.f16(data, block + DMIN);
            for (int s = 0; s < 16; s++) {
                float ds = d * (packed[s] & 0xF);
                if (ds == 0f) {
                    continue;
                }
                float dm = dmin * (packed[s] >> 4);
                for (int l = 0; l < 16; l++) {
                    int q = KQuantSearch.nearestInt((src[xb + 16 * s + l] + dm) / ds);
                    levels[16 * s + l] = Math.max(0, Math.min(3, q));
                }
            }
            for (int j = 0; j < 64; j++) {
                int at = 128 * (j >> 5) + (j & 31);
                int q = levels[at] | levels[at + 32] << 2 | levels[at + 64] << 4 | levels[at + 96] << 6;
                data.set(ValueLayout.JAVA_BYTE, block + QS + j, (byte) q);
            }
        }
    }
}
