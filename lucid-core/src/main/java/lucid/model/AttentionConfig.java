package lucid.model;

import lucid.LucidException;

/**
 * How attention scores are formed and which positions a layer sees.
 *
 * <pre>
 *   score(t) = softCap(scale · q·k_t)            softCap(s) = cap · tanh(s / cap), or s when cap = 0
 *   weights  = softmax over t in [max(0, pos − window + 1), pos]   on windowed layers
 *                           over t in [0, pos]                     on the others
 * </pre>
 *
 * @param scale          multiplies q·k (1/√headSize for most models; Gemma's query_pre_attn_scalar)
 * @param logitSoftCap   {@code attn_logit_softcapping} (Gemma 2), or 0 for none
 * @param slidingWindow  {@code attention.sliding_window}: a windowed layer's query sees only the
 *                       last {@code slidingWindow} positions, its own included; 0 for none
 * @param windowed       per layer, whether it uses the sliding window (Gemma's local layers)
 * @param scaleQueries   whether llama.cpp's graph for the family scales the queries before q·k
 *                       (Gemma, Phi-3) rather than the scores: the same math, but it decides what
 *                       llama.cpp rounds to F16, which {@link lucid.tensor.ActivationRounding#LLAMA_CPP} follows
 */
public record AttentionConfig(float scale, float logitSoftCap, int slidingWindow, boolean[] windowed, boolean scaleQueries) {

    public AttentionConfig {
        if (!(scale > 0) || Float.isInfinite(scale)) {
            throw new LucidException("attention scale " + scale + " must be a positive number");
        }
        if (!(logitSoftCap >= 0) || Float.isInfinite(logitSoftCap)) {
            throw new LucidException("attn_logit_softcapping = " + logitSoftCap + " must be a positive number (or 0 for none)");
        }
        if (slidingWindow < 0) {
            throw new LucidException("attention.sliding_window = " + slidingWindow + " must not be negative");
        }
        windowed = windowed.clone();
    }

    /** Plain causal attention over all earlier positions with scale 1/√headSize. */
    public static AttentionConfig plain(int layers, int headSize) {
        return new AttentionConfig((float) (1.0 / Math.sqrt(headSize)), 0f, 0, new boolean[layers], false);
    }

    /** Whether {@code layer} attends only to the sliding window. */
    public boolean isWindowed(int layer) {
        return slidingWindow > 0 && windowed[layer];
    }

    /** The first position a query at {@code position} in {@code layer} attends to. */
    public int firstVisible(int layer, int position) {
        return isWindowed(layer) ? Math.max(0, position - slidingWindow + 1) : 0;
    }

    /** Whether any layer uses a sliding window. */
    public boolean hasWindow() {
        for (int l = 0; l < windowed.length; l++) {
            if (isWindowed(l)) {
                return true;
            }
        }
        return false;
    }
}
