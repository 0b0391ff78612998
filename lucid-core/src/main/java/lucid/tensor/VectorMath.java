package lucid.tensor;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;

import java.lang.foreign.MemorySegment;

import static lucid.tensor.Vectors.F;
import static lucid.tensor.Vectors.LE_FLOAT;
import static lucid.tensor.Vectors.ORDER;

/**
 * Elementwise and reduction kernels on float activations: the small steps of the forward pass
 * between the matrix products. Each has a scalar twin ({@code ...Scalar}) that the tests use.
 */
public final class VectorMath {
    private VectorMath() {}

    /** Σ a[aOff+i]·b[bOff+i] for i &lt; n. */
    public static float dot(float[] a, int aOff, float[] b, int bOff, int n) {
        if (!Vectors.ENABLED) {
            return dotScalar(a, aOff, b, bOff, n);
        }
        if (n < F.length()) { // a small attention head: one masked vector
            VectorMask<Float> m = F.indexInRange(0, n);
            return Vectors.sumLanes(FloatVector.fromArray(F, a, aOff, m).mul(FloatVector.fromArray(F, b, bOff, m)));
        }
        FloatVector acc = FloatVector.zero(F);
        int i = 0;
        for (int upper = F.loopBound(n); i < upper; i += F.length()) {
            acc = FloatVector.fromArray(F, a, aOff + i).fma(FloatVector.fromArray(F, b, bOff + i), acc);
        }
        float sum = Vectors.sumLanes(acc);
        for (; i < n; i++) {
            sum += a[aOff + i] * b[bOff + i];
        }
        return sum;
    }

    public static float dotScalar(float[] a, int aOff, float[] b, int bOff, int n) {
        float sum = 0f;
        for (int i = 0; i < n; i++) {
            sum += a[aOff + i] * b[bOff + i];
        }
        return sum;
    }

    /** out[outOff+i] += s·x[xOff+i] for i &lt; n. */
    public static void addScaled(float[] out, int outOff, float s, float[] x, int xOff, int n) {
        int i = 0;
        if (Vectors.ENABLED && n < F.length()) { // a small attention head: one masked vector
            VectorMask<Float> m = F.indexInRange(0, n);
            FloatVector.fromArray(F, x, xOff, m).fma(FloatVector.broadcast(F, s), FloatVector.fromArray(F, out, outOff, m)).intoArray(out, outOff, m);
            return;
        }
        if (Vectors.ENABLED) {
            FloatVector sv = FloatVector.broadcast(F, s);
            for (int upper = F.loopBound(n); i < upper; i += F.length()) {
                FloatVector.fromArray(F, x, xOff + i).fma(sv, FloatVector.fromArray(F, out, outOff + i)).intoArray(out, outOff + i);
            }
        }
        for (; i < n; i++) {
            out[outOff + i] = Math.fma(x[xOff + i], s, out[outOff + i]);
        }
    }

    /**
     * F.length() finite half floats (no inf or NaN: an F16 KV cache clamps what it stores) widened
     * exactly: sign, exponent and mantissa moved to float bit 13 onwards give 2^-112 times the
     * value, normals and subnormals alike; multiplying by 2^112 is exact. Small enough to be
     * inlined into the attention loops.
     */
    private static FloatVector finiteHalves(short[] halves, int offset) {
        jdk.incubator.vector.IntVector h = (jdk.incubator.vector.IntVector) jdk.incubator.vector.ShortVector
                .fromArray(Vectors.S, halves, offset).convertShape(jdk.incubator.vector.VectorOperators.S2I, Vectors.I, 0);
        return h.lanewise(jdk.incubator.vector.VectorOperators.LSHL, 13).and(0x8FFFE000).reinterpretAsFloats().mul(0x1p112f);
    }

    /** Whether {@link #weightedRows} and {@link #weightedHalfRows} run vectorised (else callers loop over {@link #addScaled}). */
    public static boolean weightedRowsVectorised() {
        return Vectors.ENABLED;
    }

    /**
     * out[outOff..+n) = Σ_{t ∈ [from, to)} w[wOff + t] · x[base + t·stride ..+n): attention's
     * weighted sum of value rows. The sums stay in registers, four vectors of columns at a time
     * (a store and reload of out per position stalls on store-to-load forwarding, badly so for
     * masked stores). Same bits as zeroing out and calling {@link #addScaled} for each t in order.
     */
    public static void weightedRows(float[] out, int outOff, float[] w, int wOff, float[] x, int base, int stride,
                                    int from, int to, int n) {
        // Each loop updates all its accumulators unconditionally: vectors merged from branches get boxed.
        int lanes = F.length();
        int c = 0;
        for (; c + 4 * lanes <= n; c += 4 * lanes) {
            FloatVector a0 = FloatVector.zero(F);
            FloatVector a1 = FloatVector.zero(F);
            FloatVector a2 = FloatVector.zero(F);
            FloatVector a3 = FloatVector.zero(F);
            for (int t = from; t < to; t++) {
                FloatVector s = FloatVector.broadcast(F, w[wOff + t]);
                int row = base + t * stride + c;
                a0 = FloatVector.fromArray(F, x, row).fma(s, a0);
                a1 = FloatVector.fromArray(F, x, row + lanes).fma(s, a1);
                a2 = FloatVector.fromArray(F, x, row + 2 * lanes).fma(s, a2);
                a3 = FloatVector.fromArray(F, x, row + 3 * lanes).fma(s, a3);
            }
            a0.intoArray(out, outOff + c);
            a1.intoArray(out, outOff + c + lanes);
            a2.intoArray(out, outOff + c + 2 * lanes);
            a3.intoArray(out, outOff + c + 3 * lanes);
        }
        for (; c + lanes <= n; c += lanes) {
            FloatVector a = FloatVector.zero(F);
            for (int t = from; t < to; t++) {
                a = FloatVector.fromArray(F, x, base + t * stride + c).fma(FloatVector.broadcast(F, w[wOff + t]), a);
            }
            a.intoArray(out, outOff + c);
        }
        if (c < n) { // the last n mod lanes columns (all of a small head): one masked vector
            VectorMask<Float> m = F.indexInRange(0, n - c);
            FloatVector a = FloatVector.zero(F);
            for (int t = from; t < to; t++) {
                a = FloatVector.fromArray(F, x, base + t * stride + c, m).fma(FloatVector.broadcast(F, w[wOff + t]), a);
            }
            a.intoArray(out, outOff + c, m);
        }
    }

    /**
     * {@link #weightedRows} over half-float rows (an F16 KV cache's values); with
     * {@code halfWeights} the weights are rounded to F16 first, as llama.cpp's F16 products do.
     * Same bits as zeroing out and calling {@link #addScaledHalf} for each t in order.
     */
    public static void weightedHalfRows(float[] out, int outOff, float[] w, int wOff, short[] x, int base, int stride,
                                        int from, int to, int n, boolean halfWeights) {
        int lanes = F.length();
        int c = 0; // one vector of columns at a time (each column still sums over t in order)
        for (; c + lanes <= n; c += lanes) {
            FloatVector a = FloatVector.zero(F);
            for (int t = from; t < to; t++) {
                a = finiteHalves(x, base + t * stride + c).fma(FloatVector.broadcast(F, weightAt(w, wOff + t, halfWeights)), a);
            }
            a.intoArray(out, outOff + c);
        }
        if (c < n) { // the last n mod lanes columns (all of a small head): one masked vector
            int left = n - c;
            VectorMask<Float> m = F.indexInRange(0, left);
            FloatVector a = FloatVector.zero(F);
            for (int t = from; t < to; t++) {
                a = finiteHalves(x, base + t * stride + c, left).fma(FloatVector.broadcast(F, weightAt(w, wOff + t, halfWeights)), a);
            }
            a.intoArray(out, outOff + c, m);
        }
    }

    private static float weightAt(float[] w, int i, boolean half) {
        return half ? Float.float16ToFloat(Float.floatToFloat16(w[i])) : w[i];
    }

    /** The first n &lt; F.length() of {@link #finiteHalves(short[], int)}, the other lanes 0. */
    private static FloatVector finiteHalves(short[] halves, int offset, int n) {
        jdk.incubator.vector.IntVector h = (jdk.incubator.vector.IntVector) jdk.incubator.vector.ShortVector
                .fromArray(Vectors.S, halves, offset, Vectors.S.indexInRange(0, n)).convertShape(jdk.incubator.vector.VectorOperators.S2I, Vectors.I, 0);
        return h.lanewise(jdk.incubator.vector.VectorOperators.LSHL, 13).and(0x8FFFE000).reinterpretAsFloats().mul(0x1p112f);
    }

    /** Σ a[aOff+i]·b[bOff+i] for i &lt; n, with b finite IEEE half floats (F16 bits), e.g. keys of an F16 KV cache. */
    public static float dotHalf(float[] a, int aOff, short[] b, int bOff, int n) {
        int i = 0;
        float sum = 0f;
        if (Vectors.ENABLED && n < F.length()) { // a small attention head: one masked vector
            VectorMask<Float> m = F.indexInRange(0, n);
            return Vectors.sumLanes(FloatVector.fromArray(F, a, aOff, m).mul(finiteHalves(b, bOff, n)));
        }
        if (Vectors.ENABLED && n >= F.length()) {
            FloatVector acc = FloatVector.zero(F);
            for (int upper = F.loopBound(n); i < upper; i += F.length()) {
                acc = FloatVector.fromArray(F, a, aOff + i).fma(finiteHalves(b, bOff + i), acc);
            }
            sum = Vectors.sumLanes(acc);
        }
        for (; i < n; i++) {
            sum += a[aOff + i] * Float.float16ToFloat(b[bOff + i]);
        }
        return sum;
    }

    /** out[outOff+i] += s·x[xOff+i] for i &lt; n, with x finite IEEE half floats (F16 bits). */
    public static void addScaledHalf(float[] out, int outOff, float s, short[] x, int xOff, int n) {
        int i = 0;
        if (Vectors.ENABLED && n < F.length()) { // a small attention head: one masked vector
            VectorMask<Float> m = F.indexInRange(0, n);
            finiteHalves(x, xOff, n).fma(FloatVector.broadcast(F, s), FloatVector.fromArray(F, out, outOff, m)).intoArray(out, outOff, m);
            return;
        }
        if (Vectors.ENABLED) {
            FloatVector sv = FloatVector.broadcast(F, s);
            for (int upper = F.loopBound(n); i < upper; i += F.length()) {
                finiteHalves(x, xOff + i).fma(sv, FloatVector.fromArray(F, out, outOff + i)).intoArray(out, outOff + i);
            }
        }
        for (; i < n; i++) {
            out[outOff + i] = Math.fma(Float.float16ToFloat(x[xOff + i]), s, out[outOff + i]);
        }
    }

    /** out[i] += x[i] for i &lt; n (the residual connection). */
    public static void add(float[] out, float[] x, int n) {
        int i = 0;
        if (Vectors.ENABLED) {
            for (int upper = F.loopBound(n); i < upper; i += F.length()) {
                FloatVector.fromArray(F, out, i).add(FloatVector.fromArray(F, x, i)).intoArray(out, i);
            }
        }
        for (; i < n; i++) {
            out[i] += x[i];
        }
    }

    /** out[outOff+i] += x[xOff+i] for i &lt; n. */
    public static void add(float[] out, int outOff, float[] x, int xOff, int n) {
        int i = 0;
        if (Vectors.ENABLED) {
            for (int upper = F.loopBound(n); i < upper; i += F.length()) {
                FloatVector.fromArray(F, out, outOff + i).add(FloatVector.fromArray(F, x, xOff + i)).intoArray(out, outOff + i);
            }
        }
        for (; i < n; i++) {
            out[outOff + i] += x[xOff + i];
        }
    }

    /** x[off+i] *= s for i &lt; n (Gemma's embedding scale). */
    public static void scale(float[] x, int off, int n, float s) {
        int i = 0;
        if (Vectors.ENABLED) {
            for (int upper = F.loopBound(n); i < upper; i += F.length()) {
                FloatVector.fromArray(F, x, off + i).mul(s).intoArray(x, off + i);
            }
        }
        for (; i < n; i++) {
            x[off + i] *= s;
        }
    }

    /**
     * RMSNorm: out = x / sqrt(mean(x²) + eps) ⊙ weight, with weight stored as F32 in
     * {@code weight}. The sum of squares is accumulated in double so the result does not depend
     * on the vector width.
     */
    public static void rmsNorm(float[] out, float[] x, int xOff, MemorySegment weight, int n, float eps) {
        rmsNorm(out, 0, x, xOff, weight, n, eps);
    }

    /** {@link #rmsNorm(float[], float[], int, MemorySegment, int, float)} writing to out[outOff..outOff+n). */
    public static void rmsNorm(float[] out, int outOff, float[] x, int xOff, MemorySegment weight, int n, float eps) {
        double sumSquares = 0;
        for (int i = 0; i < n; i++) {
            sumSquares += (double) x[xOff + i] * x[xOff + i];
        }
        float scale = (float) (1.0 / Math.sqrt(sumSquares / n + eps));
        int i = 0;
        if (Vectors.ENABLED) {
            FloatVector sv = FloatVector.broadcast(F, scale);
            for (int upper = F.loopBound(n); i < upper; i += F.length()) {
                FloatVector w = FloatVector.fromMemorySegment(F, weight, 4L * i, ORDER);
                FloatVector.fromArray(F, x, xOff + i).mul(sv).mul(w).intoArray(out, outOff + i);
            }
        }
        for (; i < n; i++) {
            out[outOff + i] = x[xOff + i] * scale * weight.get(LE_FLOAT, 4L * i);
        }
    }

    public static void rmsNormScalar(float[] out, float[] x, int xOff, MemorySegment weight, int n, float eps) {
        double sumSquares = 0;
        for (int i = 0; i < n; i++) {
            sumSquares += (double) x[xOff + i] * x[xOff + i];
        }
        float scale = (float) (1.0 / Math.sqrt(sumSquares / n + eps));
        for (int i = 0; i < n; i++) {
            out[i] = x[xOff + i] * scale * weight.get(LE_FLOAT, 4L * i);
        }
    }

    /**
     * LayerNorm (GPT-2): out = (x − mean(x)) / sqrt(var(x) + eps) ⊙ weight + bias, with weight and
     * bias stored as F32. Mean and variance are accumulated in double, as for {@link #rmsNorm}.
     */
    public static void layerNorm(float[] out, int outOff, float[] x, int xOff, MemorySegment weight, MemorySegment bias, int n, float eps) {
        float mean = mean(x, xOff, n);
        float scale = inverseDeviation(x, xOff, n, mean, eps);
        int i = 0;
        if (Vectors.ENABLED) {
            FloatVector mv = FloatVector.broadcast(F, mean);
            FloatVector sv = FloatVector.broadcast(F, scale);
            for (int upper = F.loopBound(n); i < upper; i += F.length()) {
                FloatVector w = FloatVector.fromMemorySegment(F, weight, 4L * i, ORDER);
                FloatVector b = FloatVector.fromMemorySegment(F, bias, 4L * i, ORDER);
                FloatVector.fromArray(F, x, xOff + i).sub(mv).mul(sv).fma(w, b).intoArray(out, outOff + i);
            }
        }
        for (; i < n; i++) {
            out[outOff + i] = Math.fma((x[xOff + i] - mean) * scale, weight.get(LE_FLOAT, 4L * i), bias.get(LE_FLOAT, 4L * i));
        }
    }

    public static void layerNormScalar(float[] out, int outOff, float[] x, int xOff, MemorySegment weight, MemorySegment bias, int n, float eps) {
        float mean = mean(x, xOff, n);
        float scale = inverseDeviation(x, xOff, n, mean, eps);
        for (int i = 0; i < n; i++) {
            out[outOff + i] = Math.fma((x[xOff + i] - mean) * scale, weight.get(LE_FLOAT, 4L * i), bias.get(LE_FLOAT, 4L * i));
        }
    }

    private static float mean(float[] x, int off, int n) {
        double sum = 0;
        for (int i = 0; i < n; i++) {
            sum += x[off + i];
        }
        return (float) (sum / n);
    }

    /** 1 / sqrt(mean((x − mean)²) + eps). */
    private static float inverseDeviation(float[] x, int off, int n, float mean, float eps) {
        double sumSquares = 0;
        for (int i = 0; i < n; i++) {
            double d = x[off + i] - mean;
            sumSquares += d * d;
        }
        return (float) (1.0 / Math.sqrt(sumSquares / n + eps));
    }

    /** x[off+i] += bias[i] for i &lt; n, with the bias stored as F32 (projection biases). */
    public static void addBias(float[] x, int off, MemorySegment bias, int n) {
        int i = 0;
        if (Vectors.ENABLED) {
            for (int upper = F.loopBound(n); i < upper; i += F.length()) {
                FloatVector.fromArray(F, x, off + i).add(FloatVector.fromMemorySegment(F, bias, 4L * i, ORDER)).intoArray(x, off + i);
            }
        }
        for (; i < n; i++) {
            x[off + i] += bias.get(LE_FLOAT, 4L * i);
        }
    }

    public static void addBiasScalar(float[] x, int off, MemorySegment bias, int n) {
        for (int i = 0; i < n; i++) {
            x[off + i] += bias.get(LE_FLOAT, 4L * i);
        }
    }

    /** √(2/π) and the cubic coefficient of GELU's tanh approximation. */
    private static final float GELU_SCALE = 0.7978845608028654f;
    private static final float GELU_CUBIC = 0.044715f;

    /** GELU, tanh approximation (GPT-2, Gemma): x = x/2 · (1 + tanh(√(2/π)·(x + 0.044715·x³))), in place on x[off..off+n). */
    public static void gelu(float[] x, int off, int n) {
        int i = 0;
        if (Vectors.ENABLED) {
            for (int upper = F.loopBound(n); i < upper; i += F.length()) {
                geluLanes(FloatVector.fromArray(F, x, off + i)).intoArray(x, off + i);
            }
        }
        for (; i < n; i++) {
            x[off + i] = gelu(x[off + i]);
        }
    }

    public static void geluScalar(float[] x, int off, int n) {
        for (int i = 0; i < n; i++) {
            x[off + i] = geluScalar(x[off + i]);
        }
    }

    /** GeGLU (Gemma's feed-forward): gate[i] = gelu(gate[i]) · up[i] for i &lt; n. */
    public static void geglu(float[] gate, float[] up, int n) {
        geglu(gate, 0, up, 0, n);
    }

    /** GeGLU of gate[off..off+n) and up[off..off+n). */
    public static void geglu(float[] gate, int off, float[] up, int upOff, int n) {
        int i = 0;
        if (Vectors.ENABLED) {
            for (int upper = F.loopBound(n); i < upper; i += F.length()) {
                geluLanes(FloatVector.fromArray(F, gate, off + i)).mul(FloatVector.fromArray(F, up, upOff + i)).intoArray(gate, off + i);
            }
        }
        for (; i < n; i++) {
            gate[off + i] = gelu(gate[off + i]) * up[upOff + i];
        }
    }

    public static void gegluScalar(float[] gate, float[] up, int n) {
        for (int i = 0; i < n; i++) {
            gate[i] = geluScalar(gate[i]) * up[i];
        }
    }

    /** GELU of one value, in float as ggml's {@code ggml_gelu_f32} (with the JDK's tanh: the reference). */
    static float geluScalar(float x) {
        return 0.5f * x * (1f + (float) Math.tanh(GELU_SCALE * x * (1f + GELU_CUBIC * x * x)));
    }

    /** GELU of one value with the operations of {@link #geluLanes}, for loop tails. */
    private static float gelu(float x) {
        float inner = (x * x * GELU_CUBIC + 1f) * x * GELU_SCALE;
        return (LaneMath.tanh(inner) + 1f) * x * 0.5f;
    }

    private static FloatVector geluLanes(FloatVector x) {
        FloatVector inner = x.mul(x).mul(GELU_CUBIC).add(1f).mul(x).mul(GELU_SCALE);
        return LaneMath.tanh(inner).add(1f).mul(x).mul(0.5f);
    }

    /** Soft-capping (Gemma 2's attention and final logits): x = cap · tanh(x / cap), in place on x[off..off+n). */
    public static void softCap(float[] x, int off, int n, float cap) {
        int i = 0;
        if (Vectors.ENABLED) {
            float inverse = 1f / cap;
            for (int upper = F.loopBound(n); i < upper; i += F.length()) {
                LaneMath.tanh(FloatVector.fromArray(F, x, off + i).mul(inverse)).mul(cap).intoArray(x, off + i);
            }
        }
        float inverse = 1f / cap;
        for (; i < n; i++) {
            x[off + i] = LaneMath.tanh(x[off + i] * inverse) * cap;
        }
    }

    public static void softCapScalar(float[] x, int off, int n, float cap) {
        float inverse = 1f / cap;
        for (int i = 0; i < n; i++) {
            x[off + i] = cap * (float) Math.tanh(x[off + i] * inverse);
        }
    }

    /**
     * In-place softmax of x[off..off+n) (max-subtracted, so large logits do not overflow). The
     * exponentials are {@link LaneMath#exp} (within 2 ulp of Math.exp, vectorised and the same bits
     * on every JIT tier): attention takes heads × positions of them per layer and token.
     */
    public static void softmax(float[] x, int off, int n) {
        int upper = Vectors.ENABLED ? F.loopBound(n) : 0;
        FloatVector maxes = FloatVector.broadcast(F, Float.NEGATIVE_INFINITY);
        for (int i = 0; i < upper; i += F.length()) {
            maxes = maxes.max(FloatVector.fromArray(F, x, off + i));
        }
        float max = maxes.reduceLanes(VectorOperators.MAX);
        for (int i = upper; i < n; i++) {
            max = Math.max(max, x[off + i]);
        }
        for (int i = 0; i < upper; i += F.length()) {
            LaneMath.exp(FloatVector.fromArray(F, x, off + i).sub(max)).intoArray(x, off + i);
        }
        for (int i = upper; i < n; i++) {
            x[off + i] = LaneMath.exp(x[off + i] - max);
        }
        // summed in order after the fact: a vector of partial sums handed to a reduction method
        // that C2 did not inline (exp used up the budget) was boxed at every call
        float sum = 0f;
        for (int i = 0; i < n; i++) {
            sum += x[off + i];
        }
        float inv = 1f / sum;
        for (int i = 0; i < upper; i += F.length()) {
            FloatVector.fromArray(F, x, off + i).mul(inv).intoArray(x, off + i);
        }
        for (int i = upper; i < n; i++) {
            x[off + i] *= inv;
        }
    }

    public static void softmaxScalar(float[] x, int off, int n) {
        float max = Float.NEGATIVE_INFINITY;
        for (int i = 0; i < n; i++) {
            max = Math.max(max, x[off + i]);
        }
        double sum = 0;
        for (int i = 0; i < n; i++) {
            float e = (float) Math.exp(x[off + i] - max);
            x[off + i] = e;
            sum += e;
        }
        float inv = (float) (1.0 / sum);
        for (int i = 0; i < n; i++) {
            x[off + i] *= inv;
        }
    }

    /** SwiGLU: gate[i] = silu(gate[i]) · up[i], where silu(g) = g / (1 + e^-g). */
    public static void swiglu(float[] gate, float[] up, int n) {
        swiglu(gate, 0, up, 0, n);
    }

    /** SwiGLU of gate[off..off+n) and up[upOff..upOff+n), with {@link LaneMath#exp} (the same bits on every JIT tier). */
    public static void swiglu(float[] gate, int off, float[] up, int upOff, int n) {
        int i = 0;
        if (Vectors.ENABLED) {
            for (int upper = F.loopBound(n); i < upper; i += F.length()) {
                FloatVector g = FloatVector.fromArray(F, gate, off + i);
                g.div(LaneMath.exp(g.neg()).add(1f)).mul(FloatVector.fromArray(F, up, upOff + i)).intoArray(gate, off + i);
            }
        }
        for (; i < n; i++) {
            float g = gate[off + i];
            gate[off + i] = g / (LaneMath.exp(-g) + 1f) * up[upOff + i];
        }
    }

    /** The reference for {@link #swiglu}, with the JDK's exp. */
    public static void swigluScalar(float[] gate, float[] up, int n) {
        for (int i = 0; i < n; i++) {
            float g = gate[i];
            gate[i] = g / (1f + (float) Math.exp(-g)) * up[i];
        }
    }
}
