package lucid.tensor;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;

import static lucid.tensor.Vectors.F;

/**
 * e^x and tanh(x) for float lanes built from +, ×, fused multiply-add, division and bit
 * operations only, which IEEE 754 defines to the bit. The Vector API's own EXP and TANH are not
 * reproducible: C2 compiles them to SVML calls, while the interpreter and C1 run a Java fallback
 * that rounds differently, so the same forward pass gave different bits depending on which code
 * a thread happened to run — and a seed no longer fixed the tokens. Each vector function has a
 * scalar twin doing the same operations, for loop tails (same bits as the lanes).
 *
 * <p>exp: Cephes' expf (range reduction by ln 2 in two parts, degree-5 polynomial, 2^n from the
 * exponent bits), within 2 ulp; inputs below −87.3 give 0 (no subnormals), inputs above 88.376
 * give e^88.376 ≈ 2.4·10^38 (finite; Lucid only takes exp of values ≤ 0 or of a bounded range). tanh: Cephes' tanhf
 * polynomial below 0.625, 1 − 2/(e^{2|x|} + 1) above, within a few ulp.
 */
public final class LaneMath {
    private LaneMath() {}

    private static final float LOG2E = 1.44269504088896341f;
    private static final float LN2_HI = 0.693359375f;
    private static final float LN2_LO = -2.12194440e-4f;
    /** 1.5·2^23: adding and subtracting it rounds a float to the nearest integer. */
    private static final float ROUND = 12582912f;
    private static final float EXP_LOW = -87.3f;
    /** 127.5·ln 2, just under: above it 2^n would be 2^128 (infinite). */
    private static final float EXP_HIGH = 88.37626f;
    private static final float P0 = 1.9875691500e-4f;
    private static final float P1 = 1.3981999507e-3f;
    private static final float P2 = 8.3334519073e-3f;
    private static final float P3 = 4.1665795894e-2f;
    private static final float P4 = 1.6666665459e-1f;
    private static final float P5 = 5.0000001201e-1f;
    private static final float TANH_SMALL = 0.625f;
    private static final float TANH_ONE = 9f;
    private static final float T0 = -5.70498872745e-3f;
    private static final float T1 = 2.06390887954e-2f;
    private static final float T2 = -5.37397155531e-2f;
    private static final float T3 = 1.33314422036e-1f;
    private static final float T4 = -3.33332819422e-1f;

    // Constant vectors, not broadcasts in helper calls: every call left in these methods risks C2
    // running out of inlining budget, and a vector crossing a call that is not inlined is boxed.
    private static final FloatVector NEG_LN2_HI = FloatVector.broadcast(F, -LN2_HI);
    private static final FloatVector NEG_LN2_LO = FloatVector.broadcast(F, -LN2_LO);
    private static final FloatVector VP2 = FloatVector.broadcast(F, P2);
    private static final FloatVector VP3 = FloatVector.broadcast(F, P3);
    private static final FloatVector VP4 = FloatVector.broadcast(F, P4);
    private static final FloatVector VP5 = FloatVector.broadcast(F, P5);
    private static final FloatVector VT2 = FloatVector.broadcast(F, T2);
    private static final FloatVector VT3 = FloatVector.broadcast(F, T3);
    private static final FloatVector VT4 = FloatVector.broadcast(F, T4);
    private static final FloatVector ONE = FloatVector.broadcast(F, 1f);
    private static final FloatVector TWO = FloatVector.broadcast(F, 2f);

    public static FloatVector exp(FloatVector x) {
        VectorMask<Float> underflow = x.lt(EXP_LOW);
        FloatVector v = x.max(EXP_LOW).min(EXP_HIGH);
        FloatVector n = v.fma(LOG2E, ROUND).sub(ROUND);
        FloatVector r = n.fma(NEG_LN2_HI, v);
        r = n.fma(NEG_LN2_LO, r);
        FloatVector p = r.fma(P0, P1).fma(r, VP2).fma(r, VP3).fma(r, VP4).fma(r, VP5);
        FloatVector e = p.mul(r.mul(r)).add(r).add(1f);
        IntVector bits = ((IntVector) n.convert(VectorOperators.F2I, 0)).add(127).lanewise(VectorOperators.LSHL, 23);
        return e.mul(bits.reinterpretAsFloats()).blend(0f, underflow);
    }

    public static float exp(float x) {
        if (x < EXP_LOW) {
            return 0f;
        }
        float v = Math.min(Math.max(x, EXP_LOW), EXP_HIGH);
        float n = Math.fma(v, LOG2E, ROUND) - ROUND;
        float r = Math.fma(n, -LN2_HI, v);
        r = Math.fma(n, -LN2_LO, r);
        float p = Math.fma(Math.fma(Math.fma(Math.fma(Math.fma(r, P0, P1), r, P2), r, P3), r, P4), r, P5);
        float e = p * (r * r) + r + 1f;
        return e * Float.intBitsToFloat(((int) n + 127) << 23);
    }

    public static FloatVector tanh(FloatVector x) {
        FloatVector a = x.abs();
        // small |x|: x + x³·P(x²)
        FloatVector z = x.mul(x);
        FloatVector small = z.fma(T0, T1).fma(z, VT2).fma(z, VT3).fma(z, VT4).mul(z).fma(x, x);
        // larger |x|: 1 − 2/(e^{2|x|} + 1), with x's sign
        FloatVector large = ONE.sub(TWO.div(exp(a.add(a)).add(1f)));
        large = large.blend(1f, a.compare(VectorOperators.GE, TANH_ONE));
        large = large.blend(large.neg(), x.lt(0f));
        return large.blend(small, a.lt(TANH_SMALL));
    }

    public static float tanh(float x) {
        float a = Math.abs(x);
        if (a < TANH_SMALL) {
            float z = x * x;
            return Math.fma(Math.fma(Math.fma(Math.fma(Math.fma(z, T0, T1), z, T2), z, T3), z, T4) * z, x, x);
        }
        float large = a >= TANH_ONE ? 1f : 1f - 2f / (exp(a + a) + 1f);
        return x < 0f ? -large : large;
    }
}
