package lucid.bench.jmh;

import lucid.generate.GenerationObserver;
import lucid.generate.Session;
import lucid.gguf.GgufFile;
import lucid.model.Model;
import lucid.sampling.SamplerSettings;
import lucid.tensor.GgmlType;
import lucid.tensor.WorkerPool;
import lucid.trace.TraceOptions;
import lucid.trace.TraceRecorder;
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

import java.util.concurrent.TimeUnit;

/**
 * One decode step of a synthetic model (the "small" shape, dim 512, 4 layers) with no observer,
 * with an observer whose methods do nothing, and with the trace recorder (top-N candidates and
 * attention focus). The first two should be equal: with no observer the forward pass only checks
 * a null reference at each hook point.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
public class ForwardBenchmark {
    @Param({"none", "noop", "trace"})
    String observer;

    @Param({"1"})
    int threads;

    private Model model;
    private WorkerPool pool;
    private Session session;
    private int token = 1;
    private TraceRecorder recorder;

    @Setup(Level.Trial)
    public void load() {
        model = Model.load(BenchModels.model("small", GgmlType.Q8_0), GgufFile.Loading.READ);
        pool = new WorkerPool(threads);
        session = model.newSession(4096, pool);
        switch (observer) {
            case "none" -> { }
            case "noop" -> session.setObserver(new GenerationObserver() { });
            case "trace" -> {
                recorder = new TraceRecorder(model, TraceOptions.defaults(), SamplerSettings.greedy(), session);
                recorder.expectPrompt(new int[] {1}, "");
                session.setObserver(recorder);
            }
            default -> throw new IllegalArgumentException(observer);
        }
    }

    @Setup(Level.Iteration)
    public void rewind() {
        session.reset(); // keep positions (and so attention cost) comparable between iterations
        if (recorder != null) {
            recorder.expectPrompt(new int[] {1}, ""); // and drop the steps recorded so far
        }
    }

    @Benchmark
    public float decodeStep() {
        if (session.isFull()) {
            session.reset();
        }
        float[] logits = session.evaluate(token);
        token = (token * 31 + 7) % model.config().vocabularySize();
        if (recorder != null) {
            recorder.onChoice(session.length(), token, null); // record the step as a greedy choice (no sampler distribution)
        }
        return logits[0];
    }

    @TearDown(Level.Trial)
    public void close() {
        pool.close();
        model.close();
    }
}
