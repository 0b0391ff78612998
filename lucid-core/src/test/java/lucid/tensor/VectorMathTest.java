package lucid.tensor;

import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** The activation kernels against scalar and float64 references on random inputs of awkward sizes. */
class VectorMathTest {
    private static final int[] SIZES = {1, 3, 8, 15, 16, 17, 63, 100, 1000};

    private static float[] random(Random r, int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = (float) r.nextGaussian();
        }
        return a;
    }

    @Test
    void dotMatchesFloat64Reference() {
        Random r = new Random(21);
        for (int n : SIZES) {
            float[] a = random(r, n + 5);
            float[] b = random(r, n + 3);
            double exact = 0;
            double magnitude = 0;
            for (int i = 0; i < n; i++) {
                exact += (double) a[5 + i] * b[3 + i];
                magnitude += Math.abs((double) a[5 + i] * b[3 + i]);
            }
            double tolerance = 1e-6 * magnitude + 1e-7;
            assertThat((double) VectorMath.dot(a, 5, b, 3, n)).as("n=%d", n).isCloseTo(exact, within(tolerance));
            assertThat((double) VectorMath.dotScalar(a, 5, b, 3, n)).isCloseTo(exact, within(tolerance));
        }
    }

    @Test
    void addScaledAndAddMatchScalarLoops() {
        Random r = new Random(22);
        for (int n : SIZES) {
            float[] out = random(r, n + 2);
            float[] x = random(r, n + 4);
            float s = (float) r.nextGaussian();
            float[] expected = out.clone();
            for (int i = 0; i < n; i++) {
                expected[2 + i] = Math.fma(x[4 + i], s, expected[2 + i]);
            }
            VectorMath.addScaled(out, 2, s, x, 4, n);
            assertThat(out).containsExactly(expected);

            float[] a = random(r, n);
            float[] b = random(r, n);
            float[] sum = a.clone();
            VectorMath.add(sum, b, n);
            for (int i = 0; i < n; i++) {
                assertThat(sum[i]).isEqualTo(a[i] + b[i]);
            }
        }
    }

    @Test
    void rmsNormMatchesScalarTwinAndFloat64() {
        Random r = new Random(23);
        try (Arena arena = Arena.ofConfined()) {
            for (int n : SIZES) {
                float[] x = random(r, n + 1);
                float[] w = random(r, n);
                MemorySegment weight = arena.allocate(4L * n);
                F32Format.INSTANCE.quantize(w, 0, n, weight, 0);
                float[] fast = new float[n];
                float[] scalar = new float[n];
                VectorMath.rmsNorm(fast, x, 1, weight, n, 1e-5f);
                VectorMath.rmsNormScalar(scalar, x, 1, weight, n, 1e-5f);
                assertThat(fast).containsExactly(scalar);
                double ss = 0;
                for (int i = 0; i < n; i++) {
                    ss += (double) x[1 + i] * x[1 + i];
                }
                double scale = 1 / Math.sqrt(ss / n + 1e-5);
                for (int i = 0; i < n; i++) {
                    double expected = x[1 + i] * scale * w[i];
                    assertThat((double) fast[i]).isCloseTo(expected, within(1e-5 * Math.abs(expected) + 1e-6));
                }
            }
        }
    }

    private static MemorySegment f32(Arena arena, float[] values) {
        MemorySegment segment = arena.allocate(4L * Math.max(1, values.length));
        F32Format.INSTANCE.quantize(values, 0, values.length, segment, 0);
        return segment;
    }

    @Test
    void layerNormMatchesScalarTwinAndFloat64() {
        Random r = new Random(27);
        try (Arena arena = Arena.ofConfined()) {
            for (int n : SIZES) {
                float[] x = random(r, n + 2);
                for (int i = 0; i < x.length; i++) {
                    x[i] = x[i] * 3 + 5; // an offset the mean must remove
                }
                float[] w = random(r, n);
                float[] b = random(r, n);
                MemorySegment weight = f32(arena, w);
                MemorySegment bias = f32(arena, b);
                float[] fast = new float[n + 1];
                float[] scalar = new float[n + 1];
                VectorMath.layerNorm(fast, 1, x, 2, weight, bias, n, 1e-5f);
                VectorMath.layerNormScalar(scalar, 1, x, 2, weight, bias, n, 1e-5f);
                assertThat(fast).containsExactly(scalar);
                double mean = 0;
                for (int i = 0; i < n; i++) {
                    mean += x[2 + i];
                }
                mean /= n;
                double variance = 0;
                for (int i = 0; i < n; i++) {
                    variance += (x[2 + i] - mean) * (x[2 + i] - mean);
                }
                double scale = 1 / Math.sqrt(variance / n + 1e-5);
                for (int i = 0; i < n; i++) {
                    double expected = (x[2 + i] - mean) * scale * w[i] + b[i];
                    assertThat((double) fast[1 + i]).as("n=%d i=%d", n, i).isCloseTo(expected, within(1e-5 * (Math.abs(expected) + Math.abs(b[i])) + 1e-5));
                }
            }
        }
    }

    @Test
    void addBiasAddsTheStoredVector() {
        Random r = new Random(28);
        try (Arena arena = Arena.ofConfined()) {
            for (int n : SIZES) {
                float[] b = random(r, n);
                MemorySegment bias = f32(arena, b);
                float[] x = random(r, n + 3);
                float[] fast = x.clone();
                float[] scalar = x.clone();
                VectorMath.addBias(fast, 3, bias, n);
                VectorMath.addBiasScalar(scalar, 3, bias, n);
                assertThat(fast).containsExactly(scalar);
                for (int i = 0; i < n; i++) {
                    assertThat(fast[3 + i]).isEqualTo(x[3 + i] + b[i]);
                }
                assertThat(fast[0]).isEqualTo(x[0]);
            }
        }
    }

    private static double geluReference(double x) {
        return 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x * x * x)));
    }

    @Test
    void geluAndGegluMatchScalarTwinsAndFloat64() {
        Random r = new Random(29);
        for (int n : SIZES) {
            float[] x = random(r, n + 1);
            for (int i = 0; i < x.length; i++) {
                x[i] *= 4; // reach both tails
            }
            float[] fast = x.clone();
            float[] scalar = x.clone();
            VectorMath.gelu(fast, 1, n);
            VectorMath.geluScalar(scalar, 1, n);
            assertThat(fast[0]).isEqualTo(x[0]);
            for (int i = 0; i < n; i++) {
                double expected = geluReference(x[1 + i]);
                assertThat((double) scalar[1 + i]).isCloseTo(expected, within(1e-6 * Math.abs(expected) + 1e-6));
                assertThat((double) fast[1 + i]).as("n=%d x=%f", n, x[1 + i]).isCloseTo(expected, within(1e-6 * Math.abs(expected) + 1e-6));
            }
            float[] gate = random(r, n);
            float[] up = random(r, n);
            float[] g1 = gate.clone();
            float[] g2 = gate.clone();
            VectorMath.geglu(g1, up, n);
            VectorMath.gegluScalar(g2, up, n);
            for (int i = 0; i < n; i++) {
                double expected = geluReference(gate[i]) * up[i];
                assertThat((double) g2[i]).isCloseTo(expected, within(1e-6 * Math.abs(expected) + 1e-6));
                assertThat((double) g1[i]).isCloseTo(expected, within(1e-6 * Math.abs(expected) + 1e-6));
            }
        }
    }

    @Test
    void llamaCppGeluIsTheF16TableOfTheRoundedInput() {
        Random r = new Random(31);
        float[] x = random(r, 1000);
        for (int i = 0; i < x.length; i++) {
            x[i] *= 6;
        }
        x[0] = -12f;
        x[1] = 11f;
        float[] up = random(r, 1000);
        float[] plain = x.clone();
        float[] gated = x.clone();
        ActivationRounding.geluLikeLlamaCpp(plain, 0, x.length, null, 0);
        ActivationRounding.geluLikeLlamaCpp(gated, 0, x.length, up, 0);
        assertThat(plain[0]).isZero();
        assertThat(plain[1]).isEqualTo(11f);
        for (int i = 2; i < x.length; i++) {
            assertThat(gated[i]).isEqualTo(plain[i] * up[i]);
            if (Math.abs(x[i]) >= 10) {
                assertThat(plain[i]).isEqualTo(x[i] > 0 ? x[i] : 0f);
                continue;
            }
            float h = Float.float16ToFloat(Float.floatToFloat16(x[i]));
            assertThat(Float.float16ToFloat(Float.floatToFloat16(plain[i]))).as("an F16 value").isEqualTo(plain[i]);
            double expected = geluReference(h);
            assertThat((double) plain[i]).isCloseTo(expected, within(Math.abs(expected) / 1024 + 1e-6));
        }
    }

    @Test
    void softCapKeepsValuesInsideTheCapAndMatchesFloat64() {
        Random r = new Random(30);
        for (int n : SIZES) {
            float[] x = random(r, n + 2);
            for (int i = 0; i < x.length; i++) {
                x[i] *= 40;
            }
            float[] fast = x.clone();
            float[] scalar = x.clone();
            VectorMath.softCap(fast, 2, n, 30f);
            VectorMath.softCapScalar(scalar, 2, n, 30f);
            assertThat(fast[1]).isEqualTo(x[1]);
            for (int i = 0; i < n; i++) {
                double expected = 30 * Math.tanh(x[2 + i] / 30.0);
                assertThat((double) scalar[2 + i]).isCloseTo(expected, within(3e-6 * Math.abs(expected) + 1e-6));
                assertThat((double) fast[2 + i]).isCloseTo(expected, within(3e-6 * Math.abs(expected) + 1e-6));
                assertThat(Math.abs(fast[2 + i])).isLessThanOrEqualTo(30f);
            }
        }
    }

    @Test
    void softmaxSumsToOneAndMatchesFloat64EvenForHugeLogits() {
        Random r = new Random(24);
        for (int n : new int[] {1, 3, 8, 15, 16, 17, 63, 100, 1000, 4099}) {
            for (boolean vector : new boolean[] {true, false}) {
                float[] x = random(r, n + 2);
                for (int i = 0; i < x.length; i++) {
                    x[i] = x[i] * 30 + 1000; // exp would overflow without the max shift
                }
                float[] original = x.clone();
                if (vector) {
                    VectorMath.softmax(x, 2, n);
                } else {
                    VectorMath.softmaxScalar(x, 2, n);
                }
                double max = Double.NEGATIVE_INFINITY;
                for (int i = 0; i < n; i++) {
                    max = Math.max(max, original[2 + i]);
                }
                double sum = 0;
                for (int i = 0; i < n; i++) {
                    sum += Math.exp(original[2 + i] - max);
                }
                double total = 0;
                for (int i = 0; i < n; i++) {
                    double expected = Math.exp(original[2 + i] - max) / sum;
                    assertThat((double) x[2 + i]).isCloseTo(expected, within(1e-6 * expected + 1e-12));
                    total += x[2 + i];
                }
                assertThat(total).isCloseTo(1.0, within(1e-5));
                assertThat(x[0]).isEqualTo(original[0]);
            }
        }
    }

    @Test
    void halfFloatVariantsMatchFloat64OnTheDecodedHalves() {
        Random r = new Random(26);
        for (int n : SIZES) {
            float[] a = random(r, n + 1);
            short[] h = new short[n + 2];
            for (int i = 0; i < h.length; i++) {
                h[i] = Float.floatToFloat16((float) r.nextGaussian());
            }
            double exact = 0;
            double magnitude = 0;
            for (int i = 0; i < n; i++) {
                double p = (double) a[1 + i] * Float.float16ToFloat(h[2 + i]);
                exact += p;
                magnitude += Math.abs(p);
            }
            assertThat((double) VectorMath.dotHalf(a, 1, h, 2, n)).as("n=%d", n).isCloseTo(exact, within(1e-6 * magnitude + 1e-7));
            float[] out = random(r, n);
            float[] expected = out.clone();
            for (int i = 0; i < n; i++) {
                expected[i] = Math.fma(Float.float16ToFloat(h[2 + i]), 0.75f, expected[i]);
            }
            VectorMath.addScaledHalf(out, 0, 0.75f, h, 2, n);
            assertThat(out).containsExactly(expected);
        }
    }

    @Test
    void weightedRowsGiveTheBitsOfAddScaledPositionByPosition() {
        Random r = new Random(27);
        if (!VectorMath.weightedRowsVectorised()) {
            return; // vectors off: the callers take the addScaled loop
        }
        for (int n : new int[] {1, 3, 8, 15, 16, 17, 32, 64, 80, 100, 128, 256}) {
            int positions = 37;
            int stride = 2 * n + 3;
            float[] w = random(r, positions + 2);
            float[] x = random(r, 5 + positions * stride);
            short[] h = new short[x.length];
            for (int i = 0; i < h.length; i++) {
                h[i] = Float.floatToFloat16(x[i]);
            }
            for (int from : new int[] {0, 4}) {
                float[] expected = new float[n + 2];
                float[] expectedHalf = new float[n + 2];
                float[] expectedRounded = new float[n + 2];
                for (int t = from; t < positions; t++) {
                    VectorMath.addScaled(expected, 1, w[2 + t], x, 5 + t * stride, n);
                    VectorMath.addScaledHalf(expectedHalf, 1, w[2 + t], h, 5 + t * stride, n);
                    VectorMath.addScaledHalf(expectedRounded, 1, Float.float16ToFloat(Float.floatToFloat16(w[2 + t])), h, 5 + t * stride, n);
                }
                float[] got = new float[n + 2];
                float[] gotHalf = new float[n + 2];
                float[] gotRounded = new float[n + 2];
                VectorMath.weightedRows(got, 1, w, 2, x, 5, stride, from, positions, n);
                VectorMath.weightedHalfRows(gotHalf, 1, w, 2, h, 5, stride, from, positions, n, false);
                VectorMath.weightedHalfRows(gotRounded, 1, w, 2, h, 5, stride, from, positions, n, true);
                assertThat(got).as("n=%d from %d", n, from).containsExactly(expected);
                assertThat(gotHalf).as("half n=%d from %d", n, from).containsExactly(expectedHalf);
                assertThat(gotRounded).as("rounded n=%d from %d", n, from).containsExactly(expectedRounded);
            }
        }
    }

    @Test
    void swigluIsSiluOfGateTimesUp() {
        Random r = new Random(25);
        float[] gate = random(r, 37);
        float[] up = random(r, 37);
        float[] g = gate.clone();
        VectorMath.swiglu(g, up, 37);
        for (int i = 0; i < 37; i++) {
            double silu = gate[i] / (1 + Math.exp(-gate[i]));
            assertThat((double) g[i]).isCloseTo(silu * up[i], within(1e-6));
        }
    }
}
