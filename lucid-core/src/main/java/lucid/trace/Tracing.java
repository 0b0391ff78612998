package lucid.trace;

import lucid.generate.ContextFullException;
import lucid.generate.GenerationResult;
import lucid.generate.Generator;
import lucid.generate.Session;
import lucid.model.Model;
import lucid.sampling.SamplerChain;
import lucid.sampling.SamplerSettings;
import lucid.tensor.WorkerPool;

import java.util.function.IntConsumer;

/**
 * Generation with a trace: the same decode loop as {@code lucid run}, with a {@link TraceRecorder}
 * attached, so the chosen tokens are exactly those of an untraced run with the same settings.
 */
public final class Tracing {
    private Tracing() {}

    /** What a traced generation produced. */
    public record Result(Trace trace, GenerationResult generation) {}

    /**
     * @param maxTokens tokens to generate; 0 only scores the prompt; negative = until the end
     * @param onToken   receives each chosen token as it is chosen
     */
    public static Result generate(Model model, String prompt, int maxTokens, SamplerSettings settings, TraceOptions options,
                                  int contextLength, WorkerPool pool, IntConsumer onToken) {
        return generate(model, prompt, maxTokens, settings, options, contextLength, pool, lucid.model.CacheType.F32, onToken);
    }

    /** As above, with the KV cache stored as {@code cacheType}. */
    public static Result generate(Model model, String prompt, int maxTokens, SamplerSettings settings, TraceOptions options,
                                  int contextLength, WorkerPool pool, lucid.model.CacheType cacheType, IntConsumer onToken) {
        int[] tokens = model.tokenizer().encode(prompt, true);
        if (tokens.length > contextLength) {
            throw new ContextFullException(contextLength, tokens.length);
        }
        Session session = model.newSession(contextLength, pool, cacheType);
        TraceRecorder recorder = new TraceRecorder(model, options, settings, session);
        recorder.expectPrompt(tokens, prompt);
        session.setObserver(recorder);
        SamplerChain chain = settings.toChain(model.config().vocabularySize());
        GenerationResult result = Generator.generate(session, tokens, maxTokens, chain, model::isEndOfGeneration, onToken);
        return new Result(recorder.trace(), result);
    }
}
