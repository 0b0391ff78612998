package lucid.cli;

import lucid.LucidException;
import lucid.model.Model;
import lucid.sampling.SamplerSettings;
import lucid.tensor.WorkerPool;
import lucid.trace.Trace;
import lucid.trace.TraceJson;
import lucid.trace.TraceOptions;
import lucid.trace.Tracing;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;

/** {@code lucid explain}: generate and show how each token was chosen. */
@Command(name = "explain",
        mixinStandardHelpOptions = true,
        header = "Generate and show how each token was chosen.",
        description = "Generate text and show, for every step, the text so far, where the new token's attention went and the model's top candidates with their probabilities. -n 0 scores the prompt itself instead.",
        footerHeading = "%nExamples:%n",
        footer = {
                "  lucid explain -m stories260K -p \"Once upon a time\" -n 8",
                "  lucid explain -m stories260K -p \"Once upon a time\" -n 20 --json trace.json --html report.html",
                "  lucid explain -m stories260K -p \"Once upon a time\" -n 8 --lens",
                "  lucid explain -m stories260K -p \"Lily and Tom went to the park\" -n 0",
                "",
                "Probabilities are the model's own (temperature 1, before any filter); entropy is in nats.",
                "The default is greedy (--temp 0); give --temp and friends to sample as 'lucid run' does."})
final class ExplainCommand extends LucidCommand {
    @Mixin
    ModelOption modelOption;

    @Option(names = {"-p", "--prompt"}, paramLabel = "PROMPT", defaultValue = "", description = "the text to continue")
    String prompt;

    @Option(names = {"-n", "--n-predict"}, paramLabel = "N", defaultValue = "16",
            description = "tokens to generate (default: ${DEFAULT-VALUE}); 0 = score the prompt only")
    int maxTokens;

    @Mixin
    SamplingOptions sampling;

    @Option(names = "--top", paramLabel = "N", defaultValue = "5", description = "candidates per step (default: ${DEFAULT-VALUE})")
    int top;

    @Option(names = "--lens", description = "add the logit lens: what each layer would predict")
    boolean lens;

    @Option(names = "--full-attention", description = "record every layer's and head's attention in --json (implied by --html)")
    boolean fullAttention;

    @Option(names = "--json", paramLabel = "FILE", description = "write the trace as JSON to FILE, or to stdout with -")
    String json;

    @Option(names = "--html", paramLabel = "FILE", description = "write a self-contained HTML report to FILE")
    Path html;

    @Mixin
    ThreadsOption threads;

    @Mixin
    ContextOption contextOption;

    @Override
    public Integer call() {
        if (maxTokens < 0) {
            throw new LucidException("-n must be 0 (score the prompt) or a number of tokens, got " + maxTokens);
        }
        // explain defaults to greedy: the table then shows the model's own most likely path
        SamplerSettings settings = sampling.temperatureGiven() ? sampling.toSettings() : SamplerSettings.greedy();
        TraceOptions options = TraceOptions.defaults().withTopN(top).withLens(lens || html != null)
                .withFullAttention(fullAttention || html != null);
        int threadCount = threads.count();
        try (Model model = Model.load(modelOption.resolve(), modelOption.loading()); WorkerPool pool = new WorkerPool(threadCount)) {
            int context = contextOption.length(model.config(), console);
            Tracing.Result result = Tracing.generate(model, prompt, maxTokens, settings, options, context, pool, modelOption.cacheType(), token -> {});
            Trace trace = result.trace();
            boolean jsonToStdout = "-".equals(json);
            if (!jsonToStdout) {
                int[] promptIds = result.generation().promptTokens();
                if (maxTokens == 0) {
                    StepTable.printPromptScores(trace, Terminal.width(), console.out());
                } else {
                    new StepTable(model.tokenizer(), Terminal.width()).print(trace, promptIds, lens, console.out());
                }
            }
            if (json != null) {
                writeJson(trace, jsonToStdout);
            }
            if (html != null) {
                write(html, HtmlReport.render(trace, model));
                console.err().println("lucid: wrote " + html);
            }
            var g = result.generation();
            console.err().printf(java.util.Locale.ROOT, "lucid: prompt %d tokens in %.1f ms · generated %d tokens in %.1f ms (%.1f tok/s, tracing included)%n",
                    g.promptTokens().length, g.promptNanos() / 1e6, g.generated().length, g.generationNanos() / 1e6, g.generationTokensPerSecond());
        }
        return 0;
    }

    private void writeJson(Trace trace, boolean toStdout) {
        if (toStdout) {
            console.out().println(TraceJson.toJson(trace, true));
            return;
        }
        try (OutputStream out = Files.newOutputStream(Path.of(json))) {
            TraceJson.write(trace, out);
        } catch (IOException e) {
            throw new LucidException("cannot write " + json + ": " + e.getMessage());
        }
        console.err().println("lucid: wrote " + json);
    }

    private static void write(Path file, String text) {
        try {
            Files.writeString(file, text);
        } catch (IOException e) {
            throw new LucidException("cannot write " + file + ": " + e.getMessage());
        }
    }
}
