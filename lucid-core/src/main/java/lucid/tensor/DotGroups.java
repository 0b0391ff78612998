package lucid.tensor;

import java.lang.foreign.MemorySegment;

/**
 * {@link WeightFormat#dotMany} for the formats that decode a row once for several vectors. Their
 * kernels take four vectors at a time: four tokens' accumulators fit in registers beside the
 * decoded weights (eight do not on AVX2's 16 registers). A last group of two or three repeats its
 * last vector, writing that result twice with the same bits; a single vector left over goes
 * through {@link WeightFormat#dot}.
 */
final class DotGroups {
    private DotGroups() {}

    static final int GROUP = 4;

    /** A format's four-vector kernel. */
    @FunctionalInterface
    interface Kernel {
        /**
         * The dot products of the row at {@code offset} with vectors x[xOffset + t·xStride ..] into
         * out[outOffset + t·outStride] for t &lt; 4, where vector t ≥ count is vector count − 1 again
         * (2 ≤ count ≤ 4). Each result must be bit-identical to the format's dot.
         */
        void dot4(MemorySegment data, long offset, float[] x, int xOffset, int xStride, int count, int n,
                  float[] out, int outOffset, int outStride);
    }

    static void dotMany(WeightFormat format, Kernel kernel, MemorySegment data, long offset, float[] x, int xOffset,
                        int xStride, int k, int n, float[] out, int outOffset, int outStride) {
        int t = 0;
        if (Vectors.ENABLED) {
            for (; k - t >= 2; t += GROUP) {
                kernel.dot4(data, offset, x, xOffset + t * xStride, xStride, Math.min(GROUP, k - t), n,
                        out, outOffset + t * outStride, outStride);
            }
        }
        for (; t < k; t++) {
            out[outOffset + t * outStride] = format.dot(data, offset, x, xOffset + t * xStride, n);
        }
    }

    /** Where member i of a group of {@code count} starts: members past the count repeat the last. */
    static int member(int first, int stride, int i, int count) {
        return first + Math.min(i, count - 1) * stride;
    }
}
