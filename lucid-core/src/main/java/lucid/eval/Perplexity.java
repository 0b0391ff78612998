package lucid.eval;

import lucid.LucidException;
import lucid.generate.Session;
import lucid.model.CacheType;
import lucid.model.Model;
import lucid.tensor.WorkerPool;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * Perplexity of a text under a model, by llama-perplexity's method: the text is tokenized (BOS
 * first), cut into chunks of {@code context} tokens, the first token of each chunk set to BOS, and
 * in each chunk only the second half is scored (each of those tokens then has at least half a
 * context of history). PPL = exp(mean NLL); its ± is ppl · the standard error of the NLLs.
 * The sliding-window variant moves a window of {@code context} tokens by {@code stride} and scores
 * the tokens not scored before.
 */
public final class Perplexity {
    private Perplexity() {}

    /**
     * @param nll        mean negative log-likelihood (nats per token) of the chunk's scored tokens
     * @param runningPpl PPL over all chunks so far (what llama-perplexity prints as [i])
     */
    public record Chunk(int index, int tokens, double nll, double ppl, double runningPpl) {}

    /**
     * @param nll         mean NLL per scored token (nats)
     * @param pplError    the ± of llama-perplexity: ppl × standard error of the per-token NLL
     * @param bytes       UTF-8 bytes of the scored tokens
     * @param bitsPerByte total NLL in bits / bytes: comparable across tokenizers
     */
    public record Result(double ppl, double pplError, double nll, long tokens, long bytes, double bitsPerByte,
                         int context, int stride, List<Chunk> chunks) {}

    /** Accumulates NLL, NLL² and bytes over scored tokens. */
    private static final class Totals {
        double nll;
        double nll2;
        long count;
        long bytes;
        double chunkNll;
        int chunkCount;
    }

    /** How the model runs while it is measured: threads, KV cache storage, activation rounding. */
    public record Setup(WorkerPool pool, CacheType cacheType, lucid.tensor.ActivationRounding rounding) {
        Session session(Model model, int context) {
            Session session = model.newSession(context, pool, cacheType);
            session.state().setActivationRounding(rounding);
            return session;
        }
    }

    public static Result chunked(Model model, String text, int context, int maxChunks, Setup setup, Consumer<Chunk> progress) {
        int[] tokens = model.tokenizer().encode(text, true);
        if (context < 8) {
            throw new LucidException("-c must be at least 8 tokens, got " + context);
        }
        if (tokens.length < 2 * context) {
            throw new LucidException("the text has " + tokens.length + " tokens; perplexity with a context of " + context
                    + " needs at least " + 2 * context + " (use a longer text or a smaller -c)");
        }
        int chunks = tokens.length / context;
        if (maxChunks > 0) {
            chunks = Math.min(chunks, maxChunks);
        }
        int bos = model.tokenizer().vocabulary().bosId();
        boolean addBos = model.tokenizer().vocabulary().addBos() && bos >= 0;
        int first = context / 2;
        Session session = setup.session(model, context);
        Totals totals = new Totals();
        List<Chunk> done = new ArrayList<>();
        for (int c = 0; c < chunks; c++) {
            int[] window = java.util.Arrays.copyOfRange(tokens, c * context, (c + 1) * context);
            if (addBos) {
                window[0] = bos;
            }
            evaluate(model, session, window, first, totals);
            Chunk chunk = finishChunk(c, totals);
            done.add(chunk);
            progress.accept(chunk);
        }
        return result(totals, context, 0, done);
    }

    /** Windows of {@code context} tokens every {@code stride} tokens; each token scored once, with the longest history its window gives. */
    public static Result sliding(Model model, String text, int context, int stride, int maxWindows, Setup setup, Consumer<Chunk> progress) {
        if (stride < 1 || stride > context) {
            throw new LucidException("--stride must be between 1 and -c (" + context + "), got " + stride);
        }
        int[] tokens = model.tokenizer().encode(text, true);
        if (tokens.length < 2) {
            throw new LucidException("the text has fewer than two tokens; nothing to score");
        }
        Session session = setup.session(model, context);
        Totals totals = new Totals();
        List<Chunk> done = new ArrayList<>();
        int scoredUpTo = 0; // tokens[1..scoredUpTo] have been scored
        for (int begin = 0, w = 0; scoredUpTo < tokens.length - 1 && (maxWindows <= 0 || w < maxWindows); begin += stride, w++) {
            int end = Math.min(begin + context, tokens.length);
            int[] window = java.util.Arrays.copyOfRange(tokens, begin, end);
            // score the targets past what earlier windows scored: position p predicts token p + 1
            int firstScored = Math.max(0, scoredUpTo - begin);
            evaluate(model, session, window, firstScored, totals);
            scoredUpTo = end - 1;
            Chunk chunk = finishChunk(w, totals);
            done.add(chunk);
            progress.accept(chunk);
        }
        return result(totals, context, stride, done);
    }

    private static void evaluate(Model model, Session session, int[] window, int firstScored, Totals totals) {
        session.reset();
        session.setObserver(new NextTokenScorer(window, firstScored, score -> {
            totals.nll -= score.logprob();
            totals.nll2 += score.logprob() * score.logprob();
            totals.count++;
            totals.chunkNll -= score.logprob();
            totals.chunkCount++;
            totals.bytes += model.tokenizer().textBytes(score.token()).length;
        }, null));
        session.evaluate(window);
        session.setObserver(null);
    }

    private static Chunk finishChunk(int index, Totals t) {
        double nll = t.chunkCount == 0 ? 0 : t.chunkNll / t.chunkCount;
        Chunk chunk = new Chunk(index, t.chunkCount, nll, Math.exp(nll), Math.exp(t.nll / Math.max(1, t.count)));
        t.chunkNll = 0;
        t.chunkCount = 0;
        return chunk;
    }

    private static Result result(Totals t, int context, int stride, List<Chunk> chunks) {
        double nll = t.nll / t.count;
        double ppl = Math.exp(nll);
        double variance = t.nll2 / t.count - nll * nll;
        double error = variance > 0 && t.count > 1 ? Math.sqrt(variance / (t.count - 1)) * ppl : 0;
        double bitsPerByte = t.bytes == 0 ? Double.NaN : t.nll / Math.log(2) / t.bytes;
        return new Result(ppl, error, nll, t.count, t.bytes, bitsPerByte, context, stride, List.copyOf(chunks));
    }
}
