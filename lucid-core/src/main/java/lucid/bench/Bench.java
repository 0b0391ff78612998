package lucid.bench;

import lucid.generate.Session;
import lucid.model.Model;
import lucid.tensor.WorkerPool;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Consumer;

/**
 * llama-bench's two measurements, with its definitions:
 * <ul>
 *   <li><b>pp N</b> (prompt processing): N tokens (BOS, then random ids) evaluated as a batch into an
 *       empty cache, logits for the last token only; t/s = N / time.</li>
 *   <li><b>tg N</b> (text generation): N tokens (BOS, then random ids) evaluated one at a time from an
 *       empty cache, each computing its logits; t/s = N / time.</li>
 * </ul>
 * Sampling and tokenization are excluded. Each test runs once untimed (warm-up), then
 * {@code repetitions} times; the result is the mean and sample standard deviation of t/s.
 */
public final class Bench {
    private Bench() {}

    /** One test's result: t/s of each repetition and their mean and standard deviation. */
    public record Result(String test, int threads, int promptTokens, int generatedTokens, double[] samples) {
        public double mean() {
            double s = 0;
            for (double v : samples) {
                s += v;
            }
            return s / samples.length;
        }

        public double stddev() {
            if (samples.length < 2) {
                return 0;
            }
            double m = mean();
            double s = 0;
            for (double v : samples) {
                s += (v - m) * (v - m);
            }
            return Math.sqrt(s / (samples.length - 1));
        }
    }

    /**
     * @param promptSizes pp tests to run (0 entries skip them)
     * @param genSizes    tg tests to run
     * @param threads     thread counts, each with its own worker pool
     * @param progress    receives a line per finished test
     */
    public static List<Result> run(Model model, List<Integer> promptSizes, List<Integer> genSizes, List<Integer> threads,
                                   int repetitions, lucid.model.CacheType cacheType, Consumer<Result> progress) {
        return run(model, promptSizes, genSizes, threads, repetitions, cacheType, true, progress);
    }

    /**
     * @param kvCache false: each tg step reruns every earlier token instead of reading the KV cache
     *                (what generation costs without one: quadratic in the length)
     */
    public static List<Result> run(Model model, List<Integer> promptSizes, List<Integer> genSizes, List<Integer> threads,
                                   int repetitions, lucid.model.CacheType cacheType, boolean kvCache, Consumer<Result> progress) {
        List<Result> results = new ArrayList<>();
        for (int t : threads) {
            try (WorkerPool pool = new WorkerPool(t)) {
                for (int p : promptSizes) {
                    if (p > 0) {
                        Result r = measure(model, pool, "pp" + p, p, 0, repetitions, true, cacheType, true);
                        results.add(r);
                        progress.accept(r);
                    }
                }
                for (int g : genSizes) {
                    if (g > 0) {
                        Result r = measure(model, pool, "tg" + g, 0, g, repetitions, false, cacheType, kvCache);
                        results.add(r);
                        progress.accept(r);
                    }
                }
            }
        }
        return results;
    }

    private static Result measure(Model model, WorkerPool pool, String name, int prompt, int generate, int repetitions, boolean batch,
                                  lucid.model.CacheType cacheType, boolean kvCache) {
        int n = batch ? prompt : generate;
        int[] tokens = randomTokens(model, n);
        Session session = model.newSession(n, pool, cacheType);
        double[] samples = new double[repetitions];
        for (int rep = -1; rep < repetitions; rep++) { // rep -1: warm-up
            session.reset();
            long start = System.nanoTime();
            if (batch) {
                session.evaluate(tokens);
            } else if (kvCache) {
                for (int token : tokens) {
                    session.evaluate(token);
                }
            } else {
                for (int i = 1; i <= tokens.length; i++) { // step i: the whole prefix again, from an empty cache
                    session.reset();
                    session.evaluate(java.util.Arrays.copyOf(tokens, i));
                }
            }
            long nanos = System.nanoTime() - start;
            if (rep >= 0) {
                samples[rep] = n * 1e9 / nanos;
            }
        }
        return new Result(name, pool.threads(), prompt, generate, samples);
    }

    /** The cost of one step at a position: with the KV cache, and recomputing the whole prefix without it. */
    public record CurvePoint(int position, double withCacheMillis, double withoutCacheMillis) {}

    /**
     * Per-step cost at several positions up to {@code maxPosition}: with a KV cache a step reads
     * the cache (cost grows slowly with the position); without one it reruns every earlier token
     * (cost grows linearly per step, quadratically per sequence). Each point is the best of
     * {@code repetitions} runs.
     */
    public static List<CurvePoint> curve(Model model, WorkerPool pool, int maxPosition, int points, int repetitions,
                                         lucid.model.CacheType cacheType, Consumer<CurvePoint> progress) {
        int[] tokens = randomTokens(model, maxPosition + 1);
        Session session = model.newSession(maxPosition + 1, pool, cacheType);
        List<CurvePoint> curve = new ArrayList<>();
        for (int k = 0; k < points; k++) {
            int position = points == 1 ? maxPosition : (int) Math.round((double) maxPosition * k / (points - 1));
            double with = Double.MAX_VALUE;
            double without = Double.MAX_VALUE;
            for (int rep = -1; rep < repetitions; rep++) { // rep -1: warm-up
                session.reset();
                if (position > 0) {
                    session.evaluate(java.util.Arrays.copyOf(tokens, position));
                }
                long start = System.nanoTime();
                session.evaluate(tokens[position]);
                double stepMillis = (System.nanoTime() - start) / 1e6;
                session.reset();
                start = System.nanoTime();
                session.evaluate(java.util.Arrays.copyOf(tokens, position + 1));
                double recomputeMillis = (System.nanoTime() - start) / 1e6;
                if (rep >= 0) {
                    with = Math.min(with, stepMillis);
                    without = Math.min(without, recomputeMillis);
                }
            }
            CurvePoint point = new CurvePoint(position, with, without);
            curve.add(point);
            progress.accept(point);
        }
        return curve;
    }

    /** BOS (when the model has one), then random ids, as llama-bench feeds them. */
    static int[] randomTokens(Model model, int n) {
        SplittableRandom random = new SplittableRandom(1234);
        int vocab = model.config().vocabularySize();
        int bos = model.tokenizer().vocabulary().bosId();
        int[] tokens = new int[n];
        for (int i = 0; i < n; i++) {
            tokens[i] = i == 0 && bos >= 0 ? bos : random.nextInt(vocab);
        }
        return tokens;
    }
}
