package lucid.tensor;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;

import java.lang.foreign.MemorySegment;

import static lucid.tensor.Vectors.F;
import static lucid.tensor.Vectors.I;
import static lucid.tensor.Vectors.LE_SHORT;
import static lucid.tensor.Vectors.ORDER;
import static lucid.tensor.Vectors.S;

/** IEEE half floats, 2 bytes each. */
public final class F16Format implements WeightFormat {
    public static final F16Format INSTANCE = new F16Format();

    private F16Format() {}

    @Override
    public GgmlType type() {
        return GgmlType.F16;
    }

    /**
     * Widens F.length() halves to floats, exactly (the Vector API has no half conversion).
     * The exponent and mantissa bits are moved to float bit 13 onwards, which gives a float
     * 2^-112 times the half's value for normals and subnormals alike; multiplying by 2^112 is then
     * exact. Exponent 31 (inf, NaN) is rare, so it is patched only when present.
     */
    static FloatVector toFloats(ShortVector halves) {
        IntVector h = (IntVector) halves.convertShape(VectorOperators.S2I, I, 0);
        // h is sign-extended, so after << 13 bit 31 holds the sign; the mask clears the other copies.
        IntVector bits = h.lanewise(VectorOperators.LSHL, 13).and(0x8FFFE000);
        FloatVector f = bits.reinterpretAsFloats().mul(0x1p112f);
        VectorMask<Integer> special = h.and(0x7c00).compare(VectorOperators.EQ, 0x7c00);
        return special.anyTrue() ? withInfAndNan(f, bits, h, special) : f;
    }

    /** Float exponent 255 with the payload kept, NaNs made quiet: as Float.float16ToFloat (vcvtph2ps) and ggml do. */
    private static FloatVector withInfAndNan(FloatVector f, IntVector bits, IntVector h, VectorMask<Integer> special) {
        VectorMask<Integer> nan = special.and(h.and(0x3ff).compare(VectorOperators.NE, 0));
        IntVector infOrNan = bits.or(0x7f800000).lanewise(VectorOperators.OR, 0x00400000, nan);
        return f.reinterpretAsInts().blend(infOrNan, special).reinterpretAsFloats();
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
            sum += Vectors.f16(data, offset + 2L * i) * x[xOffset + i];
        }
        return sum;
    }

    /** The four-vector kernel behind {@link #dotMany} (found by {@link DotGroups#kernelOf}). */
    static final DotGroups.Kernel KERNEL = new FourVectors();

    /** {@link #dot} for four vectors at once: each weight vector is widened once. */
    private static final class FourVectors implements DotGroups.Kernel {
        /** Two accumulators per vector, as in dot: a (even steps) then b (odd steps). */
        @Override
        public int accumulators() {
            return 2;
        }

        /** dot's loop of double steps ends here; its last single step and scalar tail are in finish. */
        @Override
        public boolean tiled() {
            return true;
        }

        @Override
        public int end(int n) {
            return n - n % (2 * F.length());
        }

        @Override
        public void chunk(MemorySegment data, long row, float[] x, int x0, int x1, int x2, int x3, int from, int to,
                          float[] acc, int at, float[] table) {
            int lanes = F.length();
            FloatVector a0 = FloatVector.fromArray(F, acc, at);
            FloatVector b0 = FloatVector.fromArray(F, acc, at + lanes);
            FloatVector a1 = FloatVector.fromArray(F, acc, at + 2 * lanes);
            FloatVector b1 = FloatVector.fromArray(F, acc, at + 3 * lanes);
            FloatVector a2 = FloatVector.fromArray(F, acc, at + 4 * lanes);
            FloatVector b2 = FloatVector.fromArray(F, acc, at + 5 * lanes);
            FloatVector a3 = FloatVector.fromArray(F, acc, at + 6 * lanes);
            FloatVector b3 = FloatVector.fromArray(F, acc, at + 7 * lanes);
            for (int i = from; i < to; i += 2 * lanes) {
                FloatVector w = weights(data, row, i);
                a0 = w.fma(FloatVector.fromArray(F, x, x0 + i), a0);
                a1 = w.fma(FloatVector.fromArray(F, x, x1 + i), a1);
                a2 = w.fma(FloatVector.fromArray(F, x, x2 + i), a2);
                a3 = w.fma(FloatVector.fromArray(F, x, x3 + i), a3);
                FloatVector v = weights(data, row, i + lanes);
                b0 = v.fma(FloatVector.fromArray(F, x, x0 + i + lanes), b0);
                b1 = v.fma(FloatVector.fromArray(F, x, x1 + i + lanes), b1);
                b2 = v.fma(FloatVector.fromArray(F, x, x2 + i + lanes), b2);
                b3 = v.fma(FloatVector.fromArray(F, x, x3 + i + lanes), b3);
            }
            a0.intoArray(acc, at);
            b0.intoArray(acc, at + lanes);
            a1.intoArray(acc, at + 2 * lanes);
            b1.intoArray(acc, at + 3 * lanes);
            a2.intoArray(acc, at + 4 * lanes);
            b2.intoArray(acc, at + 5 * lanes);
            a3.intoArray(acc, at + 6 * lanes);
            b3.intoArray(acc, at + 7 * lanes);
        }

        @Override
        public float finish(MemorySegment data, long row, float[] x, int xOffset, int n, float[] acc, int at) {
            int lanes = F.length();
            FloatVector a = FloatVector.fromArray(F, acc, at);
            int i = end(n);
            if (i <= n - lanes) {
                a = weights(data, row, i).fma(FloatVector.fromArray(F, x, xOffset + i), a);
                i += lanes;
            }
            float sum = Vectors.sumLanes(a.add(FloatVector.fromArray(F, acc, at + lanes)));
            for (; i < n; i++) {
                sum += Vectors.f16(data, row + 2L * i) * x[xOffset + i];
            }
            return sum;
        }
    }

    @Override
    public float dotScalar(MemorySegment data, long offset, float[] x, int xOffset, int n) {
        float sum = 0f;
        for (int i = 0; i < n; i++) {
            sum += Vectors.f16(data, offset + 2L * i) * x[xOffset + i];
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
            out[outOffset + i] = Vectors.f16(data, offset + 2L * i);
        }
    }

    @Override
    public void quantize(float[] src, int srcOffset, int n, MemorySegment data, long offset) {
        for (int i = 0; i < n; i++) {
            data.set(LE_SHORT, offset + 2L * i, GgmlRounding.toF16(src[srcOffset + i]));
        }
    }
}
