package lucid.tensor;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * What the K-quant formats share: their packed sub-block scales, as ggml packs them.
 *
 * <p>Their vector kernels walk one sub-block (Q4_K: a pair of sub-blocks sharing their bytes;
 * Q6_K: a run of 32) at a time, and read a super-block's packed scales as whole words. Hand-unrolled bodies that decode
 * two to four sub-blocks from one load, or many small segment reads, made C2 reach its inlining
 * node limit: it then stopped inlining the small vector helpers and boxed every vector, running
 * 5-10x slower. So did FloatVector.lane(i), convertShape with a part other than 0, one-lane long
 * vectors and 64-bit short vectors: check a kernel change with the JMH KernelBenchmark at 16 and 8 lanes.
 *
 * <p>Q4_K and Q5_K: eight 6-bit scales sc[j] and eight 6-bit mins m[j] in 12 bytes. For j &lt; 4,
 * byte j holds sc[j] and byte j+4 holds m[j] in their low 6 bits; for j ≥ 4, byte j+4 holds the
 * low nibbles (sc[j] low, m[j] high), and the top two bits of sc[j] and m[j] sit in bits 6–7 of
 * bytes j−4 and j (ggml's {@code get_scale_min_k4}).
 *
 * <p>Q3_K: sixteen 6-bit scales in 12 bytes, each stored biased by +32. The low nibble of scale j
 * is the low nibble of byte j (j &lt; 8) or the high nibble of byte j−8 (j ≥ 8); its top two bits
 * are bits 2·(j/4).. of byte 8 + j%4.
 */
final class KQuants {
    private KQuants() {}

    /**
     * Each thread's table of a super-block's sub-block factors (16 floats), reused row after row:
     * allocating it per row would make garbage at every step.
     */
    static final ThreadLocal<float[]> TABLE = ThreadLocal.withInitial(() -> new float[16]);

    /** v·s + acc, with s broadcast to every lane. */
    static FloatVector fma(FloatVector v, float s, FloatVector acc) {
        return v.fma(FloatVector.broadcast(Vectors.F, s), acc);
    }

    static int u8(MemorySegment data, long at) {
        return data.get(ValueLayout.JAVA_BYTE, at) & 0xFF;
    }

    /** The little-endian int at {@code at}: scale bytes are read as words w0 (bytes 0-3), w1, w2. */
    static int word(MemorySegment data, long at) {
        return data.get(Vectors.LE_INT, at);
    }

    /** Q4_K/Q5_K: the 6-bit scale of sub-block j (0..7). */
    static int scaleK4(int w0, int w2, int j) {
        return j < 4
                ? (w0 >>> 8 * j) & 63
                : ((w2 >>> 8 * (j - 4)) & 0xF) | ((w0 >>> (8 * (j - 4) + 6)) & 3) << 4;
    }

    /** Q4_K/Q5_K: the 6-bit min of sub-block j (0..7). */
    static int minK4(int w1, int w2, int j) {
        return j < 4
                ? (w1 >>> 8 * j) & 63
                : ((w2 >>> (8 * (j - 4) + 4)) & 0xF) | ((w1 >>> (8 * (j - 4) + 6)) & 3) << 4;
    }

    /**
     * Q4_K/Q5_K: the eight 6-bit scales as the bytes of a long (byte j is sc[j]), unpacked for all
     * sub-blocks at once with word-wide masks (ggml's utmp trick).
     */
    static long scalesK4(int w0, int w2) {
        return (w0 & 0x3F3F3F3FL) | (long) ((w2 & 0x0F0F0F0F) | ((w0 >>> 2) & 0x30303030)) << 32;
    }

    /** Q4_K/Q5_K: the eight 6-bit mins as the bytes of a long (byte j is m[j]). */
    static long minsK4(int w1, int w2) {
        return (w1 & 0x3F3F3F3FL) | (long) (((w2 >>> 4) & 0x0F0F0F0F) | ((w1 >>> 2) & 0x30303030)) << 32;
    }

    private static final VectorMask<Float> LOW_HALF =
            Vectors.F.length() == 16 ? VectorMask.fromLong(Vectors.F, 0xFF) : null;

    /**
     * Q4_K/Q5_K: writes d·sc[j] to table[j] and −dmin·m[j] to table[8 + j] (j &lt; 8), converting
     * all sixteen bytes with one or two vector conversions. Scalar decoding per sub-block (shifts,
     * int→float, multiply) cost about a quarter of the dot product's time.
     */
    static void scaleTable(long scales, long mins, float d, float negDmin, float[] table) {
        if (Vectors.F.length() == 16) {
            FloatVector dd = FloatVector.broadcast(Vectors.F, negDmin).blend(d, LOW_HALF);
            IntVector words = IntVector.zero(IntVector.SPECIES_128)
                    .withLane(0, (int) scales).withLane(1, (int) (scales >>> 32))
                    .withLane(2, (int) mins).withLane(3, (int) (mins >>> 32));
            bytesToFloats(words).mul(dd).intoArray(table, 0);
        } else {
            bytesToFloats(twoWords(scales)).mul(d).intoArray(table, 0);
            bytesToFloats(twoWords(mins)).mul(negDmin).intoArray(table, 8);
        }
    }

    /** v as a vector of two ints (a one-lane LongVector would not be compiled to vector code). */
    private static IntVector twoWords(long v) {
        return IntVector.zero(IntVector.SPECIES_64).withLane(0, (int) v).withLane(1, (int) (v >>> 32));
    }

    /** The bytes of v (F.length() of them, each 0..127) as floats. */
    private static FloatVector bytesToFloats(IntVector v) {
        ByteVector bytes = v.reinterpretAsBytes();
        return (FloatVector) bytes.convertShape(VectorOperators.B2F, Vectors.F, 0);
    }

    /** Q4_K/Q5_K: writes the eight 6-bit scales and mins (each 0..63) as 12 bytes at {@code at}. */
    static void packK4(int[] sc, int[] m, MemorySegment data, long at) {
        byte[] b = new byte[12];
        for (int j = 0; j < 8; j++) {
            if (j < 4) {
                b[j] = (byte) sc[j];
                b[j + 4] = (byte) m[j];
            } else {
                b[j + 4] = (byte) ((sc[j] & 0xF) | (m[j] & 0xF) << 4);
                b[j - 4] |= (byte) ((sc[j] >> 4) << 6);
                b[j] |= (byte) ((m[j] >> 4) << 6);
            }
        }
        MemorySegment.copy(b, 0, data, ValueLayout.JAVA_BYTE, at, 12);
    }

    /** Q3_K: the signed scale (−32..31) of sub-block j (0..15). */
    static int scaleQ3(int w0, int w1, int w2, int j) {
        int low = (((j & 4) == 0 ? w0 : w1) >>> (8 * (j & 3) + 4 * (j >> 3))) & 0xF;
        int high = (w2 >>> (8 * (j & 3) + 2 * (j >> 2))) & 3;
        return (low | high << 4) - 32;
    }

    /** Q3_K: writes sixteen biased 6-bit scales (each 0..63, i.e. scale + 32) as 12 bytes at {@code at}. */
    static void packQ3(int[] biased, MemorySegment data, long at) {
        byte[] b = new byte[12];
        for (int j = 0; j < 16; j++) {
            int l = biased[j];
            if (j < 8) {
                b[j] = (byte) (l & 0xF);
            } else {
                b[j - 8] |= (byte) ((l & 0xF) << 4);
            }
            b[8 + (j & 3)] |= (byte) ((l >> 4) << (2 * (j >> 2)));
        }
        MemorySegment.copy(b, 0, data, ValueLayout.JAVA_BYTE, at, 12);
    }
}
