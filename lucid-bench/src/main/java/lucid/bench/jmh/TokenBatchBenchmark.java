package lucid.bench.jmh;

import lucid.tensor.GgmlType;
import lucid.tensor.Tensor;
import lucid.tensor.WeightFormat;
import lucid.tensor.WeightMatrix;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * A decode step's matrix-vector product for several sequences at once, single-threaded: the
 * tokens one after the other ({@code separate}, k × {@link WeightMatrix#multiplyRows(float[], float[], int, int)})
 * against one pass that decodes each row once for all of them ({@code together}). Shapes of a 1B
 * Llama: 2048 × 2048 (attention) and 2048 × 8192 (the FFN's down projection, whose inputs are 4×
 * longer).
 *
 * {@snippet :
 * scripts/jmh TokenBatchBenchmark -p type=Q8_0 -p tokens=1,4
 * }
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
public class TokenBatchBenchmark {
    @Param({"F32", "F16", "BF16", "Q8_0", "Q4_0", "Q4_K", "Q6_K"})
    String type;

    @Param({"1", "2", "3", "4", "8"})
    int tokens;

    /** rows x cols. */
    @Param({"2048x2048", "2048x8192"})
    String shape;

    private Arena arena;
    private WeightMatrix matrix;
    private float[] x;
    private float[] out;
    private float[] one;
    private float[] result;

    @Setup(Level.Trial)
    public void setUp() {
        arena = Arena.ofShared();
        SplittableRandom random = new SplittableRandom(5);
        String[] dims = shape.split("x");
        int rows = Integer.parseInt(dims[0]);
        int cols = Integer.parseInt(dims[1]);
        GgmlType t = GgmlType.valueOf(type);
        MemorySegment data = arena.allocate(t.bytesFor((long) rows * cols), 64);
        float[] row = new float[cols];
        for (int r = 0; r < rows; r++) {
            for (int i = 0; i < cols; i++) {
                row[i] = (float) (random.nextDouble() * 2 - 1);
            }
            WeightFormat.of(t).quantize(row, 0, cols, data, r * t.bytesFor(cols));
        }
        matrix = new WeightMatrix(new Tensor("w", t, new long[] {cols, rows}, data));
        x = new float[tokens * cols];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) (random.nextDouble() * 2 - 1);
        }
        out = new float[tokens * rows];
        one = new float[cols];
        result = new float[rows];
    }

    @Benchmark
    public float separate() {
        int cols = matrix.cols();
        for (int t = 0; t < tokens; t++) {
            System.arraycopy(x, t * cols, one, 0, cols);
            matrix.multiplyRows(one, result, 0, matrix.rows());
        }
        return result[7];
    }

    @Benchmark
    public float together() {
        matrix.multiplyRows(x, tokens, out, 0, matrix.rows());
        return out[7];
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        arena.close();
    }
}
