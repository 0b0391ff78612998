package lucid.tensor;

/**
 * The float conversions and rounding of ggml's reference quantizers, so that files we write are
 * byte-identical to llama.cpp's ({@code ggml_compute_fp32_to_fp16}, {@code ggml_compute_fp32_to_bf16},
 * C {@code roundf}).
 */
final class GgmlRounding {
    private GgmlRounding() {}

    /** float → IEEE half, round to nearest even; every NaN becomes ggml's quiet 0x7E00 (sign kept). */
    static short toF16(float f) {
        if (Float.isNaN(f)) {
            return (short) (((Float.floatToRawIntBits(f) >>> 16) & 0x8000) | 0x7E00);
        }
        return Float.floatToFloat16(f);
    }

    /** float → bfloat16, round to nearest even; a NaN keeps its top bits and is forced quiet. */
    static short toBf16(float f) {
        int bits = Float.floatToRawIntBits(f);
        if ((bits & 0x7fffffff) > 0x7f800000) {
            return (short) ((bits >>> 16) | 0x40);
        }
        return (short) ((bits + 0x7fff + ((bits >>> 16) & 1)) >>> 16);
    }

    /** C's {@code roundf}: halves go away from zero (unlike {@link Math#round}). */
    static int roundHalfAway(float v) {
        // |v| + 0.5 is exact in double, so the floor sees the true value.
        return (int) Math.copySign(Math.floor(Math.abs((double) v) + 0.5), v);
    }

    /** The block count for n elements of a block format, or an error if n is not whole blocks. */
    static int blocks(int n, int blockSize) {
        if (n % blockSize != 0 || n < 0) {
            throw new IllegalArgumentException(n + " elements is not a whole number of blocks of " + blockSize);
        }
        return n / blockSize;
    }
}
