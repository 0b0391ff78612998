package lucid.tensor;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;

/**
 * {@link WeightFormat#dotMany} and {@link WeightFormat#dotManyRows} for the formats that decode a
 * row once for several vectors. Their kernels take four vectors at a time: four tokens'
 * accumulators fit in registers beside the decoded weights (eight do not on AVX2's 16 registers).
 * A last group of two or three repeats its last vector, writing that result twice with the same
 * bits; a single vector left over goes through {@link WeightFormat#dot}.
 *
 * <p>Rows are taken in bands, and (for the formats where it pays, see {@link Kernel#tiled}) each band in column chunks: the chunk of every vector (at most
 * about 16 KB) stays in L1 while the band's rows go by, where whole vectors of a long row (4 × 32
 * KB for 8192 columns) would be fetched from L2 for every row. Between chunks the accumulators
 * wait in a per-thread float array; that moves them, never changes them, so each vector still
 * sees exactly the operations of {@link WeightFormat#dot} in the same order. The kernels keep
 * their vectors inside one method each (loaded from and stored to that array): a vector handed
 * to a method C2 does not inline is boxed, and the old one-method kernels hit C2's inlining node
 * limit on long rows, boxing an accumulator per row.
 */
final class DotGroups {
    private DotGroups() {}

    static final int GROUP = 4;
    /** Rows sharing one pass over a column chunk. */
    private static final int BAND = 8;
    /** Floats of all vectors per column chunk (16 KB): 1024 columns for four vectors. */
    private static final int CHUNK_FLOATS = 4096;

    /** A format's four-vector kernel, split into column chunks. */
    interface Kernel {
        /** Accumulator vectors per member of a group (dot's running sums: 1 or 2). */
        int accumulators();

        /**
         * Where the chunked part of a row of n ends: chunks cover [0, end) and start at multiples
         * of {@link #CHUNK_ALIGN}; {@link #finish} does the rest.
         */
        int end(int n);

        /**
         * Adds elements [from, to) of the row at {@code row} · vectors x[x0..], …, x[x3..] to the
         * four members' accumulators, stored member after member (each {@link #accumulators()}
         * vectors of F.length() floats) at acc[at..]. {@code table} is 16 floats of scratch.
         */
        void chunk(MemorySegment data, long row, float[] x, int x0, int x1, int x2, int x3, int from, int to,
                   float[] acc, int at, float[] table);

        /**
         * Whether rows are walked in column chunks. Measured (JMH, 2048 × 8192, four vectors): F16,
         * BF16 and Q8_0 gain 15-30% (they load the most activation bytes per weight byte); F32,
         * Q4_0 and Q4_K lose 5-10% and Q6_K up to 2x (short runs of many rows' bytes at once).
         */
        boolean tiled();

        /** One member's result from its accumulators at acc[at..] and elements [end(n), n): dot's ending. */
        float finish(MemorySegment data, long row, float[] x, int xOffset, int n, float[] acc, int at);
    }

    /** Chunks start at multiples of this (a K-quant super-block; a multiple of every kernel's step). */
    static final int CHUNK_ALIGN = 256;

    /** Per thread: the band's accumulators and a scale table (grown once, then reused: no garbage per step). */
    private static final class Scratch {
        float[] acc = new float[0];
        final float[] table = new float[16];
    }

    private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

    /** The format's four-vector kernel, or null: its products then take each vector through {@link WeightFormat#dot}. */
    static Kernel kernelOf(WeightFormat format) {
        return switch (format) {
            case F32Format f -> F32Format.KERNEL;
            case F16Format f -> F16Format.KERNEL;
            case BF16Format f -> BF16Format.KERNEL;
            case Q8_0Format f -> Q8_0Format.KERNEL;
            case Q4_0Format f -> Q4_0Format.KERNEL;
            case Q4_KFormat f -> Q4_KFormat.KERNEL;
            case Q6_KFormat f -> Q6_KFormat.KERNEL;
            default -> null;
        };
    }

    /**
     * out[outOffset + r + t·outStride] = row r · vector t for r &lt; rows (row r at byte offset +
     * r·rowBytes) and t &lt; k (vector t at x[xOffset + t·xStride]).
     */
    static void dotManyRows(WeightFormat format, Kernel kernel, MemorySegment data, long offset, long rowBytes,
                            int rows, float[] x, int xOffset, int xStride, int k, int n,
                            float[] out, int outOffset, int outStride) {
        int groups = Vectors.ENABLED && kernel != null ? k / GROUP + (k % GROUP >= 2 ? 1 : 0) : 0;
        int grouped = Math.min(k, groups * GROUP); // vectors the groups cover; the rest (0 or 1) use dot
        if (groups > 0) {
            Scratch scratch = SCRATCH.get();
            int perMember = kernel.accumulators() * Vectors.F.length();
            int perGroup = GROUP * perMember;
            int band = Math.min(BAND, rows);
            if (scratch.acc.length < band * groups * perGroup) {
                scratch.acc = new float[band * groups * perGroup];
            }
            float[] acc = scratch.acc;
            int end = kernel.end(n);
            int chunk = !kernel.tiled() ? Math.max(end, 1)
                    : Math.max(CHUNK_ALIGN, Integer.highestOneBit(CHUNK_FLOATS / k) / CHUNK_ALIGN * CHUNK_ALIGN);
            for (int r0 = 0; r0 < rows; r0 += band) {
                int count = Math.min(band, rows - r0);
                Arrays.fill(acc, 0, count * groups * perGroup, 0f);
                for (int from = 0; from < end; from += chunk) {
                    int to = Math.min(end, from + chunk);
                    for (int r = 0; r < count; r++) {
                        long row = offset + (r0 + r) * rowBytes;
                        for (int g = 0; g < groups; g++) {
                            int first = xOffset + g * GROUP * xStride;
                            int members = Math.min(GROUP, k - g * GROUP);
                            kernel.chunk(data, row, x, first, member(first, xStride, 1, members),
                                    member(first, xStride, 2, members), member(first, xStride, 3, members),
                                    from, to, acc, (r * groups + g) * perGroup, scratch.table);
                        }
                    }
                }
                for (int r = 0; r < count; r++) {
                    long row = offset + (r0 + r) * rowBytes;
                    for (int t = 0; t < grouped; t++) {
                        int at = (r * groups + t / GROUP) * perGroup + (t % GROUP) * perMember;
                        out[outOffset + r0 + r + t * outStride] = kernel.finish(data, row, x, xOffset + t * xStride, n, acc, at);
                    }
                }
            }
        }
        for (int t = grouped; t < k; t++) {
            for (int r = 0; r < rows; r++) {
                out[outOffset + r + t * outStride] = format.dot(data, offset + r * rowBytes, x, xOffset + t * xStride, n);
            }
        }
    }

    /** Where member i of a group of {@code count} starts: members past the count repeat the last. */
    static int member(int first, int stride, int i, int count) {
        return first + Math.min(i, count - 1) * stride;
    }
}
