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
     * Runs {@code n} tokens (tokens[from..from+n), n ≤ {@link InferenceState#BATCH}) at positions
     * {@code position..position+n-1} as one batch: the same math as n calls of {@link #forward},
     * with every matrix product done for all n tokens at once (each weight read once per batch).
     * Leaves the last token's logits in {@link InferenceState#logits()}. Observer points come layer
     * by layer, positions in order within each layer; with an observer attached every position's
     * logits are computed and reported.
     */
    public void forwardBatch(int[] tokens, int from, int n, int position, InferenceState s) {
        if (n < 1 || n > InferenceState.BATCH) {
            throw new IllegalArgumentException("a batch holds 1.." + InferenceState.BATCH + " tokens, got " + n);
        }
        if (position < 0 || position + n > s.contextLength()) {
            throw new IllegalArgumentException("positions " + position + ".." + (position + n - 1) + " are outside the context of " + s.contextLength());
        }
        ForwardObserver observer = s.observer;
        BatchState b = s.batch();
        int dim = config.embeddingLength();
        int qDim = config.queryDim();
        int ffn = config.feedForwardLength();
        int pairs = config.rope().dimensions() / 2;
        int attentionDim = config.headCount() * config.valueSize();
        float eps = config.rmsNormEpsilon();

        // X[t] = token embedding (n × dim)
        for (int t = 0; t < n; t++) {
            int token = tokens[from + t];
            if (token < 0 || token >= config.vocabularySize()) {
                throw new IllegalArgumentException("token id " + token + " is outside the vocabulary of " + config.vocabularySize());
            }
            weights.tokenEmbedding().readRow(token, b.x, t * dim);
            if (observer != null) {
                System.arraycopy(b.x, t * dim, s.x, 0, dim);
                observer.onEmbedding(position + t, token, s.x);
            }
        }
        // cos/sin of every position in the batch
        rope.prepare(position, n, b.ropeCos, b.ropeSin);

        for (int l = 0; l < config.blockCount(); l++) {
            LayerWeights w = weights.layers().get(l);

            // --- attention ---
            for (int t = 0; t < n; t++) {
                VectorMath.rmsNorm(b.xb, t * dim, b.x, t * dim, w.attentionNorm(), dim, eps);
            }
            b.matMul.multiply(w.query(), b.xb, n, b.q);
            b.matMul.multiply(w.key(), b.xb, n, b.k);
            b.matMul.multiply(w.value(), b.xb, n, b.v);
            for (int t = 0; t < n; t++) {
                rope.rotate(b.q, t * qDim, config.headCount(), config.headSize(), b.ropeCos, b.ropeSin, t * pairs);
                rope.rotate(b.k, t * config.keyDim(), config.headCountKv(), config.headSize(), b.ropeCos, b.ropeSin, t * pairs);
            }
            s.cache.store(l, position, n, b.k, b.v);
            // each token attends causally to the cache up to its own position
            for (int t = 0; t < n; t++) {
                s.attention.attend(b.q, t * qDim, s.cache, l, position + t, b.attentionOut, t * attentionDim);
                if (observer != null) {
                    observer.onAttention(l, position + t, s.attention.weights, config.headCount(), s.contextLength());
                }
            }
            b.matMul.multiply(w.output(), b.attentionOut, n, b.xb2);
            VectorMath.add(b.x, b.xb2, n * dim);

            // --- feed-forward (SwiGLU) ---
            for (int t = 0; t < n; t++) {
                VectorMath.rmsNorm(b.xb, t * dim, b.x, t * dim, w.ffnNorm(), dim, eps);
            }
            b.matMul.multiply(w.gate(), b.xb, n, b.hb);
            b.matMul.multiply(w.up(), b.xb, n, b.hb2);
            VectorMath.swiglu(b.hb, b.hb2, n * ffn);
            b.matMul.multiply(w.down(), b.hb, n, b.xb2);
            VectorMath.add(b.x, b.xb2, n * dim);
            if (observer != null) {
                for (int t = 0; t < n; t++) {
                    System.arraycopy(b.x, t * dim, s.x, 0, dim);
                    observer.onResidual(l, position + t, s.x);
                }
            }
        }

        if (observer == null) {
            // only the last token's logits are needed
            System.arraycopy(b.x, (n - 1) * dim, s.x, 0, dim);
            readOut(s.x, s.logits, s.matVec, s.xb);
            return;
        }
        // the logits of the positions the observer wants (always the last), a few rows at a time:
        // a vocabulary of 128k × 512 rows would be 256 MB
        int vocab = config.vocabularySize();
        float[] rows = b.logits(vocab);
        int[] wanted = new int[BatchState.LOGIT_ROWS];
        int count = 0;
        for (int t = 0; t < n; t++) {
            if (t == n - 1 || observer.wantsLogits(position + t)) {
                VectorMath.rmsNorm(b.xb, count * dim, b.x, t * dim, weights.outputNorm(), dim, eps);
                wanted[count++] = t;
            }
            if (count == BatchState.LOGIT_ROWS || (t == n - 1 && count > 0)) {
                b.matMul.multiply(weights.output(), b.xb, count, rows);
                for (int i = 0; i < count; i++) {
                    System.arraycopy(rows, i * vocab, s.logits, 0, vocab);
                    observer.onLogits(position + wanted[i], s.logits);
                }
                count = 0;
            }
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
