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
                case Q4_1, Q5_1 -> {
                    putU16(seg, at, scale(r));
                    putU16(seg, at + 2, scale(r));
                }
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

    /** One decoded element: its value, and the block minimum m it includes (0 for formats without one). */
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
                default -> throw new IllegalArgumentException(type.toString());
            }
        }
        return new Decoded(v, min);
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
