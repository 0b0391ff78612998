package lucid.tensor;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/** The batched product against a float64 reference, for every weight type and awkward sizes. */
class MatMulTest {

    @ParameterizedTest
    @EnumSource(value = GgmlType.class, names = {"F32", "F16", "BF16", "Q8_0", "Q4_0", "Q4_1", "Q5_0", "Q5_1", "Q2_K", "Q3_K", "Q4_K", "Q5_K", "Q6_K"})
    void batchedProductMatchesFloat64(GgmlType type) {
        long seed = System.nanoTime();
        Random random = new Random(seed);
        int[][] shapes = {{7, 32, 1}, {9, 64, 5}, {13, 96, 11}, {4, 160, 4}, {33, 128, 64}};
        try (Arena arena = Arena.ofShared(); WorkerPool pool = new WorkerPool(2)) {
            for (int[] shape : shapes) {
                int rows = shape[0];
                // float types: a ragged vector tail too; K-quants: whole super-blocks of 256
                int cols = type.blockSize == 1 ? shape[1] + 3 : type.blockSize == 256 ? 256 * (1 + shape[1] / 64) : shape[1];
                int n = shape[2];
                float[] w = new float[rows * cols];
                for (int i = 0; i < w.length; i++) {
                    w[i] = (float) random.nextGaussian();
                }
                MemorySegment data = arena.allocate(type.bytesFor((long) rows * cols));
                for (int r = 0; r < rows; r++) {
                    WeightFormat.of(type).quantize(w, r * cols, cols, data, r * type.bytesFor(cols));
                }
                WeightMatrix matrix = new WeightMatrix(new Tensor("w", type, new long[] {cols, rows}, data));
                float[] x = new float[n * cols];
                for (int i = 0; i < x.length; i++) {
                    x[i] = (float) random.nextGaussian();
                }
                float[] out = new float[n * rows];
                new MatMul(pool, 1024).multiply(matrix, x, n, out);
                double[] expected = new double[n * rows];
                MatMul.multiplyReference(matrix, x, n, expected);
                for (int i = 0; i < out.length; i++) {
                    assertThat((double) out[i]).as("seed %d, shape %d×%d, n %d, element %d", seed, rows, cols, n, i)
                            .isCloseTo(expected[i], org.assertj.core.api.Assertions.within(1e-4 * Math.sqrt(cols) + 1e-5 * Math.abs(expected[i])));
                }
                // each token's row equals the single-vector product to rounding
                float[] single = new float[rows];
                for (int t = 0; t < n; t++) {
                    float[] xt = java.util.Arrays.copyOfRange(x, t * cols, (t + 1) * cols);
                    matrix.multiplyRows(xt, single, 0, rows);
                    for (int r = 0; r < rows; r++) {
                        assertThat(out[t * rows + r]).isCloseTo(single[r], org.assertj.core.api.Assertions.within((float) (1e-4 * Math.sqrt(cols))));
                    }
                }
            }
        }
    }
}
