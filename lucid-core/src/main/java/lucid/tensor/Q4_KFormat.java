package lucid.tensor;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import static lucid.tensor.KQuants.minK4;
import static lucid.tensor.KQuants.minsK4;
import static lucid.tensor.KQuants.scaleK4;
import static lucid.tensor.KQuants.scalesK4;
import static lucid.tensor.KQuants.u8;
import static lucid.tensor.KQuants.word;
import static lucid.tensor.Q4_0Format.packed;
import static lucid.tensor.Vectors.F;
import static lucid.tensor.Vectors.LE_SHORT;

/**
 * Super-blocks of 256: {f16 d; f16 dmin; u8 scales[12]; u8 qs[128]}, eight sub-blocks of 32.
 * Sub-block s has a 6-bit scale sc and a 6-bit min m packed in scales[] (see {@link KQuants});
 * its quants are the low nibbles (s even) or high nibbles (s odd) of qs[32·(s/2) .. +32).
 * Value = (d·sc)·q − dmin·m.
 */
public final class Q4_KFormat implements WeightFormat {
    public static final Q4_KFormat INSTANCE = new Q4_KFormat();

    private static final int QK = 256;
    private static final int BLOCK_BYTES = 144;
    private static final int DMIN = 2;
    private static final int SCALES = 4;
    private static final int QS = 16;

    private Q4_KFormat() {}

    @Override
    public GgmlType type() {
        return GgmlType.Q4_K;
    }

    /** Quants l..l+F.length()−1 of sub-block s (0..7), as floats 0..15. */
    private static FloatVector quants(MemorySegment data, long block, int s, int l) {
        IntVector q = packed(data, block + QS + 32 * (s >> 1) + l);
        return (FloatVector) q.lanewise(VectorOperators.LSHR, 4 * (s & 1)).and(0xF).convert(VectorOperators.I2F, 0);
    }

    /** The low nibbles of F.length() packed bytes (sub-block 2j of the pair sharing them), as floats. */
    private static FloatVector low(IntVector packed) {
        return (FloatVector) packed.and(0xF).convert(VectorOperators.I2F, 0);
    }

    /** The high nibbles (sub-block 2j+1), as floats. */
    private static FloatVector high(IntVector packed) {
        return (FloatVector) packed.lanewise(VectorOperators.LSHR, 4).and(0xF).convert(VectorOperators.I2F, 0);
    }

    /**
     * Σ w·x with each weight rebuilt as w = q·(d·sc) − dmin·m (one FMA per vector of quants; the
     * sub-block factors come from {@link KQuants#scaleTable}), accumulated in two vectors: low
     * nibbles (sub-blocks 2j) and high nibbles (2j+1). Sub-blocks 2j and 2j+1 share the bytes
     * qs[32j..32j+32): each is loaded once for both.
     */
    @Override
    public float dot(MemorySegment data, long offset, float[] x, int xOffset, int n) {
        if (!Vectors.ENABLED) {
            return dotScalar(data, offset, x, xOffset, n);
        }
        int blocks = GgmlRounding.blocks(n, QK);
        float[] table = KQuants.TABLE.get(); // per thread: a decode step allocates nothing
        FloatVector accLo = FloatVector.zero(F);
        FloatVector accHi = FloatVector.zero(F);
        for (int b = 0; b < blocks; b++) {
            long block = offset + (long) b * BLOCK_BYTES;
            scaleTable(data, block, table);
            for (int j = 0; j < 4; j++) {
                FloatVector scLo = FloatVector.broadcast(F, table[2 * j]);
                FloatVector scHi = FloatVector.broadcast(F, table[2 * j + 1]);
                FloatVector mLo = FloatVector.broadcast(F, table[8 + 2 * j]);
                FloatVector mHi = FloatVector.broadcast(F, table[9 + 2 * j]);
                for (int l = 0; l < 32; l += F.length()) {
                    IntVector q = packed(data, block + QS + 32 * j + l);
                    int at = xOffset + b * QK + 64 * j + l;
                    accLo = low(q).fma(scLo, mLo).fma(FloatVector.fromArray(F, x, at), accLo);
                    accHi = high(q).fma(scHi, mHi).fma(FloatVector.fromArray(F, x, at + 32), accHi);
                }
            }
        }
        return Vectors.sumLanes(accLo.add(accHi));
    }

    /** The block's d·sc[s] in table[s] and −dmin·m[s] in table[8 + s]. */
    private static void scaleTable(MemorySegment data, long block, float[] table) {
        int w0 = word(data, block + SCALES);
        int w1 = word(data, block + SCALES + 4);
        int w2 = word(data, block + SCALES + 8);
        KQuants.scaleTable(scalesK4(w0, w2), minsK4(w1, w2),
                Vectors.f16(data, block), -Vectors.f16(data, block + DMIN), table);
    }

    /** The four-vector kernel behind {@link #dotMany} (found by {@link DotGroups#kernelOf}). */
    static final DotGroups.Kernel KERNEL = new FourVectors();

    /** {@link #dot} for four vectors at once: each vector of weights is rebuilt once for all four. */
    private static final class FourVectors implements DotGroups.Kernel {
        /** As in dot: lo (low nibbles, sub-blocks 2j) then hi (2j+1) per vector. */
        @Override
        public int accumulators() {
            return 2;
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
            return Vectors.sumLanes(FloatVector.fromArray(F, acc, at).add(FloatVector.fromArray(F, acc, at + F.length())));
        }

        @Override
        public void chunk(MemorySegment data, long row, float[] x, int x0, int x1, int x2, int x3, int from, int to,
                          float[] acc, int at, float[] table) {
            int lanes = F.length();
            FloatVector lo0 = FloatVector.fromArray(F, acc, at);
            FloatVector hi0 = FloatVector.fromArray(F, acc, at + lanes);
            FloatVector lo1 = FloatVector.fromArray(F, acc, at + 2 * lanes);
            FloatVector hi1 = FloatVector.fromArray(F, acc, at + 3 * lanes);
            FloatVector lo2 = FloatVector.fromArray(F, acc, at + 4 * lanes);
            FloatVector hi2 = FloatVector.fromArray(F, acc, at + 5 * lanes);
            FloatVector lo3 = FloatVector.fromArray(F, acc, at + 6 * lanes);
            FloatVector hi3 = FloatVector.fromArray(F, acc, at + 7 * lanes);
            for (int b = from / QK; b < to / QK; b++) {
                long block = row + (long) b * BLOCK_BYTES;
                scaleTable(data, block, table);
                for (int j = 0; j < 4; j++) {
                    FloatVector scLo = FloatVector.broadcast(F, table[2 * j]);
                    FloatVector scHi = FloatVector.broadcast(F, table[2 * j + 1]);
                    FloatVector mLo = FloatVector.broadcast(F, table[8 + 2 * j]);
                    FloatVector mHi = FloatVector.broadcast(F, table[9 + 2 * j]);
                    for (int l = 0; l < 32; l += lanes) {
                        IntVector q = packed(data, block + QS + 32 * j + l);
                        FloatVector wLo = low(q).fma(scLo, mLo);
                        FloatVector wHi = high(q).fma(scHi, mHi);
                        int i = b * QK + 64 * j + l;
                        lo0 = wLo.fma(FloatVector.fromArray(F, x, x0 + i), lo0);
                        lo1 = wLo.fma(FloatVector.fromArray(F, x, x1 + i), lo1);
                        lo2 = wLo.fma(FloatVector.fromArray(F, x, x2 + i), lo2);
                        lo3 = wLo.fma(FloatVector.fromArray(F, x, x3 + i), lo3);
                        hi0 = wHi.fma(FloatVector.fromArray(F, x, x0 + i + 32), hi0);
                        hi1 = wHi.fma(FloatVector.fromArray(F, x, x1 + i + 32), hi1);
                        hi2 = wHi.fma(FloatVector.fromArray(F, x, x2 + i + 32), hi2);
                        hi3 = wHi.fma(FloatVector.fromArray(F, x, x3 + i + 32), hi3);
                    }
                }
            }
            lo0.intoArray(acc, at);
            hi0.intoArray(acc, at + lanes);
            lo1.intoArray(acc, at + 2 * lanes);
            hi1.intoArray(acc, at + 3 * lanes);
            lo2.intoArray(acc, at + 4 * lanes);
            hi2.intoArray(acc, at + 5 * lanes);
            lo3.intoArray(acc, at + 6 * lanes);
            hi3.intoArray(acc, at + 7 * lanes);
        }
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
                long qs = block + QS + 32 * (s >> 1);
                int shift = 4 * (s & 1);
                int xs = xOffset + b * QK + 32 * s;
                float qx = 0f;
                float sx = 0f;
                for (int l = 0; l < 32; l++) {
                    qx += ((u8(data, qs + l) >> shift) & 0xF) * x[xs + l];
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
                long qs = block + QS + 32 * (s >> 1);
                int shift = 4 * (s & 1);
                for (int l = 0; l < 32; l++) {
                    out[outOffset + b * QK + 32 * s + l] = ds * ((u8(data, qs + l) >> shift) & 0xF) - ms;
                }
            }
        }
    }

    /**
     * ggml's quantize_row_q4_K_ref: the scales, mins and levels of {@link #quantizeScalesAndMins},
     * then levels 64g+l and 64g+32+l go to the low and high nibble of qs[32g+l].
     */
    @Override
    public void quantize(float[] src, int srcOffset, int n, MemorySegment data, long offset) {
        int blocks = GgmlRounding.blocks(n, QK);
        int[] levels = new int[QK];
        for (int b = 0; b < blocks; b++) {
            long block = offset + (long) b * BLOCK_BYTES;
            quantizeScalesAndMins(src, srcOffset + b * QK, 15, -1f, 20, data, block, levels);
            for (int j = 0; j < QK / 2; j++) {
                int at = 64 * (j >> 5) + (j & 31);
                data.set(ValueLayout.JAVA_BYTE, block + QS + j, (byte) (levels[at] | levels[at + 32] << 4));
            }
        }
    }

    /**
     * The part of ggml's quantize_row_q4_K_ref and quantize_row_q5_K_ref they share (the header
     * d, dmin, scales[12] is laid out alike): make_qkx2_quants per sub-block of 32 (weights
     * √(Σx²/32) + |x|, nstep+1 trial ranges from rmin) gives a scale and a min; both are
     * quantized to 6 bits against the largest (d = max scale/63, dmin = max min/63); then every
     * level is recomputed from the stored values, L = clamp(nearest((x + dmin·m)/(d·sc)), 0, nmax),
     * except in sub-blocks whose stored scale is 0, which keep the search's levels.
     */
    static void quantizeScalesAndMins(float[] src, int xb, int nmax, float rmin, int nstep,
                                      MemorySegment data, long block, int[] levels) {
        float[] weights = new float[32];
        float[] scales = new float[8];
        float[] mins = new float[8];
        int[] laux = new int[32];
        float maxScale = 0;
        float maxMin = 0;
        for (int j = 0; j < 8; j++) {
            float sumX2 = 0;
            for (int l = 0; l < 32; l++) {
                sumX2 += src[xb + 32 * j + l] * src[xb + 32 * j + l];
            }
            float avX = (float) Math.sqrt(sumX2 / 32);
            for (int l = 0; l < 32; l++) {
                weights[l] = avX + Math.abs(src[xb + 32 * j + l]);
            }
            scales[j] = KQuantSearch.makeQkx2Quants(32, nmax, src, xb + 32 * j, weights, levels, 32 * j,
                    mins, j, laux, rmin, 0.1f, nstep, false);
            if (scales[j] > maxScale) maxScale = scales[j];
            if (mins[j] > maxMin) maxMin = mins[j];
        }
        float invScale = maxScale > 0 ? 63f / maxScale : 0f;
        float invMin = maxMin > 0 ? 63f / maxMin : 0f;
        int[] sc = new int[8];
        int[] m = new int[8];
        for (int j = 0; j < 8; j++) {
            // ggml stores nearest_int(...) in a uint8_t before clamping to 63.
            sc[j] = Math.min(63, KQuantSearch.nearestInt(invScale * scales[j]) & 0xFF);
            m[j] = Math.min(63, KQuantSearch.nearestInt(invMin * mins[j]) & 0xFF);
        }
        KQuants.packK4(sc, m, data, block + SCALES);
        data.set(LE_SHORT, block, GgmlRounding.toF16(maxScale / 63f));
        data.set(LE_SHORT, block + DMIN, GgmlRounding.toF16(maxMin / 63f));
        float d = Vectors.f16(data, block);
        float dmin = Vectors.f16(data, block + DMIN);
        for (int j = 0; j < 8; j++) {
            float ds = d * sc[j];
            if (ds == 0f) {
                continue;
            }
            float dm = dmin * m[j];
            for (int l = 0; l < 32; l++) {
                int q = KQuantSearch.nearestInt((src[xb + 32 * j + l] + dm) / ds);
                levels[32 * j + l] = Math.max(0, Math.min(nmax, q));
            }
        }
    }
}
