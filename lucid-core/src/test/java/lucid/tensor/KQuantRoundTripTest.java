package lucid.tensor;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * K-quant quantize → dequantize. The dequantizer is checked against the quantizer on values
 * that are already on a stored grid (they must come back exactly), and on random data the error
 * is bounded two ways:
 *
 * <ul>
 *   <li>every element comes back as the nearest of the values its sub-block can represent with
 *       the stored scales (ggml recomputes each level from the stored scale and min), up to float
 *       rounding in that last division;</li>
 *   <li>per super-block, the largest error is at most 2 steps and the RMS error at most 0.75 step,
 *       where a step is the super-block's range including 0 over (levels − 1) for Q2_K, Q4_K and
 *       Q5_K (4, 16, 32 levels), and max|x| over half the levels for the symmetric Q3_K, Q6_K (8, 64).
 *       An ideal uniform quantizer has 0.5 and 0.29; ggml's least-squares fits clip outliers, and
 *       6-bit (4-bit for Q2_K) sub-block scales round. On 3 million random super-blocks per format
 *       of the distributions below, the worst seen was 1.47 steps (Q5_K) and 0.63 step RMS (Q5_K,
 *       sparse data); most formats stayed under 1.3 and 0.45.</li>
 * </ul>
 */
class KQuantRoundTripTest {

    private static int levels(GgmlType type) {
        return switch (type) {
            case Q2_K -> 4;
            case Q3_K -> 8;
            case Q4_K -> 16;
            case Q5_K -> 32;
            default -> 64;
        };
    }

    private static boolean symmetric(GgmlType type) {
        return type == GgmlType.Q3_K || type == GgmlType.Q6_K;
    }

    /** A random f16 super-block scale as a float, positive or of either sign. */
    private static float halfScale(TestData.Rng r, boolean signed) {
        float d = Float.float16ToFloat(TestData.scale(r));
        return signed ? d : Math.abs(d);
    }

    /**
     * Random super-blocks whose values are exactly representable: random stored fields, decoded in
     * float as the dequantizer does. They are drawn so that ggml's searches must find these very
     * fields: one sub-block at the largest scale (and min); every sub-block holds the end levels
     * (for the symmetric formats the negative end, which ggml maps to its largest magnitude), and
     * Q2_K sub-blocks hold all four levels and no exact zero, since ggml weights Q2_K errors by |x|:
     * a zero would count for nothing, and levels {0, 3} alone fit a grid of 2 levels just as well.
     */
    private static float[] onGrid(GgmlType type, TestData.Rng r, int blocks) {
        int sub = type == GgmlType.Q4_K || type == GgmlType.Q5_K ? 32 : 16;
        int subBlocks = 256 / sub;
        int top = type == GgmlType.Q2_K ? 15 : 63;   // largest sub-block scale / min code
        int lo = symmetric(type) ? -levels(type) / 2 : 0;
        int hi = symmetric(type) ? levels(type) / 2 - 1 : levels(type) - 1;
        int[] forced = symmetric(type) ? new int[] {lo} : type == GgmlType.Q2_K ? new int[] {0, 1, 2, 3} : new int[] {lo, hi};
        float[] x = new float[256 * blocks];
        for (int b = 0; b < blocks; b++) {
            boolean ok;
            do {   // (Q2_K: drawn again until no value is exactly 0)
                ok = true;
                float d = halfScale(r, symmetric(type));
                float dmin = halfScale(r, false);
                int widest = r.g().nextInt(subBlocks);
                int widestMin = r.g().nextInt(subBlocks);
                for (int s = 0; s < subBlocks; s++) {
                    int end = type == GgmlType.Q6_K ? 128 : 32;
                    int sc = symmetric(type) ? (s == widest ? -end : r.g().nextInt(-end + 1, end))
                            : s == widest ? top : r.g().nextInt(top + 1);
                    int m = symmetric(type) ? 0
                            : s == widestMin ? top : r.g().nextInt(type == GgmlType.Q2_K ? 1 : 0, top + 1);
                    int[] l = new int[sub];
                    for (int i = 0; i < sub; i++) {
                        l[i] = i < forced.length ? forced[i] : r.g().nextInt(lo, hi + 1);
                    }
                    for (int i = 0; i < sub; i++) {   // in a random order
                        int k = r.g().nextInt(i, sub);
                        int t = l[i];
                        l[i] = l[k];
                        l[k] = t;
                        x[256 * b + sub * s + i] = d * sc * l[i] - dmin * m;
                        ok &= type != GgmlType.Q2_K || x[256 * b + sub * s + i] != 0;
                    }
                }
            } while (!ok);
        }
        return x;
    }

    @ParameterizedTest
    @EnumSource(names = {"Q2_K", "Q3_K", "Q4_K", "Q5_K", "Q6_K"})
    void valuesOnTheGridComeBackExactly(GgmlType type) {
        TestData.Rng r = TestData.rng("on grid " + type);
        float[] x = onGrid(type, r, 64);
        float[] back = roundTrip(type, x, null);
        for (int i = 0; i < x.length; i++) {
            assertThat(back[i]).as("%s element %d, %s", type, i, r).isEqualTo(x[i]);
        }
    }

    private static float[] roundTrip(GgmlType type, float[] x, MemorySegment[] stored) {
        MemorySegment seg = Arena.ofAuto().allocate(type.bytesFor(x.length));
        WeightFormat.of(type).quantize(x, 0, x.length, seg, 0);
        float[] back = new float[x.length];
        WeightFormat.of(type).dequantize(seg, 0, back, 0, x.length);
        if (stored != null) {
            stored[0] = seg;
        }
        return back;
    }

    @ParameterizedTest
    @EnumSource(names = {"Q2_K", "Q3_K", "Q4_K", "Q5_K", "Q6_K"})
    void randomDataComesBackAsTheNearestLevelAndWithinTwoSteps(GgmlType type) {
        TestData.Rng r = TestData.rng("round trip " + type);
        int blocks = 16;
        for (int dist = 0; dist < 5; dist++) {
            float[] x = new float[256 * blocks];
            for (int b = 0; b < blocks; b++) {
                double center = r.g().nextDouble(-1, 1);
                double spread = Math.pow(10, r.g().nextDouble(-2.5, 0.5));
                for (int j = 0; j < 256; j++) {
                    double g = r.g().nextGaussian();
                    x[256 * b + j] = (float) switch (dist) {
                        case 0 -> center + spread * r.g().nextDouble(-1, 1);
                        case 1 -> spread * g;
                        case 2 -> spread * g * (r.g().nextInt(50) == 0 ? 10 : 1);   // outliers
                        case 3 -> center + spread * Math.abs(g);                    // one-sided
                        default -> r.g().nextInt(8) == 0 ? spread * g : spread * 1e-3 * g;   // sparse
                    };
                }
            }
            MemorySegment[] stored = new MemorySegment[1];
            float[] back = roundTrip(type, x, stored);
            for (int b = 0; b < blocks; b++) {
                checkSuperBlock(type, x, back, b, stored[0], "distribution " + dist + ", " + r);
            }
        }
    }

    private static void checkSuperBlock(GgmlType type, float[] x, float[] back, int b, MemorySegment seg, String what) {
        long at = (long) b * type.blockBytes;
        double min = 0;
        double max = 0;
        double squares = 0;
        double worst = 0;
        for (int j = 0; j < 256; j++) {
            double xi = x[256 * b + j];
            double error = Math.abs(xi - back[256 * b + j]);
            min = Math.min(min, xi);
            max = Math.max(max, xi);
            squares += error * error;
            worst = Math.max(worst, error);
            double[] level = subBlockLevels(type, seg, at, j);   // {ds, dm, qmin, qmax}: value = ds·q − dm
            double nearest = Double.MAX_VALUE;
            for (int q = (int) level[2]; q <= level[3]; q++) {
                nearest = Math.min(nearest, Math.abs(xi - (level[0] * q - level[1])));
            }
            double slack = 1e-6 * (Math.abs(xi) + Math.abs(level[1]) + Math.abs(level[0]) * levels(type));
            assertThat(error).as("%s super-block %d element %d: x=%s came back as %s, %s", type, b, j, xi,
                    back[256 * b + j], what).isLessThanOrEqualTo(nearest + slack);
        }
        double step = symmetric(type) ? Math.max(-min, max) / (levels(type) / 2) : (max - min) / (levels(type) - 1);
        assertThat(worst).as("%s super-block %d largest error, %s", type, b, what).isLessThanOrEqualTo(2 * step);
        assertThat(Math.sqrt(squares / 256)).as("%s super-block %d RMS error, %s", type, b, what)
                .isLessThanOrEqualTo(0.75 * step);
    }

    /**
     * The values element j's sub-block can represent, read from the layout: {d·sc, dmin·m, lowest
     * q, highest q}, each value being d·sc·q − dmin·m.
     */
    private static double[] subBlockLevels(GgmlType type, MemorySegment seg, long at, int j) {
        return switch (type) {
            case Q2_K -> {
                int sc = TestData.u8(seg, at + j / 16);
                yield new double[] {TestData.half(seg, at + 80) * (sc & 15), TestData.half(seg, at + 82) * (sc >> 4), 0, 3};
            }
            case Q3_K -> new double[] {TestData.half(seg, at + 108) * TestData.q3Scale(seg, at + 96, j / 16), 0, -4, 3};
            case Q4_K, Q5_K -> {
                int[] sm = TestData.scaleMinK4(seg, at + 4, j / 32);
                yield new double[] {TestData.half(seg, at) * sm[0], TestData.half(seg, at + 2) * sm[1], 0,
                        type == GgmlType.Q4_K ? 15 : 31};
            }
            default -> new double[] {TestData.half(seg, at + 208) * seg.get(ValueLayout.JAVA_BYTE, at + 192 + j / 16), 0,
                    -32, 31};
        };
    }
}
