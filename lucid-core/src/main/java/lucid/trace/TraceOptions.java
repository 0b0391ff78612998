package lucid.trace;

/**
 * What a trace records. Top-N candidates are cheap; attention and especially the logit lens
 * (one extra output-head product per layer and step) cost more, so they are opt-in.
 *
 * @param topN          candidates kept per step, from the model's own distribution
 * @param focusN        most-attended earlier positions kept per step (0 = no attention focus)
 * @param fullAttention keep every layer's and head's weights over all positions
 * @param lens          apply the final norm and output head to each layer's residual (logit lens)
 * @param lensTopN      tokens kept per layer in the lens view
 * @param scorePrompt   score each prompt token under the model (the chain rule made visible)
 */
public record TraceOptions(int topN, int focusN, boolean fullAttention, boolean lens, int lensTopN, boolean scorePrompt) {
    public TraceOptions {
        if (topN < 1 || topN > 1000) {
            throw new lucid.LucidException("--top must be between 1 and 1000, got " + topN);
        }
        if (focusN < 0 || lensTopN < 1) {
            throw new IllegalArgumentException("focusN must be ≥ 0 and lensTopN ≥ 1");
        }
    }

    /** Top 5 candidates, the 3 most-attended positions, prompt scores; no full attention, no lens. */
    public static TraceOptions defaults() {
        return new TraceOptions(5, 3, false, false, 3, true);
    }

    public TraceOptions withTopN(int n) {
        return new TraceOptions(n, focusN, fullAttention, lens, lensTopN, scorePrompt);
    }

    public TraceOptions withLens(boolean on) {
        return new TraceOptions(topN, focusN, fullAttention, on, lensTopN, scorePrompt);
    }

    public TraceOptions withFullAttention(boolean on) {
        return new TraceOptions(topN, focusN, on, lens, lensTopN, scorePrompt);
    }
}
