package lucid.trace;

import lucid.generate.GenerationObserver;
import lucid.model.Model;
import lucid.model.ModelConfig;
import lucid.sampling.Candidates;
import lucid.sampling.SamplerSettings;
import lucid.tokenizer.Tokenizer;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Builds a {@link Trace} from a generation it observes. Attach it to the session before the
 * prompt is evaluated and tell it the prompt ({@link #expectPrompt}); afterwards {@link #trace}
 * returns what happened.
 *
 * <p>A step's attention and lens come from the forward pass that produced its logits: the pass
 * over the token just before it. Passes over earlier prompt tokens record only the prompt scores.
 */
public final class TraceRecorder implements GenerationObserver {
    private final Model model;
    private final Tokenizer tokenizer;
    private final TraceOptions options;
    private final SamplerSettings settings;
    private final AttentionCapture attention;
    private final LogitLens lens;

    private int[] prompt = new int[0];
    private String promptText = "";
    private final List<Trace.PromptToken> promptTokens = new ArrayList<>();
    private double promptLogprob;
    private boolean promptScored;
    private final List<Trace.Step> steps = new ArrayList<>();
    /** The logits of the latest forward pass that will become a step (vocab). */
    private final float[] pendingLogits;
    private int pendingPosition = -1;

    public TraceRecorder(Model model, TraceOptions options, SamplerSettings settings, lucid.generate.Session session) {
        this.model = model;
        this.tokenizer = model.tokenizer();
        this.options = options;
        this.settings = settings;
        ModelConfig c = model.config();
        this.attention = options.focusN() > 0 || options.fullAttention() ? new AttentionCapture(c, options.fullAttention()) : null;
        this.lens = options.lens() ? new LogitLens(model.transformer(), session.state()) : null;
        this.pendingLogits = new float[c.vocabularySize()];
    }

    /** The prompt about to be evaluated (its tokens, BOS included, and its text); starts a new trace. */
    public void expectPrompt(int[] tokens, String text) {
        this.prompt = tokens.clone();
        this.promptText = text;
        promptTokens.clear();
        steps.clear();
        promptLogprob = 0;
        promptScored = false;
        pendingPosition = -1;
        if (tokens.length > 0) {
            promptTokens.add(new Trace.PromptToken(tokens[0], display(tokens[0]), null, null, null, null));
        }
    }

    /** Whether the forward pass at this position feeds a step (the last prompt token and every generated one). */
    private boolean feedsStep(int position) {
        return position >= prompt.length - 1;
    }

    @Override
    public void onEmbedding(int position, int token, float[] x) {
        if (feedsStep(position) && attention != null) {
            attention.begin(position);
        }
    }

    @Override
    public void onAttention(int layer, int position, float[] weights, int heads, int stride) {
        if (attention != null && feedsStep(position)) {
            attention.add(layer, weights, heads, stride, position);
        }
    }

    @Override
    public void onResidual(int layer, int position, float[] x) {
        if (lens != null && feedsStep(position)) {
            lens.capture(layer, x);
        }
    }

    @Override
    public void onLogits(int position, float[] logits) {
        if (position + 1 < prompt.length) {
            if (options.scorePrompt()) {
                scorePromptToken(position + 1, logits);
            }
            return;
        }
        System.arraycopy(logits, 0, pendingLogits, 0, pendingLogits.length);
        pendingPosition = position;
    }

    private void scorePromptToken(int position, float[] logits) {
        LogitStats stats = new LogitStats(logits);
        int id = prompt[position];
        double logprob = stats.logprob(id);
        promptLogprob += logprob;
        promptScored = true;
        promptTokens.add(new Trace.PromptToken(id, display(id), Math.exp(logprob), logprob, stats.rank(id), candidates(stats, options.topN())));
    }

    @Override
    public void onChoice(int position, int token, Candidates chain) {
        if (pendingPosition != position - 1) {
            throw new IllegalStateException("a choice for position " + position + " without the logits of position " + (position - 1));
        }
        LogitStats stats = new LogitStats(pendingLogits);
        double logprob = stats.logprob(token);
        steps.add(new Trace.Step(steps.size(), position, new Trace.Token(token, display(token)), Math.exp(logprob), logprob,
                stats.rank(token), stats.entropy(), candidates(stats, options.topN()), sampled(chain, token, stats),
                attention == null ? null : attention.result(options.focusN(), this::display, prefixIds(position)),
                lens == null ? null : lens.result(token, options.lensTopN(), this::candidate)));
    }

    /** The tokens at positions 0..position-1: the prompt, then what was generated. */
    private int[] prefixIds(int position) {
        int[] ids = new int[position];
        for (int i = 0; i < position; i++) {
            ids[i] = i < prompt.length ? prompt[i] : steps.get(i - prompt.length).token().id();
        }
        return ids;
    }

    /** The sampler's final distribution, when it is not simply the model's. */
    private Trace.Sampled sampled(Candidates chain, int token, LogitStats model) {
        if (settings.isGreedy()) {
            return null;
        }
        float[] logits = new float[chain.size()];
        int chosen = -1;
        for (int i = 0; i < logits.length; i++) {
            logits[i] = chain.logit(i);
            if (chain.id(i) == token) {
                chosen = i;
            }
        }
        LogitStats drawn = new LogitStats(logits);
        double prob = chosen < 0 ? 0 : drawn.prob(chosen);
        if (chain.size() == pendingLogits.length && Math.abs(prob - model.prob(token)) < 1e-6) {
            return null; // nothing filtered, nothing re-scaled
        }
        List<Trace.Candidate> top = new ArrayList<>();
        for (int i : drawn.top(options.topN())) {
            int id = chain.id(i);
            top.add(new Trace.Candidate(id, display(id), drawn.prob(i), drawn.logprob(i)));
        }
        return new Trace.Sampled(prob, chain.size(), top);
    }

    private List<Trace.Candidate> candidates(LogitStats stats, int n) {
        List<Trace.Candidate> out = new ArrayList<>(n);
        for (int id : stats.top(n)) {
            out.add(candidate(id, stats));
        }
        return out;
    }

    private Trace.Candidate candidate(int id, LogitStats stats) {
        return new Trace.Candidate(id, display(id), stats.prob(id), stats.logprob(id));
    }

    /** A token as text for people: pieces of characters as their bytes, e.g. {@code <0xE4>} (see {@link lucid.tokenizer.Tokenizer#displayPiece}). */
    String display(int id) {
        return tokenizer.displayPiece(id);
    }

    /** The most recent step, or null before the first choice (cheaper than {@link #trace()} per token). */
    public Trace.Step lastStep() {
        return steps.isEmpty() ? null : steps.getLast();
    }

    public Trace trace() {
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("temperature", settings.temperature());
        s.put("top_k", settings.topK());
        s.put("top_p", settings.topP());
        s.put("min_p", settings.minP());
        s.put("repeat_penalty", settings.repeatPenalty());
        s.put("repeat_last_n", settings.repeatLastN());
        s.put("frequency_penalty", settings.frequencyPenalty());
        s.put("presence_penalty", settings.presencePenalty());
        s.put("seed", settings.seed());
        return new Trace(model.name(), promptText, List.copyOf(promptTokens), promptScored ? promptLogprob : null, s, List.copyOf(steps));
    }
}
