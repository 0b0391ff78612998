package lucid.tensor;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import static lucid.tensor.KQuants.fma;
import static lucid.tensor.KQuants.scaleQ3;
import static lucid.tensor.KQuants.u8;
import static lucid.tensor.KQuants.word;
import static lucid.tensor.Q4_0Format.packed;
import static lucid.tensor.Vectors.F;
import static lucid.tensor.Vectors.LE_SHORT;

/**
 * Super-blocks of 256: {u8 hmask[32]; u8 qs[64]; u8 scales[12]; f16 d}, sixteen sub-blocks of 16
 * (element j is in sub-block j/16) with signed 6-bit scales packed as in {@link KQuants}.
 * Element 128h+32k+l (h &lt; 2, k &lt; 4, l &lt; 32) has bits 2k..2k+1 of qs[32h+l] as its low 2
 * bits and bit 4h+k of hmask[l] as its 3rd. Value = (d·scale)·(q − 4).
 */
public final class Q3_KFormat implements WeightFormat {
    public static final Q3_KFormat INSTANCE = new Q3_KFormat();

    private static final int QK = 256;
    private static final int BLOCK_BYTES = 110;
    private static final int QS = 32;
    private static final int SCALES = 96;
    private static final int D = 108;

    private Q3_KFormat() {}

    @Override
    public GgmlType type() {
        return GgmlType.Q3_K;
    }

    /** Quants l..l+F.length()−1 of sub-block s (0..15), as floats −4..3. */
    private static FloatVector quants(MemorySegment data, long block, int s, int l) {
        int h = s >> 3;              // which half of the super-block
        int k = (s >> 1) & 3;        // which run of 32 in it
        int at = 16 * (s & 1) + l;   // position in the run
        IntVector q = packed(data, block + QS + 32 * h + at);
        IntVector hm = packed(data, block + at);
        IntVector third = hm.lanewise(VectorOperators.LSHR, 4 * h + k).and(1).lanewise(VectorOperators.LSHL, 2);
        return (FloatVector) q.lanewise(VectorOperators.LSHR, 2 * k).and(3).or(third).sub(4)
                .convert(VectorOperators.I2F, 0);
    }

    /** Quant j (0..255) of the block at {@code block}, −4..3. */
    private static int quant(MemorySegment data, long block, int j) {
        int h = j >> 7;
        int k = (j >> 5) & 3;
        int l = j & 31;
        int low = (u8(data, block + QS + 32 * h + l) >> (2 * k)) & 3;
        return (low | ((u8(data, block + l) >> (4 * h + k)) & 1) << 2) - 4;
    }

    /** Σ w·x = d·Σ_s scale_s·Σ q·x, per super-block. */
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
            FloatVector sum = FloatVector.zero(F);
            for (int s = 0; s < 16; s++) {
                FloatVector qx = FloatVector.zero(F);
                for (int l = 0; l < 16; l += F.length()) {
                    qx = quants(data, block, s, l).fma(FloatVector.fromArray(F, x, xOffset + b * QK + 16 * s + l), qx);
                }
                sum = fma(qx, scaleQ3(w0, w1, w2, s), sum);
            }
            acc = fma(sum, Vectors.f16(data, block + D), acc);
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
            float sum = 0f;
            for (int s = 0; s < 16; s++) {
                float qx = 0f;
                for (int l = 0; l < 16; l++) {
                    qx += quant(data, block, 16 * s + l) * x[xOffset + b * QK + 16 * s + l];
                }
                sum += scaleQ3(w0, w1, w2, s) * qx;
            }
            total += Vectors.f16(data, block + D) * sum;
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
            int w0 = word(data, block + SCALES);
            int w1 = word(data, block + SCALES + 4);
            int w2 = word(data, block + SCALES + 8);
            for (int s = 0; s < 16; s++) {
                float ds = d * scaleQ3(w0, w1, w2, s);
                for (int l = 0; l < 16; l += F.length()) {
                    quants(data, block, s, l).mul(ds).intoArray(out, outOffset + b * QK + 16 * s + l);
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
            int w0 = word(data, block + SCALES);
            int w1 = word(data, block + SCALES + 4);
            int w2 = word(data, block + SCALES + 8);
            for (int s = 0; s < 16; s++) {
                float ds = d * scaleQ3(w0, w1, w2, s);
                for (int l = 0; l < 16; l++) {
                    out[outOffset + b * QK + 16 * s + l] = ds * quant(data, block, 16 * s + l);
                }
            }
        }
    }

    /**
     * ggml's quantize_row_q3_K_ref: make_q3_quants per sub-block of 16 (levels −4..3, then up to
     * 5 passes that move single levels to improve the x²-weighted fit); the scales are quantized
     * to 6 bits against the one of largest magnitude, which maps to −32 (d = −max/32); then every
     * level is recomputed from the stored scale, L = clamp(nearest(x/(d·scale)), −4, 3), except in
     * sub-blocks whose scale is 0.
     */
    @Override
    public void quantize(float[] src, int srcOffset, int n, MemorySegment data, long offset) {
        int blocks = GgmlRounding.blocks(n, QK);
        int[] levels = new int[QK];
        float[] scales = new float[16];
        for (int b = 0; b < blocks; b++) {
            long block = offset + (long) b * BLOCK_BYTES;
            int xb = srcOffset + b * QK;
            float maxScale = 0;
            float amax = 0;
            for (int s = 0; s < 16; s++) {
                scales[s] = KQuantSearch.makeQ3Quants(16, 4, src, xb + 16 * s, levels, 16 * s);
                if (Math.abs(scales[s]) > amax) {
                    amax = Math.abs(scales[s]);
                    maxScale = scales[s];
                }
            }
            int[] biased = new int[16];
            if (maxScale != 0) {
                float iscale = -32f / maxScale;
                for (int s = 0; s < 16; s++) {
                    int l = (byte) KQuantSearch.nearestInt(iscale * scales[s]);   // ggml keeps it in an int8_t
                    biased[s] = Math.max(-32, Math.min(31, l)) + 32;
                }
                data.set(LE_SHORT, block + D, GgmlRounding.toF16(1 / iscale));
            } else {
                data.set(LE_SHORT, block + D, GgmlRounding.toF16(0f));
            }
            KQuants.packQ3(biased, data, block + SCALES);
            float d = Vectors.f16(data, block + D);
            for (int s = 0; s < 16; s++) {
                float ds = d * (biased[s] - 32);
                if (ds == 0f) {
                    continue;
                }
                for (int l = 0; l < 16; l++) {
                    int q = KQuantSearch.nearestInt(src[xb + 16 * s + l] / ds);
                    levels[16 * s + l] = Math.max(-4, Math.min(3, q)) + 4;
                }
            }
            for (int l = 0; l < 32; l++) {
                int hmask = 0;
                for (int j = l; j < QK; j += 32) {
                    hmask |= (levels[j] >> 2) << (j >> 5);
                }
                data.set(ValueLayout.JAVA_BYTE, block + l, (byte) hmask);
            }
            for (int j = 0; j < 64; j++) {
                int at = 128 * (j >> 5) + (j & 31);
                int q = (levels[at] & 3) | (levels[at + 32] & 3) << 2 | (levels[at + 64] & 3) << 4
                        | (levels[at + 96] & 3) << 6;
                data.set(ValueLayout.JAVA_BYTE, block + QS + j, (byte) q);
            }
        }
    }
}
