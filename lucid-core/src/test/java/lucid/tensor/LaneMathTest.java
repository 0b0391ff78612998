package lucid.tensor;

import jdk.incubator.vector.FloatVector;
import org.junit.jupiter.api.Test;

import static lucid.tensor.Vectors.F;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@link LaneMath}'s exp and tanh agree with float64 within a few ulp over their whole range,
 * and the vector lanes give exactly the bits of the scalar twins (the reason the class exists:
 * the same value must come out whatever code runs it).
 */
class LaneMathTest {
    static final int COUNT = 200_000;

    /** Random floats spread over [lo, hi), plus the edges and special values. */
    private static float[] inputs(TestData.Rng r, float lo, float hi, float... specials) {
        int n = (COUNT / F.length() + 1) * F.length();
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = lo + (hi - lo) * r.g().nextFloat();
        }
        System.arraycopy(specials, 0, x, 0, specials.length);
        return x;
    }

    private static double ulpError(float got, double expected) {
        return Math.abs(got - expected) / Math.ulp((float) expected);
    }

    @Test
    void expIsWithinTwoUlpAndTheLanesEqualTheScalarBits() {
        TestData.Rng r = TestData.rng("LaneMath.exp");
        float[] x = inputs(r, -87f, 88.3f, 0f, -0f, 1f, -1f, 88.37f, 88.7f, -87.29f, -87.31f, -1000f, 1000f,
                Float.NEGATIVE_INFINITY, Float.NaN, 1e-30f, -1e-30f);
        float[] lanes = new float[x.length];
        for (int i = 0; i < x.length; i += F.length()) {
            LaneMath.exp(FloatVector.fromArray(F, x, i)).intoArray(lanes, i);
        }
        double worst = 0;
        for (int i = 0; i < x.length; i++) {
            float scalar = LaneMath.exp(x[i]);
            assertThat(Float.floatToRawIntBits(lanes[i])).as("exp(%s): lanes vs scalar", x[i]).isEqualTo(Float.floatToRawIntBits(scalar));
            if (Float.isNaN(x[i])) {
                assertThat(scalar).isNaN();
            } else if (x[i] < -87.3f) {
                assertThat(scalar).as("exp(%s)", x[i]).isZero();
            } else if (x[i] <= 88.37f) {
                worst = Math.max(worst, ulpError(scalar, Math.exp(x[i])));
            } else {
                assertThat(scalar).as("exp(%s) saturates, finite", x[i]).isGreaterThan(2e38f).isLessThan(Float.POSITIVE_INFINITY);
            }
        }
        assertThat(worst).as("largest error in ulp").isLessThanOrEqualTo(2.0);
    }

    @Test
    void tanhIsWithinAFewUlpAndTheLanesEqualTheScalarBits() {
        TestData.Rng r = TestData.rng("LaneMath.tanh");
        for (float range : new float[] {0.7f, 12f}) {
            float[] x = inputs(r, -range, range, 0f, -0f, 0.625f, -0.625f, 0.62499994f, 9f, -9f, 50f, -50f,
                    Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.NaN, 1e-30f, -1e-30f);
            float[] lanes = new float[x.length];
            for (int i = 0; i < x.length; i += F.length()) {
                LaneMath.tanh(FloatVector.fromArray(F, x, i)).intoArray(lanes, i);
            }
            double worst = 0;
            for (int i = 0; i < x.length; i++) {
                float scalar = LaneMath.tanh(x[i]);
                assertThat(Float.floatToRawIntBits(lanes[i])).as("tanh(%s): lanes vs scalar", x[i]).isEqualTo(Float.floatToRawIntBits(scalar));
                if (Float.isNaN(x[i])) {
                    assertThat(scalar).isNaN();
                } else {
                    worst = Math.max(worst, ulpError(scalar, Math.tanh(x[i])));
                    assertThat(Math.abs(scalar)).isLessThanOrEqualTo(1f);
                }
            }
            assertThat(worst).as("largest error in ulp within ±%s", range).isLessThanOrEqualTo(4.0);
        }
    }
}
