package lucid.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import lucid.eval.ContinuationScore;
import lucid.eval.Perplexity;
import lucid.model.Model;
import lucid.tensor.ActivationRounding;
import lucid.tensor.WorkerPool;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** {@code lucid score}: log P(continuation | prompt), token by token. */
@Command(name = "score",
        mixinStandardHelpOptions = true,
        header = "Log-probability of a continuation, token by token.",
        description = "The log-probability of a continuation given a prompt, token by token: each token, its probability, its rank among the model's candidates, and the running sum of log-probabilities (the chain rule log P(c | p) = Σ log P(c_i | p, c_<i)).",
        footerHeading = "%nExamples:%n",
        footer = {
                "  lucid score -m stories260K -p \"Once upon a time\" --continuation \", there was a little girl\"",
                "  lucid score -m stories260K -p \"Lily and Tom\" --continuation \" went to the park.\" --json"})
final class ScoreCommand extends LucidCommand {
    @Mixin
    ModelOption modelOption;

    @Option(names = {"-p", "--prompt"}, required = true, paramLabel = "PROMPT", description = "the context")
    String prompt;

    @Option(names = "--continuation", required = true, paramLabel = "TEXT", description = "the text whose probability is wanted")
    String continuation;

    @Option(names = "--json", description = "print JSON")
    boolean json;

    @Mixin
    ThreadsOption threads;

    @Override
    public Integer call() throws Exception {
        try (Model model = Model.load(modelOption.resolve(), modelOption.loading()); WorkerPool pool = new WorkerPool(threads.count())) {
            var setup = new Perplexity.Setup(pool, modelOption.cacheType(), ActivationRounding.EXACT);
            ContinuationScore.Result r = ContinuationScore.score(model, prompt, continuation, setup);
            if (json) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("model", model.name());
                m.put("prompt", prompt);
                m.put("continuation", continuation);
                m.put("prompt_tokens", r.promptTokens());
                m.put("tokens", r.tokens().stream().map(t -> {
                    Map<String, Object> row = new LinkedHashMap<>();
                    row.put("id", t.id());
                    row.put("text", t.text());
                    row.put("prob", t.prob());
                    row.put("logprob", t.logprob());
                    row.put("rank", t.rank());
                    row.put("cumulative_logprob", t.cumulativeLogprob());
                    return row;
                }).toList());
                m.put("logprob", r.totalLogprob());
                m.put("perplexity", r.perplexity());
                console.out().println(new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(m));
                return 0;
            }
            List<ContinuationScore.ScoredToken> tokens = r.tokens();
            console.out().println("token            | prob     | logprob   | rank  | Σ logprob");
            for (ContinuationScore.ScoredToken t : tokens) {
                console.out().printf(Locale.ROOT, "%s | %.6f | %9.4f | %-5d | %9.4f%n",
                        DisplayWidth.fitEnd(StepTable.quote(t.text()), 16), t.prob(), t.logprob(), t.rank(), t.cumulativeLogprob());
            }
            console.out().printf(Locale.ROOT, "log P(continuation | prompt) = %.4f nats (%.4f bits) over %d tokens; perplexity %.3f%n",
                    r.totalLogprob(), r.totalLogprob() / Math.log(2), tokens.size(), r.perplexity());
        }
        return 0;
    }
}
