package lucid.model;

import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** Rotary embeddings against float64 formulas, plain and with each context-extension method. */
class RopeTest {
    private static final int DIMS = 64;
    private static final double BASE = 10000;

    private static RopeConfig config(RopeConfig.Scaling scaling, double factor, float[] frequencyFactors) {
        return new RopeConfig(DIMS, BASE, scaling, factor, 2048, 32, 1, 1, 1, 4, frequencyFactors);
    }

    /** Angles of each pair at a position, recovered from the prepared cos/sin (and the magnitude). */
    private static double[][] anglesAndMagnitude(Rope rope, int position) {
        float[] cos = new float[DIMS / 2];
        float[] sin = new float[DIMS / 2];
        rope.prepare(position, cos, sin);
        double[][] out = new double[2][DIMS / 2];
        for (int i = 0; i < DIMS / 2; i++) {
            out[0][i] = Math.atan2(sin[i], cos[i]);
            out[1][i] = Math.hypot(sin[i], cos[i]);
        }
        return out;
    }

    private static double wrap(double angle) {
        return Math.atan2(Math.sin(angle), Math.cos(angle));
    }

    @Test
    void neoxRopeRotatesTheTwoHalvesOfTheRotatedPart() {
        Random r = new Random(32);
        Rope rope = new Rope(RopeConfig.plain(DIMS, BASE), ArchitectureOptions.RopeStyle.NEOX);
        int heads = 2;
        int headSize = DIMS + 16; // partial rotary: the last 16 elements stay
        float[] x = new float[heads * headSize];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) r.nextGaussian();
        }
        float[] original = x.clone();
        int position = 53;
        float[] cos = new float[DIMS / 2];
        float[] sin = new float[DIMS / 2];
        rope.prepare(position, cos, sin);
        rope.rotate(x, heads, headSize, cos, sin);
        int half = DIMS / 2;
        for (int h = 0; h < heads; h++) {
            for (int i = 0; i < half; i++) {
                double angle = position * Math.pow(BASE, -2.0 * i / DIMS);
                double x0 = original[h * headSize + i];
                double x1 = original[h * headSize + i + half];
                assertThat((double) x[h * headSize + i]).isCloseTo(x0 * Math.cos(angle) - x1 * Math.sin(angle), within(1e-5));
                assertThat((double) x[h * headSize + i + half]).isCloseTo(x0 * Math.sin(angle) + x1 * Math.cos(angle), within(1e-5));
            }
            for (int i = DIMS; i < headSize; i++) {
                assertThat(x[h * headSize + i]).isEqualTo(original[h * headSize + i]);
            }
        }
    }

    @Test
    void plainRopeRotatesAdjacentPairsByPositionTimesTheta() {
        Random r = new Random(31);
        Rope rope = new Rope(RopeConfig.plain(DIMS, BASE));
        int heads = 3;
        int headSize = DIMS + 16; // the last 16 elements of each head are not rotated
        float[] x = new float[heads * headSize];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) r.nextGaussian();
        }
        float[] original = x.clone();
        int position = 37;
        float[] cos = new float[DIMS / 2];
        float[] sin = new float[DIMS / 2];
        rope.prepare(position, cos, sin);
        rope.rotate(x, heads, headSize, cos, sin);
        for (int h = 0; h < heads; h++) {
            for (int i = 0; i < DIMS / 2; i++) {
                double angle = position * Math.pow(BASE, -2.0 * i / DIMS);
                double x0 = original[h * headSize + 2 * i];
                double x1 = original[h * headSize + 2 * i + 1];
                assertThat((double) x[h * headSize + 2 * i]).isCloseTo(x0 * Math.cos(angle) - x1 * Math.sin(angle), within(1e-5));
                assertThat((double) x[h * headSize + 2 * i + 1]).isCloseTo(x0 * Math.sin(angle) + x1 * Math.cos(angle), within(1e-5));
            }
            for (int i = DIMS; i < headSize; i++) {
                assertThat(x[h * headSize + i]).isEqualTo(original[h * headSize + i]);
            }
        }
    }

    @Test
    void linearScalingIsPlainRopeAtPositionOverFactor() {
        double[][] scaled = anglesAndMagnitude(new Rope(config(RopeConfig.Scaling.LINEAR, 4, null)), 400);
        for (int i = 0; i < DIMS / 2; i++) {
            double expected = wrap(100 * Math.pow(BASE, -2.0 * i / DIMS));
            assertThat(wrap(scaled[0][i] - expected)).isCloseTo(0, within(1e-5));
            assertThat(scaled[1][i]).isCloseTo(1, within(1e-6));
        }
    }

    @Test
    void frequencyFactorsDivideEachPairsFrequency() {
        float[] factors = new float[DIMS / 2];
        for (int i = 0; i < factors.length; i++) {
            factors[i] = 1 + i % 5;
        }
        double[][] a = anglesAndMagnitude(new Rope(config(RopeConfig.Scaling.NONE, 1, factors)), 9);
        for (int i = 0; i < DIMS / 2; i++) {
            double expected = wrap(9 * Math.pow(BASE, -2.0 * i / DIMS) / factors[i]);
            assertThat(wrap(a[0][i] - expected)).isCloseTo(0, within(1e-5));
        }
    }

    @Test
    void llama3ScalingKeepsHighFrequenciesAndDividesLowOnes() {
        double factor = 8;
        int position = 3;
        double[][] a = anglesAndMagnitude(new Rope(config(RopeConfig.Scaling.LLAMA3, factor, null)), position);
        double highFreqWavelen = 2048 / 4.0;
        double lowFreqWavelen = 2048 / 1.0;
        int kept = 0;
        int divided = 0;
        for (int i = 0; i < DIMS / 2; i++) {
            double freq = Math.pow(BASE, -2.0 * i / DIMS);
            double wavelen = 2 * Math.PI / freq;
            if (wavelen < highFreqWavelen) {
                assertThat(wrap(a[0][i] - wrap(position * freq))).isCloseTo(0, within(1e-5));
                kept++;
            } else if (wavelen > lowFreqWavelen) {
                assertThat(wrap(a[0][i] - wrap(position * freq / factor))).isCloseTo(0, within(1e-5));
                divided++;
            }
        }
        assertThat(kept).isPositive();
        assertThat(divided).isPositive();
    }

    @Test
    void yarnExtrapolatesFastPairsInterpolatesSlowOnesAndScalesMagnitude() {
        double factor = 4;
        int position = 5;
        double[][] a = anglesAndMagnitude(new Rope(config(RopeConfig.Scaling.YARN, factor, null)), position);
        // correction range from beta_fast = 32 and beta_slow = 1 over the original context of 2048
        double low = Math.floor(DIMS * Math.log(2048 / (32 * 2 * Math.PI)) / (2 * Math.log(BASE)));
        double high = Math.ceil(DIMS * Math.log(2048 / (1 * 2 * Math.PI)) / (2 * Math.log(BASE)));
        double magnitude = 1 + 0.1 * Math.log(factor);
        for (int i = 0; i < DIMS / 2; i++) {
            double theta = position * Math.pow(BASE, -2.0 * i / DIMS);
            assertThat(a[1][i]).isCloseTo(magnitude, within(1e-5));
            if (i < low) {
                assertThat(wrap(a[0][i] - wrap(theta))).isCloseTo(0, within(1e-5));
            } else if (i > high) {
                assertThat(wrap(a[0][i] - wrap(theta / factor))).isCloseTo(0, within(1e-5));
            }
        }
    }
}
