package lucid.model;

import lucid.tensor.VectorMath;

/**
 * The forward pass of a decoder-only transformer for one token, in the order of the math
 * (llama2.c's {@code forward}). Shapes: dim = embedding length, hd = head size.
 *
 * <pre>
 *   x = embed(token)
 *   for each block:
 *     x += Wo · attention(rope(Wq · rmsnorm(x)), rope(Wk · rmsnorm(x)), Wv · rmsnorm(x))
 *     x += Wdown · (silu(Wgate · rmsnorm(x)) ⊙ (Wup · rmsnorm(x)))
 *   logits = Wout · rmsnorm(x)
 * </pre>
 */
public final class Transformer {
    private final ModelConfig config;
    private final ModelWeights weights;
    private final Rope rope;

    public Transformer(ModelConfig config, ModelWeights weights) {
        this.config = config;
        this.weights = weights;
        this.rope = new Rope(config.rope());
    }

    public ModelConfig config() {
        return config;
    }

    public ModelWeights weights() {
        return weights;
    }

    /**
     * Runs {@code token} at {@code position} through the model: stores its keys and values in the
     * state's cache and leaves the next-token logits in {@link InferenceState#logits()}.
     */
    public void forward(int token, int position, InferenceState s) {
        if (token < 0 || token >= config.vocabularySize()) {
            throw new IllegalArgumentException("token id " + token + " is outside the vocabulary of " + config.vocabularySize());
        }
        if (position < 0 || position >= s.contextLength()) {
            throw new IllegalArgumentException("position " + position + " is outside the context of " + s.contextLength());
        }
        int dim = config.embeddingLength();
        float eps = config.rmsNormEpsilon();

        ForwardObserver observer = s.observer;

        // x = token embedding (dim)
        weights.tokenEmbedding().readRow(token, s.x, 0);
        if (observer != null) {
            observer.onEmbedding(position, token, s.x);
        }
        // cos/sin of this position, shared by every head of every layer
        rope.prepare(position, s.ropeCos, s.ropeSin);

        for (int l = 0; l < config.blockCount(); l++) {
            LayerWeights w = weights.layers().get(l);

            // --- attention ---
            // xb = rmsnorm(x) ⊙ attn_norm (dim)
            VectorMath.rmsNorm(s.xb, s.x, 0, w.attentionNorm(), dim, eps);
            // q (heads·hd), k (kvHeads·hd), v (kvHeads·vd) = projections of xb
            s.matVec.multiply(w.query(), s.q, w.key(), s.k, w.value(), s.v, s.xb);
            // rotate q and k by the position (adjacent pairs)
            rope.rotate(s.q, config.headCount(), config.headSize(), s.ropeCos, s.ropeSin);
            rope.rotate(s.k, config.headCountKv(), config.headSize(), s.ropeCos, s.ropeSin);
            // remember k, v for this and later positions
            s.cache.store(l, position, s.k, s.v);
            // attentionOut (heads·vd) = softmax(q·Kᵀ/√hd)·V over positions 0..position
            s.attention.attend(s.q, s.cache, l, position, s.attentionOut);
            if (observer != null) {
                observer.onAttention(l, position, s.attention.weights, config.headCount(), s.contextLength());
            }
            // x += Wo · attentionOut
            s.matVec.multiply(w.output(), s.attentionOut, s.xb2);
            VectorMath.add(s.x, s.xb2, dim);

            // --- feed-forward (SwiGLU) ---
            // xb = rmsnorm(x) ⊙ ffn_norm (dim)
            VectorMath.rmsNorm(s.xb, s.x, 0, w.ffnNorm(), dim, eps);
            // hb = Wgate·xb, hb2 = Wup·xb (ffn)
            s.matVec.multiply(w.gate(), s.hb, w.up(), s.hb2, s.xb);
            // hb = silu(hb) ⊙ hb2
            VectorMath.swiglu(s.hb, s.hb2, config.feedForwardLength());
            // x += Wdown · hb
            s.matVec.multiply(w.down(), s.hb, s.xb2);
            VectorMath.add(s.x, s.xb2, dim);
            if (observer != null) {
                observer.onResidual(l, position, s.x);
            }
        }

        // logits = Wout · (rmsnorm(x) ⊙ output_norm) (vocab)
        readOut(s.x, s.logits, s.matVec, s.xb);
        if (observer != null) {
            observer.onLogits(position, s.logits);
        }
    }

    /**
     * The model's head applied to a residual vector: logits (vocab) = Wout · (rmsnorm(x) ⊙
     * output_norm). The last step of every forward pass, and the logit lens's view of any layer.
     *
     * @param scratch a buffer of at least dim floats
     */
    public void readOut(float[] residual, float[] logits, lucid.tensor.MatVec matVec, float[] scratch) {
        VectorMath.rmsNorm(scratch, residual, 0, weights.outputNorm(), config.embeddingLength(), config.rmsNormEpsilon());
        matVec.multiply(weights.output(), scratch, logits);
    }
}
