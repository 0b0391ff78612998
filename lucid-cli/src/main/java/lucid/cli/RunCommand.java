package lucid.cli;

import lucid.LucidException;
import lucid.generate.ContextFullException;
import lucid.generate.GenerationResult;
import lucid.generate.Generator;
import lucid.generate.Session;
import lucid.generate.StopReason;
import lucid.model.Model;
import lucid.model.ModelConfig;
import lucid.sampling.SamplerChain;
import lucid.sampling.SamplerSettings;
import lucid.tensor.WorkerPool;
import lucid.tokenizer.Utf8StreamDecoder;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** {@code lucid run}: generate text from a prompt, streamed to stdout. */
@Command(name = "run",
        mixinStandardHelpOptions = true,
        header = "Generate text from a prompt.",
        description = "Generate text from a prompt. stdout gets exactly the prompt followed by the generated text, streamed as it is produced; diagnostics and the speed go to stderr.",
        footerHeading = "%nExamples:%n",
        footer = {
                "  lucid run -m stories260K -p \"Once upon a time\" -n 100 --temp 0",
                "  lucid run -m ../shared/models/stories260K.gguf -p \"Once upon a time\"",
                "  lucid run -m path/to/llama.gguf -p \"The capital of France is\" --temp 0.8 --top-p 0.9 --seed 7",
                "  lucid run -m stories260K -f prompt.txt -n 50 -t 1 -c 256"})
final class RunCommand extends LucidCommand {
    @Mixin
    ModelOption modelOption;

    @Option(names = {"-p", "--prompt"}, paramLabel = "PROMPT", description = "the text to continue (default: empty, start from BOS)")
    String prompt;

    @Option(names = {"-f", "--file"}, paramLabel = "FILE", description = "read the prompt from a UTF-8 file")
    Path promptFile;

    @Option(names = {"-n", "--n-predict"}, paramLabel = "N", defaultValue = "-1",
            description = "tokens to generate; -1 (default) = until end of sequence or a full context")
    int maxTokens;

    @Mixin
    SamplingOptions sampling;

    @Mixin
    ThreadsOption threads;

    @Mixin
    ContextOption contextOption;

    @Override
    public Integer call() {
        if (maxTokens < -1) {
            throw new LucidException("-n must be -1 (until the end) or a number of tokens, got " + maxTokens);
        }
        int threadCount = threads.count();
        String promptText = promptText();
        SamplerSettings settings = sampling.toSettings();

        long loadStart = System.nanoTime();
        Path path = modelOption.resolve();
        try (Model model = Model.load(path, modelOption.loading());
             WorkerPool pool = new WorkerPool(threadCount)) {
            ModelConfig config = model.config();
            int context = contextOption.length(config, console);
            long loadMillis = (System.nanoTime() - loadStart) / 1_000_000;

            int[] promptTokens = model.tokenizer().encode(promptText, true);
            if (promptTokens.length > context) {
                throw new ContextFullException(context, promptTokens.length);
            }
            Session session = model.newSession(context, pool, modelOption.cacheType());
            SamplerChain chain = settings.toChain(config.vocabularySize());
            console.err().printf("lucid: %s (%s, %d layers, dim %d, %s) loaded in %d ms; context %d, %d thread%s, seed %d, %s%n",
                    model.name(), config.architecture(), config.blockCount(), config.embeddingLength(),
                    model.transformer().weights().matrixType(), loadMillis, context, threadCount,
                    threadCount == 1 ? "" : "s", settings.seed(), chain.name());

            var out = console.out();
            out.print(promptText);
            out.flush();
            Utf8StreamDecoder decoder = new Utf8StreamDecoder(model.tokenizer(), promptText.isEmpty());
            GenerationResult result = Generator.generate(session, promptTokens, maxTokens, chain, model::isEndOfGeneration, token -> {
                out.print(decoder.feed(token));
                out.flush();
            });
            out.print(decoder.flush());
            out.flush();
            reportSpeed(result, context);
        }
        return 0;
    }

    private String promptText() {
        if (prompt != null && promptFile != null) {
            throw new LucidException("give the prompt with -p or -f, not both");
        }
        if (promptFile == null) {
            return prompt == null ? "" : prompt;
        }
        try {
            return Files.readString(promptFile, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new LucidException("cannot read the prompt file " + promptFile + ": " + e.getMessage());
        }
    }

    private void reportSpeed(GenerationResult r, int context) {
        String stop = switch (r.stopReason()) {
            case END_OF_SEQUENCE -> "end of sequence";
            case MAX_TOKENS -> "token limit (-n)";
            case CONTEXT_FULL -> "the context of " + context + " tokens is full (raise it with -c)";
        };
        console.err().printf("%nlucid: prompt %d tokens in %.1f ms (%.1f tok/s) · generated %d tokens in %.1f ms (%.1f tok/s) · stopped: %s%n",
                r.promptTokens().length, r.promptNanos() / 1e6, r.promptTokensPerSecond(),
                r.generated().length, r.generationNanos() / 1e6, r.generationTokensPerSecond(), stop);
        if (r.stopReason() == StopReason.CONTEXT_FULL) {
            console.err().println("lucid: generation stopped because the context is full; use -c to allow a longer text");
        }
    }
}
