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
