package lucid.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import lucid.LucidException;
import lucid.eval.Perplexity;
import lucid.model.Model;
import lucid.tensor.ActivationRounding;
import lucid.tensor.WorkerPool;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** {@code lucid perplexity}: how well a model predicts a text, by llama-perplexity's method. */
@Command(name = "perplexity",
        mixinStandardHelpOptions = true,
        header = "Perplexity and bits per byte of a text.",
        description = "Perplexity of a text, by llama-perplexity's method: the text is cut into chunks of -c tokens, each starts with BOS, and the second half of each chunk is scored. PPL = exp(mean negative log-likelihood), with llama-perplexity's ± estimate, and bits per byte (comparable between tokenizers). --stride scores with a sliding window instead.",
        footerHeading = "%nExamples:%n",
        footer = {
                "  lucid perplexity -m stories260K -f ../shared/text/tinyshakespeare.txt -c 256",
                "  lucid perplexity -m stories260K -f ../shared/text/tinyshakespeare.txt -c 256 --chunks 20 --json",
                "  lucid perplexity -m stories260K -f story.txt -c 512 --stride 256",
                "  lucid perplexity -m model.gguf -f text.txt -c 512 --match-llama.cpp   # its numbers, digit for digit"})
final class PerplexityCommand extends LucidCommand {
    @Mixin
    ModelOption modelOption;

    @Option(names = {"-f", "--file"}, required = true, paramLabel = "FILE", description = "the UTF-8 text to score")
    Path file;

    @Option(names = {"-c", "--ctx-size"}, paramLabel = "N", defaultValue = "512", description = "tokens per chunk or window (default: ${DEFAULT-VALUE})")
    int context;

    @Option(names = "--chunks", paramLabel = "N", defaultValue = "0", description = "score only the first N chunks or windows (default: all)")
    int chunks;

    @Option(names = "--stride", paramLabel = "S", description = "sliding window: move a window of -c tokens by S and score the tokens not scored before")
    Integer stride;

    @Option(names = "--match-llama.cpp", description = "round activations as llama.cpp does (its integer kernels), to compare with llama-perplexity digit for digit")
    boolean matchLlamaCpp;

    @Option(names = "--json", description = "print the result as JSON on stdout (progress stays on stderr)")
    boolean json;

    @Mixin
    ThreadsOption threads;

    @Override
    public Integer call() throws Exception {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new LucidException("cannot read " + file + ": " + e.getMessage());
        }
        if (chunks < 0) {
            throw new LucidException("--chunks must be 0 (all) or more, got " + chunks);
        }
        try (Model model = Model.load(modelOption.resolve(), modelOption.loading()); WorkerPool pool = new WorkerPool(threads.count())) {
            if (context > model.config().contextLength()) {
                console.err().printf("lucid: warning: -c %d is longer than the %d tokens the model was trained on%n", context, model.config().contextLength());
            }
            var setup = new Perplexity.Setup(pool, modelOption.cacheType(), matchLlamaCpp ? ActivationRounding.LLAMA_CPP : ActivationRounding.EXACT);
            Progress progress = new Progress(console.err());
            long start = System.nanoTime();
            Perplexity.Result r = stride == null
                    ? Perplexity.chunked(model, text, context, chunks, setup, progress::chunk)
                    : Perplexity.sliding(model, text, context, stride, chunks, setup, progress::chunk);
            double seconds = (System.nanoTime() - start) / 1e9;
            progress.done();
            if (json) {
                console.out().println(new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(toJson(model, r, seconds)));
            } else {
                console.out().printf(Locale.ROOT, "%s on %s: PPL = %.4f +/- %.5f over %d tokens (%d %s of %d), NLL %.5f nats/token, %.4f bits per byte%n",
                        model.name(), file.getFileName(), r.ppl(), r.pplError(), r.tokens(), r.chunks().size(),
                        stride == null ? "chunks" : "windows", context, r.nll(), r.bitsPerByte());
            }
            console.err().printf(Locale.ROOT, "lucid: %.1f s, %.0f tokens/s evaluated%n", seconds,
                    r.chunks().size() * (double) context / seconds);
        }
        return 0;
    }

    private Map<String, Object> toJson(Model model, Perplexity.Result r, double seconds) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("model", model.name());
        m.put("file", file.toString());
        m.put("ctx", r.context());
        if (r.stride() > 0) {
            m.put("stride", r.stride());
        }
        m.put("ppl", r.ppl());
        m.put("ppl_error", r.pplError());
        m.put("nll", r.nll());
        m.put("tokens", r.tokens());
        m.put("bytes", r.bytes());
        m.put("bits_per_byte", r.bitsPerByte());
        m.put("seconds", seconds);
        List<Map<String, Object>> chunkRows = r.chunks().stream().map(c -> {
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("index", c.index());
            row.put("tokens", c.tokens());
            row.put("nll", c.nll());
            row.put("ppl", c.ppl());
            row.put("running_ppl", c.runningPpl());
            return row;
        }).toList();
        m.put("chunks", chunkRows);
        return m;
    }

    /** The running PPL on stderr: one updating line on a terminal, a line per tenth of the work otherwise. */
    private static final class Progress {
        private final java.io.PrintStream err;
        private final boolean terminal = System.console() != null;
        private int seen;

        Progress(java.io.PrintStream err) {
            this.err = err;
        }

        void chunk(Perplexity.Chunk c) {
            seen++;
            String line = String.format(Locale.ROOT, "[%d] PPL %.4f", c.index() + 1, c.runningPpl());
            if (terminal) {
                err.print("\r" + line + "   ");
                err.flush();
            } else if (seen <= 3 || seen % 10 == 0) {
                err.println(line);
            }
        }

        void done() {
            if (terminal && seen > 0) {
                err.println();
            }
        }
    }
}
