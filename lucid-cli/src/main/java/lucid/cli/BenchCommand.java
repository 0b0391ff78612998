package lucid.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import lucid.LucidException;
import lucid.bench.Bench;
import lucid.model.Model;
import lucid.model.ModelConfig;
import lucid.model.SyntheticModels;
import lucid.tensor.GgmlType;
import lucid.tensor.Vectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** {@code lucid bench}: prompt-processing and generation speed, as llama-bench measures them. */
@Command(name = "bench",
        mixinStandardHelpOptions = true,
        header = "Measure prompt and generation speed (llama-bench style).",
        description = "Measure speed with llama-bench's definitions: ppN = N prompt tokens evaluated as one batch (logits for the last only), tgN = N tokens generated one at a time; t/s = tokens / second, mean ± sample standard deviation over -r repetitions after one warm-up. Sampling and tokenization are not timed.",
        footerHeading = "%nExamples:%n",
        footer = {
                "  lucid bench -m stories260K",
                "  lucid bench --synthetic llama-1b:q8_0 -p 512 -n 128 -t 1,2 -r 3",
                "  lucid bench -m model.gguf --json > results.json",
                "  lucid bench -m stories260K --curve 1000 -r 3      # O(n) with a KV cache vs O(n²) without",
                "",
                "--synthetic writes a random-weight model of a named shape (" + "tiny, small, llama-1b, llama-7b" + ")",
                "with Lucid's own GGUF writer into ~/.cache/lucid/synthetic and benchmarks it."})
final class BenchCommand extends LucidCommand {
    @Option(names = {"-m", "--model"}, paramLabel = "MODEL", description = "a .gguf file, a Hugging Face model folder or a model name")
    String model;

    @Option(names = "--synthetic", paramLabel = "SHAPE:TYPE", description = "benchmark a random-weight model, e.g. llama-1b:q8_0")
    String synthetic;

    @Option(names = {"-p", "--n-prompt"}, paramLabel = "N[,N...]", split = ",", defaultValue = "512",
            description = "prompt sizes (default: ${DEFAULT-VALUE}; 0 = no pp test)")
    List<Integer> promptSizes;

    @Option(names = {"-n", "--n-gen"}, paramLabel = "N[,N...]", split = ",", defaultValue = "128",
            description = "generation lengths (default: ${DEFAULT-VALUE}; 0 = no tg test)")
    List<Integer> genSizes;

    @Option(names = {"-t", "--threads"}, paramLabel = "N[,N...]", split = ",", description = "thread counts (default: all cores)")
    List<Integer> threads;

    @Option(names = {"-r", "--repetitions"}, paramLabel = "N", defaultValue = "5", description = "timed runs per test (default: ${DEFAULT-VALUE})")
    int repetitions;

    @Option(names = "--mmap", negatable = true, defaultValue = "false", fallbackValue = "true",
            description = "map the file instead of reading it into memory (default: --no-mmap)")
    boolean mmap;

    @Option(names = "--cache-type", paramLabel = "TYPE", defaultValue = "f16",
            description = "KV cache storage: f16 (as llama-bench) or f32. Default: ${DEFAULT-VALUE}")
    String cacheType;

    @Option(names = "--json", description = "print a JSON array instead of the table")
    boolean json;

    @Option(names = "--no-kv-cache", description = "tg steps rerun every earlier token instead of reading the KV cache (quadratic cost)")
    boolean noKvCache;

    @Option(names = "--curve", paramLabel = "N",
            description = "instead of pp/tg: the cost of one step at positions 0..N, with the KV cache and recomputing the prefix without it")
    Integer curve;

    @Option(names = "--points", paramLabel = "K", defaultValue = "9", description = "positions measured by --curve (default: ${DEFAULT-VALUE})")
    int points;

    @Override
    public Integer call() throws Exception {
        if ((model == null) == (synthetic == null)) {
            throw new LucidException("give a model with -m or a synthetic one with --synthetic SHAPE:TYPE (one of them)");
        }
        if (repetitions < 1 || repetitions > 1000) {
            throw new LucidException("-r must be between 1 and 1000, got " + repetitions);
        }
        for (int v : promptSizes) {
            check(v, "-p");
        }
        for (int v : genSizes) {
            check(v, "-n");
        }
        List<Integer> threadCounts = threads == null ? List.of(Runtime.getRuntime().availableProcessors()) : threads;
        for (int t : threadCounts) {
            CliChecks.threads(t);
        }
        Path path;
        if (synthetic != null) {
            var spec = SyntheticModels.parse(synthetic);
            console.err().println("lucid: preparing " + synthetic + " in " + SyntheticModels.defaultCache() + " (written once, then reused)");
            path = SyntheticModels.cached(SyntheticModels.defaultCache(), spec.getKey(), spec.getValue(), 1234);
        } else {
            path = lucid.model.ModelLocator.fromEnvironment().resolve(model);
        }
        lucid.model.CacheType.parse(cacheType); // fail early on a bad value
        try (Model m = Model.load(path, mmap ? lucid.gguf.GgufFile.Loading.MMAP : lucid.gguf.GgufFile.Loading.READ)) {
            int longest = Math.max(promptSizes.stream().mapToInt(Integer::intValue).max().orElse(0),
                    genSizes.stream().mapToInt(Integer::intValue).max().orElse(0));
            if (longest > m.config().contextLength()) {
                console.err().printf("lucid: warning: a test of %d tokens is longer than the model's trained context of %d%n",
                        longest, m.config().contextLength());
            }
            if (curve != null) {
                printCurve(m, threadCounts.getFirst());
                return 0;
            }
            String description = describe(m);
            String size = InspectCommand.bytes(m.file().fileSize());
            String params = InspectCommand.count(parameters(m));
            String backend = Vectors.ENABLED ? "Java " + Vectors.F.vectorBitSize() + "-bit" : "Java scalar";
            if (!json) {
                console.out().println("| model                          |       size |     params | backend        | threads | mmap |   test |                  t/s |");
                console.out().println("| ------------------------------ | ---------: | ---------: | -------------- | ------: | ---: | -----: | -------------------: |");
            }
            List<Map<String, Object>> rows = new ArrayList<>();
            Bench.run(m, promptSizes, genSizes, threadCounts, repetitions, lucid.model.CacheType.parse(cacheType), !noKvCache, r -> {
                if (json) {
                    rows.add(jsonRow(r, description, m, path));
                } else {
                    console.out().printf(Locale.ROOT, "| %-30s | %10s | %10s | %-14s | %7d | %4d | %6s | %12.2f ± %5.2f |%n",
                            description, size, params, backend, r.threads(), mmap ? 1 : 0, r.test() + (noKvCache && r.generatedTokens() > 0 ? "*" : ""),
                            r.mean(), r.stddev());
                    console.out().flush();
                }
            });
            if (noKvCache && !json) {
                console.out().println("* without a KV cache: every step reran all earlier tokens");
            }
            if (json) {
                console.out().println(new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(rows));
            }
        }
        return 0;
    }

    private void printCurve(Model m, int threadCount) {
        if (curve < 1 || curve >= m.config().contextLength() * 4 || points < 1 || points > 1000) {
            throw new LucidException("--curve takes a position of at least 1 (and --points 1..1000), got " + curve + " and " + points);
        }
        console.out().printf("%s, %d thread%s: cost of the step at each position (best of %d)%n", describe(m), threadCount,
                threadCount == 1 ? "" : "s", repetitions);
        console.out().println("position | with KV cache (ms) | no KV cache (ms) | ratio");
        try (lucid.tensor.WorkerPool pool = new lucid.tensor.WorkerPool(threadCount)) {
            Bench.curve(m, pool, curve, points, repetitions, lucid.model.CacheType.parse(cacheType), p -> {
                console.out().printf(Locale.ROOT, "%8d | %17.2f | %16.2f | %5.1f×%n", p.position(), p.withCacheMillis(), p.withoutCacheMillis(),
                        p.withoutCacheMillis() / p.withCacheMillis());
                console.out().flush();
            });
        }
    }

    private static void check(int v, String option) {
        if (v < 0 || v > 1_000_000) {
            throw new LucidException(option + " sizes must be between 0 and 1000000, got " + v);
        }
    }

    private Map<String, Object> jsonRow(Bench.Result r, String description, Model m, Path path) {
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("model_filename", path.toString());
        row.put("model_type", description);
        row.put("model_size", m.file().fileSize());
        row.put("model_n_params", parameters(m));
        row.put("backend", Vectors.ENABLED ? "java-vector-" + Vectors.F.vectorBitSize() : "java-scalar");
        row.put("use_mmap", mmap);
        row.put("kv_cache", !noKvCache);
        row.put("test", r.test());
        row.put("threads", r.threads());
        row.put("n_prompt", r.promptTokens());
        row.put("n_gen", r.generatedTokens());
        row.put("avg_ts", r.mean());
        row.put("stddev_ts", r.stddev());
        row.put("samples_ts", r.samples());
        return row;
    }

    /** "llama 1B Q8_0", the way llama-bench names models. */
    static String describe(Model m) {
        ModelConfig c = m.config();
        long params = parameters(m);
        String scale = params >= 1e9 ? String.format(Locale.ROOT, "%.0fB", params / 1e9)
                : params >= 1e6 ? String.format(Locale.ROOT, "%.0fM", params / 1e6) : String.format(Locale.ROOT, "%.0fK", params / 1e3);
        GgmlType type = m.transformer().weights().matrixType();
        return c.architecture() + " " + scale + " " + type;
    }

    static long parameters(Model m) {
        long n = 0;
        for (var t : m.file().tensorInfos()) {
            n += t.elementCount();
        }
        return n;
    }
}
