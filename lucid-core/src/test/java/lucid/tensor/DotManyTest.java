package lucid.tensor;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

import java.lang.foreign.MemorySegment;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@link WeightFormat#dotMany} gives every vector exactly the bits {@link WeightFormat#dot} gives
 * it alone, for every format, 1 to 8 vectors and awkward sizes and offsets: a sequence's logits
 * must not depend on the sequences it is batched with. Run at 16 lanes, 8 lanes and scalar (see
 * lucid-core's pom).
 */
class DotManyTest {
    static final int MAX_VECTORS = 8;

    record Case(GgmlType type, int n, long byteOffset, int xOffset, int xStride, int outStride) {
        WeightFormat format() {
            return WeightFormat.of(type);
        }

        @Override
        public String toString() {
            return type + " n=" + n + " at byte " + byteOffset + ", x at " + xOffset + " stride " + xStride + ", out stride " + outStride;
        }
    }

    static List<Case> cases() {
        List<Case> cases = new ArrayList<>();
        for (GgmlType type : GgmlType.values()) {
            if (!type.isSupported()) {
                continue;
            }
            int[] sizes = type.blockSize == 1 ? new int[] {1, 7, 16, 33, 100, 4099} : new int[] {1, 3, 8};
            for (int size : sizes) {
                int n = size * type.blockSize;
                cases.add(new Case(type, n, 0, 0, n, 1));
                cases.add(new Case(type, n, 5, 3, n + 7, 3));   // odd offsets and gaps between the vectors
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
    void everyVectorGetsTheBitsOfItsOwnDot(Case c) {
        TestData.Rng r = TestData.rng("dotMany " + c);
        MemorySegment w = TestData.randomWeights(r, c.type(), c.n(), c.byteOffset());
        float[] x = TestData.activations(r, c.xOffset() + MAX_VECTORS * c.xStride());
        for (int k = 1; k <= MAX_VECTORS; k++) {
            check(c, w, x, k, r);
        }
    }

    private static void check(Case c, MemorySegment w, float[] x, int k, TestData.Rng r) {
        int outOffset = 2;
        float[] out = new float[outOffset + k * c.outStride() + 1];
        java.util.Arrays.fill(out, Float.NaN);
        c.format().dotMany(w, c.byteOffset(), x, c.xOffset(), c.xStride(), k, c.n(), out, outOffset, c.outStride());
        for (int t = 0; t < k; t++) {
            float alone = c.format().dot(w, c.byteOffset(), x, c.xOffset() + t * c.xStride(), c.n());
            assertThat(Float.floatToRawIntBits(out[outOffset + t * c.outStride()]))
                    .as("%s, vector %d of %d: %s vs %s alone, %s", c, t, k, out[outOffset + t * c.outStride()], alone, r)
                    .isEqualTo(Float.floatToRawIntBits(alone));
        }
        // nothing outside the k outputs is written
        for (int i = 0; i < out.length; i++) {
            boolean output = i >= outOffset && (i - outOffset) % c.outStride() == 0 && (i - outOffset) / c.outStride() < k;
            if (!output) {
                assertThat(out[i]).as("%s, k=%d: out[%d] was written", c, k, i).isNaN();
            }
        }
    }

    /**
     * As {@link WeightFormatKernelsTest#kernelsGiveTheSameBitsOnceJitCompiled}: the kernels run long
     * enough for C2 to compile them, and the compiled code must still give dot's bits.
     */
    @ParameterizedTest
    @EnumSource(names = {"F32", "F16", "BF16", "Q8_0", "Q4_0", "Q4_K", "Q6_K"})
    void compiledKernelsStillGiveTheBitsOfDot(GgmlType type) {
        TestData.Rng r = TestData.rng("jit dotMany " + type);
        int n = type.blockSize == 1 ? 77 : 3 * type.blockSize;
        WeightFormat format = WeightFormat.of(type);
        MemorySegment w = TestData.randomWeights(r, type, n, 1);
        float[] x = TestData.activations(r, MAX_VECTORS * n);
        float[] alone = new float[MAX_VECTORS];
        for (int t = 0; t < MAX_VECTORS; t++) {
            alone[t] = format.dot(w, 1, x, t * n, n);
        }
        float[] out = new float[MAX_VECTORS];
        for (int iteration = 0; iteration < 20_000; iteration++) {
            int k = 1 + iteration % MAX_VECTORS;
            format.dotMany(w, 1, x, 0, n, k, n, out, 0, 1);
            for (int t = 0; t < k; t++) {
                if (Float.floatToRawIntBits(out[t]) != Float.floatToRawIntBits(alone[t])) {
                    assertThat(out[t]).as("%s iteration %d, vector %d of %d, %s", type, iteration, t, k, r).isEqualTo(alone[t]);
                }
            }
        }
    }

    /**
     * Several formats in one JVM (as in a real model: Q4_K beside Q6_K, F32, ...) share the
     * dotManyRows driver, whose call to the kernels is then polymorphic: once compiled, a
     * multi-row product must still allocate nothing (a boxed vector would be garbage per row).
     */
    @org.junit.jupiter.api.Test
    void productsOfSeveralFormatsAllocateNothingOnceCompiled() {
        GgmlType[] types = {GgmlType.F32, GgmlType.F16, GgmlType.BF16, GgmlType.Q8_0, GgmlType.Q4_0, GgmlType.Q4_K, GgmlType.Q6_K};
        int rows = 40;
        int cols = 2048;
        int k = 4;
        TestData.Rng r = TestData.rng("mixed dotManyRows");
        MemorySegment[] weights = new MemorySegment[types.length];
        for (int f = 0; f < types.length; f++) {
            weights[f] = TestData.randomWeights(r, types[f], rows * cols, 0);
        }
        float[] x = TestData.activations(r, k * cols);
        float[] out = new float[k * rows];
        var threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long id = Thread.currentThread().threadId();
        long best = Long.MAX_VALUE;
        for (int round = 0; round < 60 && best > 0; round++) { // the best round: late JIT compilations allocate too
            long before = threads.getThreadAllocatedBytes(id);
            for (int i = 0; i < 50; i++) {
                for (int f = 0; f < types.length; f++) {
                    WeightFormat.of(types[f]).dotManyRows(weights[f], 0, types[f].bytesFor(cols), rows, x, 0, cols, k, cols,
                            out, 0, rows);
                }
            }
            best = Math.min(best, threads.getThreadAllocatedBytes(id) - before);
        }
        assertThat(best).as("bytes allocated by 50 rounds of products in 7 formats").isLessThan(1024);
    }
}
