package lucid.model;

/**
 * Named points of the forward pass where an observer can look at what the model computes, like
 * TransformerLens's hook points. The arrays passed in are the pass's own buffers: read them
 * during the call (copy what you keep); never write to them.
 *
 * <p>With no observer attached the forward pass skips every call: one null check per point.
 */
public interface ForwardObserver {
    /** {@code hook_embed}: the token's embedding x (dim) at {@code position}, before any block. */
    default void onEmbedding(int position, int token, float[] x) {}

    /**
     * {@code blocks.L.attn.hook_pattern}: the attention weights of the token at {@code position}
     * in {@code layer}. Head h's weights over positions 0..position are
     * {@code weights[h * stride + t]}; each head's row sums to 1.
     */
    default void onAttention(int layer, int position, float[] weights, int heads, int stride) {}

    /** {@code blocks.L.hook_resid_post}: the residual stream x (dim) after {@code layer}. */
    default void onResidual(int layer, int position, float[] x) {}

    /** The output logits (vocab) at {@code position}: the model's scores for the next token. */
    default void onLogits(int position, float[] logits) {}

    /**
     * Whether {@link #onLogits} is wanted for {@code position} of a batch (the last position's
     * logits are always computed). Saying no where they are not needed saves the output head's
     * product for those positions.
     */
    default boolean wantsLogits(int position) {
        return true;
    }
}
