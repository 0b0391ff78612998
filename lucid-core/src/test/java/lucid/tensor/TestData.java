package lucid.tensor;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.random.RandomGenerator;
import java.util.random.RandomGeneratorFactory;

/**
 * Fresh random inputs for the kernel tests, and an independent float64 decoder of every layout.
 * Each run draws a new seed and prints it; {@code -Dlucid.test.seed=N} replays one.
 */
final class TestData {
    private TestData() {}

    /** A seeded generator; {@link #toString()} names the seed so assertion messages carry it. */
    record Rng(long seed, RandomGenerator g) {
        @Override
        public String toString() {
            return "seed " + seed + " (replay with -Dlucid.test.seed=" + seed + ")";
        }
    }

    static Rng rng(String what) {
        Long fixed = Long.getLong("lucid.test.seed");
        long seed = fixed != null ? fixed : RandomGenerator.getDefault().nextLong();
        System.out.println("[" + what + "] seed " + seed);
        return new Rng(seed, RandomGeneratorFactory.of("L64X128MixRandom").create(seed));
    }

    /** Activations in [-1, 1). */
    static float[] activations(Rng r, int n) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) r.g().nextDouble(-1, 1);
        }
        return x;
    }

    /** A finite half in ±[1e-3, 1]: a realistic block scale. */
    static short scale(Rng r) {
        double v = r.g().nextDouble(1e-3, 1) * (r.g().nextBoolean() ? 1 : -1);
        return Float.floatToFloat16((float) v);
    }

    /**
     * n elements of the type's stored bytes, written at byteOffset of a fresh segment: random bits,
     * except that block scales are finite and float values are of moderate size (zeros and
     * subnormals included), so dot products stay finite.
     */
    static MemorySegment randomWeights(Rng r, GgmlType type, int n, long byteOffset) {
        long bytes = type.bytesFor(n);
        MemorySegment seg = Arena.ofAuto().allocate(byteOffset + bytes + 64);
        for (long i = 0; i < seg.byteSize(); i++) {
            seg.set(ValueLayout.JAVA_BYTE, i, (byte) r.g().nextInt());
        }
        for (int i = 0; i < n / type.blockSize; i++) {
            long at = byteOffset + (long) i * type.blockBytes;
            switch (type) {
                case F16 -> putU16(seg, at, (r.g().nextInt() & 0x83FF) | r.g().nextInt(18) << 10);   // |v| < 4
                case BF16 -> putU16(seg, at, (r.g().nextInt() & 0x807F) | r.g().nextInt(100, 130) << 7);
                case F32 -> seg.set(ValueLayout.JAVA_FLOAT_UNALIGNED, at, (float) r.g().nextDouble(-4, 4));
                case Q8_0, Q4_0, Q5_0 -> putU16(seg, at, scale(r));
                case Q4_1, Q5_1, Q4_K, Q5_K -> {
                    putU16(seg, at, scale(r));
                    putU16(seg, at + 2, scale(r));
                }
                case Q2_K -> {
                    putU16(seg, at + 80, scale(r));
                    putU16(seg, at + 82, scale(r));
                }
                case Q3_K -> putU16(seg, at + 108, scale(r));
                case Q6_K -> putU16(seg, at + 208, scale(r));
                default -> throw new IllegalArgumentException(type.toString());
            }
        }
        return seg;
    }

    static void putU16(MemorySegment seg, long at, int v) {
        seg.set(ValueLayout.JAVA_BYTE, at, (byte) v);
        seg.set(ValueLayout.JAVA_BYTE, at + 1, (byte) (v >> 8));
    }

    static int u8(MemorySegment seg, long at) {
        return seg.get(ValueLayout.JAVA_BYTE, at) & 0xFF;
    }

    static int u16(MemorySegment seg, long at) {
        return u8(seg, at) | u8(seg, at + 1) << 8;
    }

    static long u32(MemorySegment seg, long at) {
        return u16(seg, at) | (long) u16(seg, at + 2) << 16;
    }

    static double half(MemorySegment seg, long at) {
        return Float.float16ToFloat((short) u16(seg, at));
    }

    /**
     * One decoded element: its value, and the block minimum m it includes (0 for formats without
     * one; for Q2_K, Q4_K and Q5_K the subtracted −dmin·m of its sub-block).
     */
    record Decoded(double[] value, double[] min) {}

    /** Decodes n elements from the layout descriptions alone, in float64. */
    static Decoded decode64(GgmlType type, MemorySegment seg, long offset, int n) {
        double[] v = new double[n];
        double[] min = new double[n];
        for (int i = 0; i < n; i++) {
            int block = i / type.blockSize;
            int j = i % type.blockSize;
            long at = offset + (long) block * type.blockBytes;
            switch (type) {
                case F32 -> v[i] = Float.intBitsToFloat((int) u32(seg, at));
                case F16 -> v[i] = half(seg, at);
                case BF16 -> v[i] = Float.intBitsToFloat(u16(seg, at) << 16);
                case Q8_0 -> v[i] = (byte) u8(seg, at + 2 + j) * half(seg, at);
                case Q4_0 -> v[i] = (nibble(seg, at + 2, j) - 8) * half(seg, at);
                case Q4_1 -> {
                    min[i] = half(seg, at + 2);
                    v[i] = nibble(seg, at + 4, j) * half(seg, at) + min[i];
                }
                case Q5_0 -> v[i] = (nibble(seg, at + 6, j) + 16 * fifthBit(seg, at + 2, j) - 16) * half(seg, at);
                case Q5_1 -> {
                    min[i] = half(seg, at + 2);
                    v[i] = (nibble(seg, at + 8, j) + 16 * fifthBit(seg, at + 4, j)) * half(seg, at) + min[i];
                }
                case Q2_K, Q3_K, Q4_K, Q5_K, Q6_K -> decodeK(type, seg, at, j, v, min, i);
                default -> throw new IllegalArgumentException(type.toString());
            }
        }
        return new Decoded(v, min);
    }

    /**
     * Element j (0..255) of a K-quant super-block at {@code at}, from ggml's block structs and
     * dequantize_row_qX_K loops (block_q2_K {scales[16], qs[64], d, dmin}; block_q3_K {hmask[32],
     * qs[64], scales[12], d}; block_q4_K {d, dmin, scales[12], qs[128]}; block_q5_K {d, dmin,
     * scales[12], qh[32], qs[128]}; block_q6_K {ql[128], qh[64], int8 scales[16], d}).
     */
    private static void decodeK(GgmlType type, MemorySegment seg, long at, int j, double[] v, double[] min, int i) {
        int part = j / 128;          // the loops walk 128 elements per 32 qs bytes (2- and 3-bit)...
        int shift = (j % 128) / 32;  // ...taking 2 bits at shift 2·this from each byte
        int l = j % 32;
        switch (type) {
            case Q2_K -> {
                int sc = u8(seg, at + j / 16);
                int q = (u8(seg, at + 16 + 32 * part + l) >> (2 * shift)) & 3;
                min[i] = -half(seg, at + 82) * (sc >> 4);
                v[i] = half(seg, at + 80) * (sc & 0xF) * q + min[i];
            }
            case Q3_K -> {
                int low = (u8(seg, at + 32 + 32 * part + l) >> (2 * shift)) & 3;
                boolean high = (u8(seg, at + l) & (1 << (4 * part + shift))) != 0;   // m <<= 1 per 32
                v[i] = half(seg, at + 108) * q3Scale(seg, at + 96, j / 16) * (low - (high ? 0 : 4));
            }
            case Q4_K, Q5_K -> {
                int s = j / 32;                  // the loops take 64 elements per 32 qs bytes:
                int[] sm = scaleMinK4(seg, at + 4, s);
                long qs = at + (type == GgmlType.Q4_K ? 16 : 48) + 32 * (s / 2);
                int q = (u8(seg, qs + l) >> (4 * (s % 2))) & 0xF;   // low nibbles, then high
                if (type == GgmlType.Q5_K) {
                    q += (u8(seg, at + 16 + l) >> s & 1) * 16;     // u1, u2 = 1, 2 then <<= 2
                }
                min[i] = -half(seg, at + 2) * sm[1];
                v[i] = half(seg, at) * sm[0] * q + min[i];
            }
            default -> {
                // Q6_K: per 128, q1..q4 at l, l+32, l+64, l+96 from ql[l], ql[l+32] low then high
                // nibbles and qh[l] bits 0-1, 2-3, 4-5, 6-7.
                int ql = u8(seg, at + 64 * part + (shift % 2) * 32 + l) >> (4 * (shift / 2)) & 0xF;
                int qh = u8(seg, at + 128 + 32 * part + l) >> (2 * shift) & 3;
                byte sc = seg.get(ValueLayout.JAVA_BYTE, at + 192 + j / 16);
                v[i] = half(seg, at + 208) * sc * ((ql | qh << 4) - 32);
            }
        }
    }

    /** ggml's get_scale_min_k4: {scale, min} of sub-block j (0..7) from the 12 bytes at q. */
    static int[] scaleMinK4(MemorySegment seg, long q, int j) {
        if (j < 4) {
            return new int[] {u8(seg, q + j) & 63, u8(seg, q + j + 4) & 63};
        }
        return new int[] {(u8(seg, q + j + 4) & 0xF) | ((u8(seg, q + j - 4) >> 6) << 4),
                (u8(seg, q + j + 4) >> 4) | ((u8(seg, q + j) >> 6) << 4)};
    }

    /**
     * Q3_K scale j (0..15), as dequantize_row_q3_K unpacks it: the 12 bytes as three little-endian
     * words a0, a1, tmp, rearranged with kmask1 = 0x03030303 and kmask2 = 0x0f0f0f0f into four
     * words whose bytes are the 16 scales, each biased by 32.
     */
    static int q3Scale(MemorySegment seg, long at, int j) {
        long a0 = u32(seg, at);
        long a1 = u32(seg, at + 4);
        long tmp = u32(seg, at + 8);
        long k1 = 0x03030303L;
        long k2 = 0x0f0f0f0fL;
        long[] aux = {
                (a0 & k2) | ((tmp & k1) << 4),
                (a1 & k2) | (((tmp >> 2) & k1) << 4),
                ((a0 >> 4) & k2) | (((tmp >> 4) & k1) << 4),
                ((a1 >> 4) & k2) | (((tmp >> 6) & k1) << 4)};
        return (int) (aux[j / 4] >> (8 * (j % 4)) & 0xFF) - 32;
    }

    /** Element j of a 32-block: low nibble of qs[j] for j < 16, high nibble of qs[j-16] otherwise. */
    private static int nibble(MemorySegment seg, long qs, int j) {
        return j < 16 ? u8(seg, qs + j) & 0xF : u8(seg, qs + j - 16) >> 4;
    }

    /** Element j's 5th bit is bit j of the little-endian u32 qh. */
    private static int fifthBit(MemorySegment seg, long qh, int j) {
        return (int) (u32(seg, qh) >>> j) & 1;
    }
}
