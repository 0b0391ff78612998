package lucid.tensor;

/**
 * How activations enter matrix products. Lucid keeps them in F32 ({@link #EXACT}). llama.cpp
 * first rounds them to the format its integer kernels pair with the weights' type ("vec_dot_type"):
 * Q8_0 blocks for Q8_0/Q4_0/Q5_0 weights, Q8_1 for Q4_1/Q5_1, Q8_K for the K-quants, F16 for F16
 * and BF16 for BF16 weights. {@link #LLAMA_CPP} applies the same rounding (quantize, then
 * dequantize to floats), so results can be compared with llama.cpp's digit for digit: its products
 * are then the same sums, only added in float instead of integers. The same mode follows llama.cpp
 * in two more places where it rounds to F16: the attention products with an F16 KV cache (queries,
 * after scaling where the family's graph scales them, and attention weights) and GELU, which ggml
 * looks up in an F16 table ({@link #geluLikeLlamaCpp}).
 */
public enum ActivationRounding {
    EXACT, LLAMA_CPP;

    /** Whether products with weights of {@code type} see rounded activations. */
    public boolean rounds(GgmlType type) {
        return this == LLAMA_CPP && type != GgmlType.F32;
    }

    /** out[0..n) = x[offset..offset+n) rounded as llama.cpp rounds activations for weights of {@code type}. */
    public static void roundLikeLlamaCpp(GgmlType type, float[] x, int offset, int n, float[] out, int outOffset) {
        switch (type) {
            case F32 -> System.arraycopy(x, offset, out, outOffset, n);
            case F16 -> {
                for (int i = 0; i < n; i++) {
                    out[outOffset + i] = Float.float16ToFloat(GgmlRounding.toF16(x[offset + i]));
                }
            }
            case BF16 -> {
                for (int i = 0; i < n; i++) {
                    out[outOffset + i] = Float.intBitsToFloat(GgmlRounding.toBf16(x[offset + i]) << 16);
                }
            }
            case Q8_0, Q4_0, Q5_0, Q4_1, Q5_1 -> q8Blocks(x, offset, n, out, outOffset);
            case Q2_K, Q3_K, Q4_K, Q5_K, Q6_K -> q8KBlocks(x, offset, n, out, outOffset);
            default -> throw new UnsupportedTypeException(type);
        }
    }

    /**
     * GELU as ggml's CPU backend computes it: the input rounded to F16 and looked up in a table of
     * F16 results (GGML_GELU_FP16); below −10 it is 0, above 10 the input itself. In place on
     * x[off..off+n); with {@code up}, also multiplied by up[upOff + i] (GeGLU).
     */
    public static void geluLikeLlamaCpp(float[] x, int off, int n, float[] up, int upOff) {
        for (int i = 0; i < n; i++) {
            float v = x[off + i];
            float g;
            if (v <= -10f) {
                g = 0f;
            } else if (v >= 10f) {
                g = v;
            } else {
                float h = Float.float16ToFloat(GgmlRounding.toF16(v));
                g = Float.float16ToFloat(GgmlRounding.toF16(VectorMath.geluScalar(h)));
            }
            x[off + i] = up == null ? g : g * up[upOff + i];
        }
    }

    /** Q8_0 / Q8_1 values: blocks of 32, d = amax/127 stored as F16, q = roundf(x/d). */
    private static void q8Blocks(float[] x, int offset, int n, float[] out, int outOffset) {
        for (int b = 0; b < n; b += 32) {
            float amax = 0f;
            for (int j = 0; j < 32; j++) {
                amax = Math.max(amax, Math.abs(x[offset + b + j]));
            }
            float d = amax / 127f;
            float id = d != 0f ? 1f / d : 0f;
            float stored = Float.float16ToFloat(GgmlRounding.toF16(d));
            for (int j = 0; j < 32; j++) {
                out[outOffset + b + j] = GgmlRounding.roundHalfAway(x[offset + b + j] * id) * stored;
            }
        }
    }

    /** Q8_K values: blocks of 256, scale from the signed maximum (−127/max), d kept as float, q = nearest_int. */
    private static void q8KBlocks(float[] x, int offset, int n, float[] out, int outOffset) {
        for (int b = 0; b < n; b += 256) {
            float max = 0f;
            float amax = 0f;
            for (int j = 0; j < 256; j++) {
                float v = x[offset + b + j];
                if (Math.abs(v) > amax) {
                    amax = Math.abs(v);
                    max = v;
                }
            }
            if (amax == 0f) {
                java.util.Arrays.fill(out, outOffset + b, outOffset + b + 256, 0f);
                continue;
            }
            float iscale = -127f / max;
            float d = 1f / iscale;
            for (int j = 0; j < 256; j++) {
                int q = Math.min(127, KQuantSearch.nearestInt(iscale * x[offset + b + j]));
                out[outOffset + b + j] = q * d;
            }
        }
    }
}
