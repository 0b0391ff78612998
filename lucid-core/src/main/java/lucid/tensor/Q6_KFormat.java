package lucid.tensor;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import static lucid.tensor.KQuants.u8;
import static lucid.tensor.Q4_0Format.packed;
import static lucid.tensor.Vectors.B;
import static lucid.tensor.Vectors.F;
import static lucid.tensor.Vectors.LE_SHORT;
import static lucid.tensor.Vectors.ORDER;

/**
 * Super-blocks of 256: {u8 ql[128]; u8 qh[64]; int8 scales[16]; f16 d}, sixteen sub-blocks of 16
 * (element j is in sub-block j/16). Element 128h+32k+l (h &lt; 2, k &lt; 4, l &lt; 32) has as its
 * low 4 bits the low (k &lt; 2) or high (k ≥ 2) nibble of ql[64h + 32·(k&amp;1) + l], and as its
 * top 2 bits bits 2k..2k+1 of qh[32h+l]. Value = (d·scale)·(q − 32).
 */
public final class Q6_KFormat implements WeightFormat {
    public static final Q6_KFormat INSTANCE = new Q6_KFormat();

    private static final int QK = 256;
    private static final int BLOCK_BYTES = 210;
    private static final int QH = 128;
    private static final int SCALES = 192;
    private static final int D = 208;

    private Q6_KFormat() {}

    @Override
    public GgmlType type() {
        return GgmlType.Q6_K;
    }

    /** Quants l..l+F.length()−1 of sub-block s (0..15), as floats −32..31. */
    private static FloatVector quants(MemorySegment data, long block, int s, int l) {
        int h = s >> 3;              // which half of the super-block
        int k = (s >> 1) & 3;        // which run of 32 in it
        int at = 16 * (s & 1) + l;   // position in the run
        IntVector ql = packed(data, block + 64 * h + 32 * (k & 1) + at);
        IntVector qh = packed(data, block + QH + 32 * h + at);
        IntVector top = qh.lanewise(VectorOperators.LSHR, 2 * k).and(3).lanewise(VectorOperators.LSHL, 4);
        return (FloatVector) ql.lanewise(VectorOperators.LSHR, 4 * (k >> 1)).and(0xF).or(top).sub(32)
                .convert(VectorOperators.I2F, 0);
    }

    /** Quant j (0..255) of the block at {@code block}, −32..31. */
    private static int quant(MemorySegment data, long block, int j) {
        int h = j >> 7;
        int k = (j >> 5) & 3;
        int l = j & 31;
        int nibble = (u8(data, block + 64 * h + 32 * (k & 1) + l) >> (4 * (k >> 1))) & 0xF;
        return (nibble | ((u8(data, block + QH + 32 * h + l) >> (2 * k)) & 3) << 4) - 32;
    }

    private static int scale(MemorySegment data, long block, int s) {
        return data.get(ValueLayout.JAVA_BYTE, block + SCALES + s);
    }

    /**
     * Σ w·x with each weight rebuilt as w = (q − 32)·(d·scale), the factors d·scale read from a
     * per-super-block table. The 6-bit quants are assembled on the bytes (narrow vectors, cheap)
     * and widened once. Doing all four runs of a half from one set of loads made the body too big
     * for C2 (it stopped inlining the vector helpers and boxed vectors, 2x slower).
     */
    @Override
    public float dot(MemorySegment data, long offset, float[] x, int xOffset, int n) {
        if (!Vectors.ENABLED) {
            return dotScalar(data, offset, x, xOffset, n);
        }
        int blocks = GgmlRounding.blocks(n, QK);
        float[] table = KQuants.TABLE.get(); // per thread: a decode step allocates nothing
        FloatVector acc = FloatVector.zero(F);
        for (int b = 0; b < blocks; b++) {
            long block = offset + (long) b * BLOCK_BYTES;
            scaleTable(data, block, table);
            for (int r = 0; r < 8; r++) {
                for (int l = 0; l < 32; l += F.length()) {
                    FloatVector w = weights(data, block, r, l, table);
                    acc = w.fma(FloatVector.fromArray(F, x, xOffset + b * QK + 32 * r + l), acc);
                }
            }
        }
        return Vectors.sumLanes(acc);
    }

    private static ByteVector bytes(MemorySegment data, long at) {
        return ByteVector.fromMemorySegment(B, data, at, ORDER);
    }

    /** table[s] = d·scale[s] for the block's sixteen sub-blocks. */
    private static void scaleTable(MemorySegment data, long block, float[] table) {
        float d = Vectors.f16(data, block + D);
        for (int s = 0; s < 16; s += F.length()) {
            ((FloatVector) bytes(data, block + SCALES + s).convertShape(VectorOperators.B2F, F, 0)).mul(d)
                    .intoArray(table, s);
        }
    }

    /**
     * The weights of elements 32r + l.. (run r = 4h + k of 32): the low 4 bits from ql, the top 2
     * from qh. With 16 lanes they are combined on bytes (128-bit vectors, cheap) and widened once;
     * shifts are done on 16-bit lanes (x86 has no byte shifts) and the masks drop the bits that
     * cross between bytes. With 8 lanes, 64-bit short vectors are not compiled to vector code, so
     * they are combined after widening to ints.
     */
    private static FloatVector weights(MemorySegment data, long block, int r, int l, float[] table) {
        int h = r >> 2;
        int k = r & 3;
        long ql = block + 64 * h + 32 * (k & 1) + l;
        long qh = block + QH + 32 * h + l;
        FloatVector q;
        if (F.length() == 16) {
            ByteVector low = shr(bytes(data, ql), 4 * (k >> 1)).and((byte) 0xF);
            ByteVector top = shl(shr(bytes(data, qh), 2 * k).and((byte) 3), 4);
            q = (FloatVector) low.or(top).sub((byte) 32).convertShape(VectorOperators.B2F, F, 0);
        } else {
            IntVector low = packed(data, ql).lanewise(VectorOperators.LSHR, 4 * (k >> 1)).and(0xF);
            IntVector top = packed(data, qh).lanewise(VectorOperators.LSHR, 2 * k).and(3).lanewise(VectorOperators.LSHL, 4);
            q = (FloatVector) low.or(top).sub(32).convert(VectorOperators.I2F, 0);
        }
        return q.mul(table[2 * r + (l >> 4)]);
    }

    private static ByteVector shl(ByteVector v, int n) {
        return v.reinterpretAsShorts().lanewise(VectorOperators.LSHL, n).reinterpretAsBytes();
    }

    private static ByteVector shr(ByteVector v, int n) {
        return v.reinterpretAsShorts().lanewise(VectorOperators.LSHR, n).reinterpretAsBytes();
    }

    /** The four-vector kernel behind {@link #dotMany} (found by {@link DotGroups#kernelOf}). */
    static final DotGroups.Kernel KERNEL = new FourVectors();

    /** {@link #dot} for four vectors at once: each vector of weights is rebuilt once for all four. */
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
                scaleTable(data, block, table);
                for (int r = 0; r < 8; r++) {
                    for (int l = 0; l < 32; l += lanes) {
                        FloatVector w = weights(data, block, r, l, table);
                        int i = b * QK + 32 * r + l;
                        acc0 = w.fma(FloatVector.fromArray(F, x, x0 + i), acc0);
                        acc1 = w.fma(FloatVector.fromArray(F, x, x1 + i), acc1);
                        acc2 = w.fma(FloatVector.fromArray(F, x, x2 + i), acc2);
                        acc3 = w.fma(FloatVector.fromArray(F, x, x3 + i), acc3);
                    }
                }
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
            float sum = 0f;
            for (int s = 0; s < 16; s++) {
                float qx = 0f;
                for (int l = 0; l < 16; l++) {
                    qx += quant(data, block, 16 * s + l) * x[xOffset + b * QK + 16 * s + l];
                }
                sum += scale(data, block, s) * qx;
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
            for (int s = 0; s < 16; s++) {
                float ds = d * scale(data, block, s);
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
            for (int s = 0; s < 16; s++) {
                float ds = d * scale(data, block, s);
                for (int l = 0; l < 16; l++) {
                    out[outOffset + b * QK + 16 * s + l] = ds * quant(data, block, 16 * s + l);
                }
            }
        }
    }

    /**
     * ggml's quantize_row_q6_K_ref: make_qx_quants per sub-block of 16 (32 levels each side, x²
     * weights); the scales are quantized to int8 against the one of largest magnitude, which maps
     * to −128 (d = −max/128, so d may be negative); then every level is recomputed from the stored
     * scale, L = clamp(nearest(x/(d·scale)), −32, 31), except in sub-blocks whose scale is 0.
     * A super-block whose scales are all below ggml's epsilon is stored as zeros.
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
            float maxAbsScale = 0;
            for (int s = 0; s < 16; s++) {
                scales[s] = KQuantSearch.makeQxQuants(16, 32, src, xb + 16 * s, levels, 16 * s);
                if (Math.abs(scales[s]) > maxAbsScale) {
                    maxAbsScale = Math.abs(scales[s]);
                    maxScale = scales[s];
                }
            }
            if (maxAbsScale < KQuantSearch.GROUP_MAX_EPS) {
                data.asSlice(block, BLOCK_BYTES).fill((byte) 0);
                continue;
            }
            float iscale = -128f / maxScale;
            data.set(LE_SHORT, block + D, GgmlRounding.toF16(1 / iscale));
            for (int s = 0; s < 16; s++) {
                // ggml clamps only above; the int → int8_t store wraps below −128 (never reached).
                int q = Math.min(127, KQuantSearch.nearestInt(iscale * scales[s]));
                data.set(ValueLayout.JAVA_BYTE, block + SCALES + s, (byte) q);
            }
            float d = Vectors.f16(data, block + D);
            for (int s = 0; s < 16; s++) {
                float ds = d * scale(data, block, s);
                if (ds == 0f) {
                    continue;
                }
                for (int l = 0; l < 16; l++) {
                    int q = KQuantSearch.nearestInt(src[xb + 16 * s + l] / ds);
                    levels[16 * s + l] = Math.max(-32, Math.min(31, q)) + 32;
                }
            }
            for (int j = 0; j < QK; j++) {
                int h = j >> 7;
                int k = (j >> 5) & 3;
                int l = j & 31;
                long ql = block + 64 * h + 32 * (k & 1) + l;
                long qh = block + QH + 32 * h + l;
                int lowBits = (k < 2 ? 0 : u8(data, ql) & 0xF) | (levels[j] & 0xF) << (4 * (k >> 1));
                data.set(ValueLayout.JAVA_BYTE, ql, (byte) lowBits);
                int highBits = (k == 0 ? 0 : u8(data, qh)) | (levels[j] >> 4) << (2 * k);
                data.set(ValueLayout.JAVA_BYTE, qh, (byte) highBits);
            }
        }
    }
}
