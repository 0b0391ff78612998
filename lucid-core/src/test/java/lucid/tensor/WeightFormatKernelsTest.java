package lucid.tensor;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * Every kernel of every supported format against a plain reference, on fresh random weights and
 * activations, at awkward sizes and at unaligned offsets.
 *
 * <p>Dot tolerance: |dot − ref| ≤ 1e-5 · Σ|x|·(|w| + |m|), where ref is Σ w·x in float64 and m
 * the block minimum of Q4_1/Q5_1 or the sub-block minimum dmin·m of Q2_K/Q4_K/Q5_K (0
 * elsewhere; the kernels compute d·Σq·x + m·Σx, whose size is bounded by that sum). Float32
 * rounding is ~6e-8 per operation, so this leaves a wide margin while still catching any wrong
 * element.
 */
class WeightFormatKernelsTest {
    static final double DOT_RELATIVE_TOLERANCE = 1e-5;

    record Case(GgmlType type, int n, long byteOffset, int xOffset) {
        WeightFormat format() {
            return WeightFormat.of(type);
        }

        @Override
        public String toString() {
            return type + " n=" + n + " at byte " + byteOffset + ", x at " + xOffset;
        }
    }

    static List<Case> cases() {
        List<Case> cases = new ArrayList<>();
        for (GgmlType type : GgmlType.values()) {
            if (!type.isSupported()) {
                continue;
            }
            int[] sizes = type.blockSize == 1 ? new int[] {1, 5, 17, 100, 4099} : new int[] {1, 3, 7, 33, 128};
            for (int size : sizes) {
                int n = size * type.blockSize;
                cases.add(new Case(type, n, 0, 0));
                cases.add(new Case(type, n, 5, 3));   // odd offsets: nothing may assume alignment
            }
        }
        return cases;
    }

    @BeforeAll
    static void reportVectorShape() {
        System.out.println("Vector API " + (Vectors.ENABLED ? "on, " + Vectors.F.length() + " float lanes" : "off"));
    }

    @ParameterizedTest
    @MethodSource("cases")
    void dequantizeEqualsScalarDequantizeBitForBit(Case c) {
        TestData.Rng r = TestData.rng("dequantize " + c);
        MemorySegment w = TestData.randomWeights(r, c.type(), c.n(), c.byteOffset());
        float[] fast = new float[c.xOffset() + c.n()];
        float[] plain = new float[c.xOffset() + c.n()];
        c.format().dequantize(w, c.byteOffset(), fast, c.xOffset(), c.n());
        c.format().dequantizeScalar(w, c.byteOffset(), plain, c.xOffset(), c.n());
        for (int i = 0; i < fast.length; i++) {
            assertThat(Float.floatToRawIntBits(fast[i])).as("%s element %d, %s", c, i, r)
                    .isEqualTo(Float.floatToRawIntBits(plain[i]));
        }
    }

    @ParameterizedTest
    @MethodSource("cases")
    void scalarDequantizeMatchesIndependentFloat64Decoding(Case c) {
        TestData.Rng r = TestData.rng("layout " + c);
        MemorySegment w = TestData.randomWeights(r, c.type(), c.n(), c.byteOffset());
        float[] out = new float[c.xOffset() + c.n()];
        c.format().dequantizeScalar(w, c.byteOffset(), out, c.xOffset(), c.n());
        double[] expected = TestData.decode64(c.type(), w, c.byteOffset(), c.n()).value();
        for (int i = 0; i < c.n(); i++) {
            // q·d (+ m) in float is the float64 value rounded at most twice.
            double tolerance = 2 * Math.ulp((float) expected[i]) + 1e-30;
            assertThat((double) out[c.xOffset() + i]).as("%s element %d, %s", c, i, r)
                    .isCloseTo(expected[i], within(tolerance));
        }
    }

    @ParameterizedTest
    @MethodSource("cases")
    void dotMatchesFloat64Reference(Case c) {
        checkDot(c, false);
    }

    @ParameterizedTest
    @MethodSource("cases")
    void scalarDotMatchesFloat64Reference(Case c) {
        checkDot(c, true);
    }

    /**
     * The cases above run mostly interpreted; this runs each kernel long enough for C2 to compile it
     * (where the Vector API is intrinsified) and checks the compiled code gives the first call's
     * bits: results must not depend on JIT timing. (F32's dot still uses reduceLanes, whose order
     * differs between tiers, so it is left out.)
     */
    @ParameterizedTest
    @EnumSource(names = {"F16", "BF16", "Q8_0", "Q4_0", "Q4_1", "Q5_0", "Q5_1", "Q2_K", "Q3_K", "Q4_K", "Q5_K", "Q6_K"})
    void kernelsGiveTheSameBitsOnceJitCompiled(GgmlType type) {
        TestData.Rng r = TestData.rng("jit " + type);
        int n = type.blockSize == 1 ? 77 : 3 * type.blockSize;
        WeightFormat format = WeightFormat.of(type);
        MemorySegment w = TestData.randomWeights(r, type, n, 1);
        float[] x = TestData.activations(r, n);
        float[] first = new float[n];
        float[] out = new float[n];
        format.dequantize(w, 1, first, 0, n);
        float firstDot = format.dot(w, 1, x, 0, n);
        for (int iteration = 0; iteration < 30_000; iteration++) {
            float dot = format.dot(w, 1, x, 0, n);
            format.dequantize(w, 1, out, 0, n);
            if (Float.floatToRawIntBits(dot) != Float.floatToRawIntBits(firstDot) || !Arrays.equals(out, first)) {
                assertThat(dot).as("%s iteration %d, %s", type, iteration, r).isEqualTo(firstDot);
                assertThat(out).as("%s iteration %d, %s", type, iteration, r).containsExactly(first);
            }
        }
    }

    private static void checkDot(Case c, boolean scalar) {
        TestData.Rng r = TestData.rng((scalar ? "dotScalar " : "dot ") + c);
        MemorySegment w = TestData.randomWeights(r, c.type(), c.n(), c.byteOffset());
        float[] x = TestData.activations(r, c.xOffset() + c.n());
        TestData.Decoded ref = TestData.decode64(c.type(), w, c.byteOffset(), c.n());
        double expected = 0;
        double size = 0;
        for (int i = 0; i < c.n(); i++) {
            double xi = x[c.xOffset() + i];
            expected += ref.value()[i] * xi;
            size += Math.abs(xi) * (Math.abs(ref.value()[i]) + Math.abs(ref.min()[i]));
        }
        float actual = scalar
                ? c.format().dotScalar(w, c.byteOffset(), x, c.xOffset(), c.n())
                : c.format().dot(w, c.byteOffset(), x, c.xOffset(), c.n());
        assertThat((double) actual).as("%s, %s", c, r)
                .isCloseTo(expected, within(DOT_RELATIVE_TOLERANCE * size + 1e-30));
    }
}
