package lucid.tensor;

import java.lang.foreign.MemorySegment;

/**
 * The kernels for one stored weight type: dot products and dequantization that read the
 * stored (possibly quantized) bytes directly, so weights never need a float copy.
 *
 * <p>All offsets into {@code data} are byte offsets of the first block; {@code n} is a whole
 * number of blocks ({@link GgmlType#blockSize}). Each fast (Vector API) method has a plain scalar
 * twin that the tests use as the reference.
 */
public sealed interface WeightFormat
        permits F32Format, F16Format, BF16Format, Q8_0Format, Q4_0Format, Q4_1Format, Q5_0Format, Q5_1Format,
                Q2_KFormat, Q3_KFormat, Q4_KFormat, Q5_KFormat, Q6_KFormat {

    GgmlType type();

    /** Σ w[i]·x[xOffset+i] for i &lt; n, where w is stored at byte {@code offset} of {@code data}. */
    float dot(MemorySegment data, long offset, float[] x, int xOffset, int n);

    /**
     * The dot products of one stored row with k vectors: for t &lt; k, out[outOffset + t·outStride] =
     * Σ w[i]·x[xOffset + t·xStride + i]. Formats with a fast version decode the row's bytes once
     * for several vectors. Each result is bit-identical to {@link #dot} of that vector alone (the
     * same operations in the same order), so a sequence's numbers never depend on what it is
     * batched with.
     */
    default void dotMany(MemorySegment data, long offset, float[] x, int xOffset, int xStride, int k, int n,
                         float[] out, int outOffset, int outStride) {
        dotManyRows(data, offset, 0, 1, x, xOffset, xStride, k, n, out, outOffset, outStride);
    }

    /**
     * {@link #dotMany} for {@code rows} consecutive rows (row r at byte offset + r·rowBytes): for t
     * &lt; k, out[outOffset + r + t·outStride] = row r · x[xOffset + t·xStride ..]. Formats with a
     * fast version walk the rows in bands and column chunks so the vectors stay in cache.
     */
    default void dotManyRows(MemorySegment data, long offset, long rowBytes, int rows, float[] x, int xOffset,
                             int xStride, int k, int n, float[] out, int outOffset, int outStride) {
        DotGroups.dotManyRows(this, DotGroups.kernelOf(this), data, offset, rowBytes, rows, x, xOffset, xStride, k, n,
                out, outOffset, outStride);
    }

    /** The scalar reference for {@link #dot}. */
    float dotScalar(MemorySegment data, long offset, float[] x, int xOffset, int n);

    /** Writes the n stored values at byte {@code offset} as floats into out[outOffset..]. */
    void dequantize(MemorySegment data, long offset, float[] out, int outOffset, int n);

    /** The scalar reference for {@link #dequantize}. */
    void dequantizeScalar(MemorySegment data, long offset, float[] out, int outOffset, int n);

    /**
     * Stores src[srcOffset..srcOffset+n) in this format at byte {@code offset} of {@code data},
     * rounding as ggml's reference quantizers do (used by the GGUF writer and by tests).
     */
    void quantize(float[] src, int srcOffset, int n, MemorySegment data, long offset);

    /** The kernels for a type, or a clear error naming the type if Lucid has none yet. */
    static WeightFormat of(GgmlType type) {
        return switch (type) {
            case F32 -> F32Format.INSTANCE;
            case F16 -> F16Format.INSTANCE;
            case BF16 -> BF16Format.INSTANCE;
            case Q8_0 -> Q8_0Format.INSTANCE;
            case Q4_0 -> Q4_0Format.INSTANCE;
            case Q4_1 -> Q4_1Format.INSTANCE;
            case Q5_0 -> Q5_0Format.INSTANCE;
            case Q5_1 -> Q5_1Format.INSTANCE;
            case Q2_K -> Q2_KFormat.INSTANCE;
            case Q3_K -> Q3_KFormat.INSTANCE;
            case Q4_K -> Q4_KFormat.INSTANCE;
            case Q5_K -> Q5_KFormat.INSTANCE;
            case Q6_K -> Q6_KFormat.INSTANCE;
            default -> throw new UnsupportedTypeException(type);
        };
    }
}
