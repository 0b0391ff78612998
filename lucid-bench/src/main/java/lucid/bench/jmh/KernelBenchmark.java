package lucid.bench.jmh;

import lucid.tensor.GgmlType;
import lucid.tensor.MatMul;
import lucid.tensor.Tensor;
import lucid.tensor.WeightFormat;
import lucid.tensor.WeightMatrix;
import lucid.tensor.WorkerPool;
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
 * The kernels per weight type, single-threaded: a matrix-vector product over a 4096 × 4096 matrix
 * (the decode hot loop; compare with memory bandwidth: bytes of the matrix / time) and a 2048 ×
 * 2048 matrix times 512 tokens (prompt processing; compare with FMA throughput).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
public class KernelBenchmark {
    @Param({"F32", "F16", "BF16", "Q8_0", "Q4_0", "Q4_1", "Q5_0", "Q5_1", "Q2_K", "Q3_K", "Q4_K", "Q5_K", "Q6_K"})
    String type;

    private Arena arena;
    private WeightMatrix vectorMatrix;
    private WeightMatrix batchMatrix;
    private float[] x;
    private float[] out;
    private float[] batch;
    private float[] batchOut;
    private WorkerPool pool;
    private MatMul matMul;

    private WeightMatrix matrix(int rows, int cols, SplittableRandom random) {
        GgmlType t = GgmlType.valueOf(type);
        MemorySegment data = arena.allocate(t.bytesFor((long) rows * cols), 64);
        float[] row = new float[cols];
        for (int r = 0; r < rows; r++) {
            for (int i = 0; i < cols; i++) {
                row[i] = (float) (random.nextDouble() * 2 - 1);
            }
            WeightFormat.of(t).quantize(row, 0, cols, data, r * t.bytesFor(cols));
        }
        return new WeightMatrix(new Tensor("w", t, new long[] {cols, rows}, data));
    }

    @Setup(Level.Trial)
    public void setUp() {
        arena = Arena.ofShared();
        SplittableRandom random = new SplittableRandom(5);
        vectorMatrix = matrix(4096, 4096, random);
        batchMatrix = matrix(2048, 2048, random);
        x = new float[4096];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) random.nextDouble();
        }
        out = new float[4096];
        batch = new float[512 * 2048];
        for (int i = 0; i < batch.length; i++) {
            batch[i] = (float) random.nextDouble();
        }
        batchOut = new float[512 * 2048];
        pool = new WorkerPool(1);
        matMul = new MatMul(pool, 2048);
    }

    @Benchmark
    public float matVec4096() {
        vectorMatrix.multiplyRows(x, out, 0, vectorMatrix.rows());
        return out[7];
    }

    @Benchmark
    public float matMul2048x512() {
        matMul.multiply(batchMatrix, batch, 512, batchOut);
        return batchOut[7];
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        pool.close();
        arena.close();
    }
}
