package lucid.tensor;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;

import java.lang.foreign.MemorySegment;

import static lucid.tensor.Vectors.F;
import static lucid.tensor.Vectors.I;
import static lucid.tensor.Vectors.LE_SHORT;
import static lucid.tensor.Vectors.ORDER;
import static lucid.tensor.Vectors.S;

/** bfloat16: the top 16 bits of a float, 2 bytes each. */
public final class BF16Format implements WeightFormat {
    public static final BF16Format INSTANCE = new BF16Format();

    private BF16Format() {}

    @Override
    public GgmlType type() {
        return GgmlType.BF16;
    }

    static float toFloat(short bf16) {
        return Float.intBitsToFloat(bf16 << 16);
    }

    /** Widens F.length() bfloat16s: the bits just move up 16 places (the sign-extension shifts out). */
    static FloatVector toFloats(ShortVector bf16s) {
        IntVector h = (IntVector) bf16s.convertShape(VectorOperators.S2I, I, 0);
        return h.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
    }

    /** Elements i..i+F.length() of the values stored at offset, as floats. */
    private static FloatVector weights(MemorySegment data, long offset, int i) {
        return toFloats(ShortVector.fromMemorySegment(S, data, offset + 2L * i, ORDER));
    }

    @Override
    public float dot(MemorySegment data, long offset, float[] x, int xOffset, int n) {
        if (!Vectors.ENABLED) {
            return dotScalar(data, offset, x, xOffset, n);
        }
        // Two accumulators, so consecutive FMAs do not wait on each other.
        int lanes = F.length();
        FloatVector acc0 = FloatVector.zero(F);
        FloatVector acc1 = FloatVector.zero(F);
        int i = 0;
        for (; i <= n - 2 * lanes; i += 2 * lanes) {
            acc0 = weights(data, offset, i).fma(FloatVector.fromArray(F, x, xOffset + i), acc0);
            acc1 = weights(data, offset, i + lanes).fma(FloatVector.fromArray(F, x, xOffset + i + lanes), acc1);
        }
        if (i <= n - lanes) {
            acc0 = weights(data, offset, i).fma(FloatVector.fromArray(F, x, xOffset + i), acc0);
            i += lanes;
        }
        float sum = Vectors.sumLanes(acc0.add(acc1));
        for (; i < n; i++) {
            sum += toFloat(data.get(LE_SHORT, offset + 2L * i)) * x[xOffset + i];
        }
        return sum;
    }

    @Override
    public void dotMany(MemorySegment data, long offset, float[] x, int xOffset, int xStride, int k, int n,
                        float[] out, int outOffset, int outStride) {
        DotGroups.dotMany(this, BF16Format::dot4, data, offset, x, xOffset, xStride, k, n, out, outOffset, outStride);
    }

    /** {@link #dot} for four vectors at once: each weight vector is widened once. */
    private static void dot4(MemorySegment data, long offset, float[] x, int xOffset, int xStride, int count, int n,
                             float[] out, int outOffset, int outStride) {
        int x0 = xOffset;
        int x1 = DotGroups.member(xOffset, xStride, 1, count);
        int x2 = DotGroups.member(xOffset, xStride, 2, count);
        int x3 = DotGroups.member(xOffset, xStride, 3, count);
        int lanes = F.length();
        // Two accumulators per vector, as in dot.
        FloatVector a0 = FloatVector.zero(F);
        FloatVector a1 = FloatVector.zero(F);
        FloatVector a2 = FloatVector.zero(F);
        FloatVector a3 = FloatVector.zero(F);
        FloatVector b0 = FloatVector.zero(F);
        FloatVector b1 = FloatVector.zero(F);
        FloatVector b2 = FloatVector.zero(F);
        FloatVector b3 = FloatVector.zero(F);
        int i = 0;
        for (; i <= n - 2 * lanes; i += 2 * lanes) {
            FloatVector w = weights(data, offset, i);
            a0 = w.fma(FloatVector.fromArray(F, x, x0 + i), a0);
            a1 = w.fma(FloatVector.fromArray(F, x, x1 + i), a1);
            a2 = w.fma(FloatVector.fromArray(F, x, x2 + i), a2);
            a3 = w.fma(FloatVector.fromArray(F, x, x3 + i), a3);
            FloatVector v = weights(data, offset, i + lanes);
            b0 = v.fma(FloatVector.fromArray(F, x, x0 + i + lanes), b0);
            b1 = v.fma(FloatVector.fromArray(F, x, x1 + i + lanes), b1);
            b2 = v.fma(FloatVector.fromArray(F, x, x2 + i + lanes), b2);
            b3 = v.fma(FloatVector.fromArray(F, x, x3 + i + lanes), b3);
        }
        if (i <= n - lanes) {
            FloatVector w = weights(data, offset, i);
            a0 = w.fma(FloatVector.fromArray(F, x, x0 + i), a0);
            a1 = w.fma(FloatVector.fromArray(F, x, x1 + i), a1);
            a2 = w.fma(FloatVector.fromArray(F, x, x2 + i), a2);
            a3 = w.fma(FloatVector.fromArray(F, x, x3 + i), a3);
            i += lanes;
        }
        float sum0 = Vectors.sumLanes(a0.add(b0));
        float sum1 = Vectors.sumLanes(a1.add(b1));
        float sum2 = Vectors.sumLanes(a2.add(b2));
        float sum3 = Vectors.sumLanes(a3.add(b3));
        for (; i < n; i++) {
            float w = toFloat(data.get(LE_SHORT, offset + 2L * i));
            sum0 += w * x[x0 + i];
            sum1 += w * x[x1 + i];
            sum2 += w * x[x2 + i];
            sum3 += w * x[x3 + i];
        }
        out[outOffset] = sum0;
        out[DotGroups.member(outOffset, outStride, 1, count)] = sum1;
        out[DotGroups.member(outOffset, outStride, 2, count)] = sum2;
        out[DotGroups.member(outOffset, outStride, 3, count)] = sum3;
    }

    @Override
    public float dotScalar(MemorySegment data, long offset, float[] x, int xOffset, int n) {
        float sum = 0f;
        for (int i = 0; i < n; i++) {
            sum += toFloat(data.get(LE_SHORT, offset + 2L * i)) * x[xOffset + i];
        }
        return sum;
    }

    @Override
    public void dequantize(MemorySegment data, long offset, float[] out, int outOffset, int n) {
        if (!Vectors.ENABLED) {
            dequantizeScalar(data, offset, out, outOffset, n);
            return;
        }
        int i = 0;
        int upper = F.loopBound(n);
        for (; i < upper; i += F.length()) {
            weights(data, offset, i).intoArray(out, outOffset + i);
        }
        dequantizeScalar(data, offset + 2L * i, out, outOffset + i, n - i);
    }

    @Override
    public void dequantizeScalar(MemorySegment data, long offset, float[] out, int outOffset, int n) {
        for (int i = 0; i < n; i++) {
            out[outOffset + i] = toFloat(data.get(LE_SHORT, offset + 2L * i));
        }
    }

    @Override
    public void quantize(float[] src, int srcOffset, int n, MemorySegment data, long offset) {
        for (int i = 0; i < n; i++) {
            data.set(LE_SHORT, offset + 2L * i, GgmlRounding.toBf16(src[srcOffset + i]));
        }
    }
}
