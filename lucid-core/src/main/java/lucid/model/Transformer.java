package lucid.model;

import lucid.tensor.ActivationRounding;
import lucid.tensor.VectorMath;

/**
 * The forward pass of a decoder-only transformer for one token, in the order of the math
 * (llama2.c's {@code forward}), with the family's options ({@link ArchitectureOptions}) where
 * families differ. Shapes: dim = embedding length, hd = head size.
 *
 * <pre>
 *   x = embed(token) · embeddingScale  (+ position_embd[pos])
 *   for each block:
 *     q, k, v = Wq·norm(x) + bq, Wk·norm(x) + bk, Wv·norm(x) + bv
 *     q, k    = rope(qknorm(q)), rope(qknorm(k))
 *     x      += postnorm(Wo · attention(q, K, V) + bo)
 *     x      += postnorm(Wdown · (act(Wgate·norm(x)) ⊙ (Wup·norm(x)))  + bdown)    gated
 *             | postnorm(Wdown · act(Wup·norm(x) + bup) + bdown)                    plain MLP
 *   logits = softCap(Wout · norm(x) + bout)
 * </pre>
 * norm is RMSNorm or LayerNorm; act is SiLU or GELU; parts a family lacks are skipped.
 */
public final class Transformer {
    private final ModelConfig config;
    private final ModelWeights weights;

    public Transformer(ModelConfig config, ModelWeights weights) {
        this.config = config;
        this.weights = weights;
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
        int ffn = config.feedForwardLength();
        ForwardObserver observer = s.observer;
        LayerRopes ropes = s.ropes;

        // x = token embedding (dim), scaled, plus the learned position embedding
        embed(token, position, s.x, 0, s.xb);
        if (observer != null) {
            observer.onEmbedding(position, token, s.x);
        }
        // cos/sin of this position for each distinct rotation, shared by every head of every layer
        for (int r = 0; r < ropes.ropes.length; r++) {
            ropes.ropes[r].prepare(position, s.ropeCos[r], s.ropeSin[r]);
        }

        for (int l = 0; l < config.blockCount(); l++) {
            LayerWeights w = weights.layers().get(l);

            // --- attention ---
            // xb = norm(x) (dim)
            norm(s.xb, 0, s.x, 0, w.attentionNorm());
            // q (heads·hd), k (kvHeads·hd), v (kvHeads·vd) = projections of xb, plus biases
            s.matVec.multiply(w.query(), s.q, w.key(), s.k, w.value(), s.v, s.xb);
            addBiases(w, s.q, 0, s.k, 0, s.v, 0);
            // normalize each q and k head (QK-norm) and rotate them by the position
            normAndRotate(l, w, s.q, 0, s.k, 0, ropes, s.ropeCos, s.ropeSin, 0);
            // remember k, v for this and later positions
            s.cache.store(l, position, s.k, s.v);
            // attentionOut (heads·vd) = softmax(scores)·V over the positions this layer sees
            s.attention.attend(s.q, s.cache, l, position, s.attentionOut);
            if (observer != null) {
                observer.onAttention(l, position, s.attention.weights, config.headCount(), s.contextLength());
            }
            // x += postnorm(Wo · attentionOut + bo)
            s.matVec.multiply(w.output(), s.attentionOut, s.xb2);
            finishSublayer(s.xb2, 0, w.outputBias(), w.postAttentionNorm());
            VectorMath.add(s.x, s.xb2, dim);

            // --- feed-forward ---
            // xb = norm(x) (dim)
            norm(s.xb, 0, s.x, 0, w.ffnNorm());
            if (w.gate() != null) {
                // hb = act(Wgate·xb) ⊙ (Wup·xb) (ffn)
                s.matVec.multiply(w.gate(), s.hb, w.up(), s.hb2, s.xb);
                gatedActivation(s.hb, s.hb2, 0, ffn, s);
            } else {
                // hb = act(Wup·xb + bup) (ffn)
                s.matVec.multiply(w.up(), s.xb, s.hb);
                plainActivation(s.hb, 0, w, ffn, s);
            }
            // x += postnorm(Wdown · hb + bdown)
            s.matVec.multiply(w.down(), s.hb, s.xb2);
            finishSublayer(s.xb2, 0, w.downBias(), w.postFfnNorm());
            VectorMath.add(s.x, s.xb2, dim);
            if (observer != null) {
                observer.onResidual(l, position, s.x);
            }
        }

        // logits = Wout · norm(x) (vocab)
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
        LayerRopes ropes = s.ropes;
        int dim = config.embeddingLength();
        int qDim = config.queryDim();
        int kDim = config.keyDim();
        int vDim = config.valueDim();
        int ffn = config.feedForwardLength();
        int pairs = ropes.pairs();
        int attentionDim = config.headCount() * config.valueSize();

        // X[t] = token embedding (n × dim)
        for (int t = 0; t < n; t++) {
            int token = tokens[from + t];
            if (token < 0 || token >= config.vocabularySize()) {
                throw new IllegalArgumentException("token id " + token + " is outside the vocabulary of " + config.vocabularySize());
            }
            embed(token, position + t, b.x, t * dim, s.xb);
            if (observer != null) {
                System.arraycopy(b.x, t * dim, s.x, 0, dim);
                observer.onEmbedding(position + t, token, s.x);
            }
        }
        // cos/sin of every position in the batch, for each distinct rotation
        for (int r = 0; r < ropes.ropes.length; r++) {
            ropes.ropes[r].prepare(position, n, b.ropeCos[r], b.ropeSin[r]);
        }

        for (int l = 0; l < config.blockCount(); l++) {
            LayerWeights w = weights.layers().get(l);

            // --- attention ---
            for (int t = 0; t < n; t++) {
                norm(b.xb, t * dim, b.x, t * dim, w.attentionNorm());
            }
            b.matMul.multiply(w.query(), b.xb, n, b.q);
            b.matMul.multiply(w.key(), b.xb, n, b.k);
            b.matMul.multiply(w.value(), b.xb, n, b.v);
            for (int t = 0; t < n; t++) {
                addBiases(w, b.q, t * qDim, b.k, t * kDim, b.v, t * vDim);
                normAndRotate(l, w, b.q, t * qDim, b.k, t * kDim, ropes, b.ropeCos, b.ropeSin, t * pairs);
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
            for (int t = 0; t < n; t++) {
                finishSublayer(b.xb2, t * dim, w.outputBias(), w.postAttentionNorm());
            }
            VectorMath.add(b.x, b.xb2, n * dim);

            // --- feed-forward ---
            for (int t = 0; t < n; t++) {
                norm(b.xb, t * dim, b.x, t * dim, w.ffnNorm());
            }
            if (w.gate() != null) {
                b.matMul.multiply(w.gate(), b.xb, n, b.hb);
                b.matMul.multiply(w.up(), b.xb, n, b.hb2);
                gatedActivation(b.hb, b.hb2, 0, n * ffn, s);
            } else {
                b.matMul.multiply(w.up(), b.xb, n, b.hb);
                for (int t = 0; t < n; t++) {
                    plainActivation(b.hb, t * ffn, w, ffn, s);
                }
            }
            b.matMul.multiply(w.down(), b.hb, n, b.xb2);
            for (int t = 0; t < n; t++) {
                finishSublayer(b.xb2, t * dim, w.downBias(), w.postFfnNorm());
            }
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
                norm(b.xb, count * dim, b.x, t * dim, weights.outputNorm());
                wanted[count++] = t;
            }
            if (count == BatchState.LOGIT_ROWS || (t == n - 1 && count > 0)) {
                b.matMul.multiply(weights.output(), b.xb, count, rows);
                for (int i = 0; i < count; i++) {
                    System.arraycopy(rows, i * vocab, s.logits, 0, vocab);
                    finishLogits(s.logits);
                    observer.onLogits(position + wanted[i], s.logits);
                }
                count = 0;
            }
        }
    }

    /**
     * One decode step for {@code count} independent sequences: tokens[i] at positions[i] of
     * states[i], each with its own KV cache. Every matrix product runs for all of them at once
     * (each weight row read once per step, not once per sequence); the per-sequence part (RoPE,
     * cache, attention) runs with the sequences split over the batch's threads. Each state's
     * logits get exactly the bits {@link #forward} would give it alone, so a sequence's tokens
     * never depend on what it ran beside. Observed or llama.cpp-rounded states must run alone.
     */
    public void forwardSequences(int[] tokens, int[] positions, InferenceState[] states, int count, SequenceBatch b) {
        if (count < 1 || count > b.capacity) {
            throw new IllegalArgumentException("a sequence batch holds 1.." + b.capacity + " sequences, got " + count);
        }
        int dim = config.embeddingLength();
        int ffn = config.feedForwardLength();
        int vocab = config.vocabularySize();
        for (int i = 0; i < count; i++) {
            InferenceState s = states[i];
            if (tokens[i] < 0 || tokens[i] >= vocab) {
                throw new IllegalArgumentException("token id " + tokens[i] + " is outside the vocabulary of " + vocab);
            }
            if (positions[i] < 0 || positions[i] >= s.contextLength()) {
                throw new IllegalArgumentException("position " + positions[i] + " is outside the context of " + s.contextLength());
            }
            if (s.observer != null || s.activationRounding() != ActivationRounding.EXACT) {
                throw new IllegalArgumentException("an observed or rounded sequence steps alone (forward)");
            }
            embed(tokens[i], positions[i], b.x, i * dim, s.xb);
            for (int r = 0; r < s.ropes.ropes.length; r++) {
                s.ropes.ropes[r].prepare(positions[i], s.ropeCos[r], s.ropeSin[r]);
            }
        }
        b.states = states;
        b.positions = positions;
        b.count = count;
        b.matVec.setTokens(count);

        for (int l = 0; l < config.blockCount(); l++) {
            LayerWeights w = weights.layers().get(l);

            // --- attention: projections for all sequences, then each attends over its own cache ---
            for (int i = 0; i < count; i++) {
                norm(b.xb, i * dim, b.x, i * dim, w.attentionNorm());
            }
            b.matVec.multiply(w.query(), b.q, w.key(), b.k, w.value(), b.v, b.xb);
            b.attendAll(this, l);
            b.matVec.multiply(w.output(), b.attentionOut, b.xb2);
            for (int i = 0; i < count; i++) {
                finishSublayer(b.xb2, i * dim, w.outputBias(), w.postAttentionNorm());
            }
            VectorMath.add(b.x, b.xb2, count * dim);

            // --- feed-forward ---
            for (int i = 0; i < count; i++) {
                norm(b.xb, i * dim, b.x, i * dim, w.ffnNorm());
            }
            if (w.gate() != null) {
                b.matVec.multiply(w.gate(), b.hb, w.up(), b.hb2, b.xb);
                for (int i = 0; i < count; i++) {
                    gatedActivation(b.hb, b.hb2, i * ffn, ffn, states[i]);
                }
            } else {
                b.matVec.multiply(w.up(), b.xb, b.hb);
                for (int i = 0; i < count; i++) {
                    plainActivation(b.hb, i * ffn, w, ffn, states[i]);
                }
            }
            b.matVec.multiply(w.down(), b.hb, b.xb2);
            for (int i = 0; i < count; i++) {
                finishSublayer(b.xb2, i * dim, w.downBias(), w.postFfnNorm());
            }
            VectorMath.add(b.x, b.xb2, count * dim);
        }

        // logits of every sequence = Wout · norm(x)
        for (int i = 0; i < count; i++) {
            norm(b.xb, i * dim, b.x, i * dim, weights.outputNorm());
        }
        b.matVec.multiply(weights.output(), b.xb, b.logits);
        for (int i = 0; i < count; i++) {
            System.arraycopy(b.logits, i * vocab, states[i].logits, 0, vocab);
            finishLogits(states[i].logits);
        }
        b.states = null;
    }

    /**
     * Sequence i's part of a layer in {@link #forwardSequences}: biases, QK-norm, RoPE, its cache,
     * its attention — on this thread when {@code onThisThread}, else with the heads split over the
     * sequence's own pool.
     */
    void attendSequence(SequenceBatch b, int i, boolean onThisThread) {
        InferenceState s = b.states[i];
        int l = b.layer;
        int position = b.positions[i];
        LayerWeights w = weights.layers().get(l);
        int qDim = config.queryDim();
        int kDim = config.keyDim();
        int vDim = config.valueDim();
        addBiases(w, b.q, i * qDim, b.k, i * kDim, b.v, i * vDim);
        normAndRotate(l, w, b.q, i * qDim, b.k, i * kDim, s.ropes, s.ropeCos, s.ropeSin, 0);
        System.arraycopy(b.k, i * kDim, s.k, 0, kDim);
        System.arraycopy(b.v, i * vDim, s.v, 0, vDim);
        s.cache.store(l, position, s.k, s.v);
        s.attention.attend(b.q, i * qDim, s.cache, l, position, b.attentionOut, i * config.headCount() * config.valueSize(), onThisThread);
    }

    /**
     * The model's head applied to a residual vector: logits (vocab) = softCap(Wout · norm(x) +
     * bout). The last step of every forward pass, and the logit lens's view of any layer.
     *
     * @param scratch a buffer of at least dim floats
     */
    public void readOut(float[] residual, float[] logits, lucid.tensor.MatVec matVec, float[] scratch) {
        norm(scratch, 0, residual, 0, weights.outputNorm());
        matVec.multiply(weights.output(), scratch, logits);
        finishLogits(logits);
    }

    // ---- the steps, shared by forward and forwardBatch ----

    /** x[off..off+dim) = embedding of {@code token} × embeddingScale, + position embedding (GPT-2). */
    private void embed(int token, int position, float[] x, int off, float[] scratch) {
        int dim = config.embeddingLength();
        weights.tokenEmbedding().readRow(token, x, off);
        float scale = config.embeddingScale();
        if (scale != 1f) {
            VectorMath.scale(x, off, dim, scale);
        }
        if (weights.positionEmbedding() != null) {
            weights.positionEmbedding().readRow(position, scratch, 0);
            VectorMath.add(x, off, scratch, 0, dim);
        }
    }

    /** out[outOff..+dim) = the family's norm (RMSNorm, or LayerNorm with bias) of x[xOff..+dim). */
    private void norm(float[] out, int outOff, float[] x, int xOff, NormWeights w) {
        int dim = config.embeddingLength();
        switch (config.options().norm()) {
            case RMS -> VectorMath.rmsNorm(out, outOff, x, xOff, w.weight(), dim, config.normEpsilon());
            case LAYER -> VectorMath.layerNorm(out, outOff, x, xOff, w.weight(), w.bias(), dim, config.normEpsilon());
        }
    }

    private void addBiases(LayerWeights w, float[] q, int qOff, float[] k, int kOff, float[] v, int vOff) {
        if (w.queryBias() != null) {
            VectorMath.addBias(q, qOff, w.queryBias(), config.queryDim());
        }
        if (w.keyBias() != null) {
            VectorMath.addBias(k, kOff, w.keyBias(), config.keyDim());
        }
        if (w.valueBias() != null) {
            VectorMath.addBias(v, vOff, w.valueBias(), config.valueDim());
        }
    }

    /** QK-norm (RMSNorm of each head) and RoPE of one token's queries and keys. */
    private void normAndRotate(int layer, LayerWeights w, float[] q, int qOff, float[] k, int kOff,
                               LayerRopes ropes, float[][] cos, float[][] sin, int tableOff) {
        int hd = config.headSize();
        if (w.queryNorm() != null) {
            for (int h = 0; h < config.headCount(); h++) {
                VectorMath.rmsNorm(q, qOff + h * hd, q, qOff + h * hd, w.queryNorm(), hd, config.normEpsilon());
            }
            for (int h = 0; h < config.headCountKv(); h++) {
                VectorMath.rmsNorm(k, kOff + h * hd, k, kOff + h * hd, w.keyNorm(), hd, config.normEpsilon());
            }
        }
        if (ropes.ropes.length > 0) {
            int r = ropes.ofLayer[layer];
            ropes.ropes[r].rotate(q, qOff, config.headCount(), hd, cos[r], sin[r], tableOff);
            ropes.ropes[r].rotate(k, kOff, config.headCountKv(), hd, cos[r], sin[r], tableOff);
        }
    }

    /** A sublayer's output before the residual add: + bias, then Gemma's post-norm. */
    private void finishSublayer(float[] y, int off, java.lang.foreign.MemorySegment bias, java.lang.foreign.MemorySegment postNorm) {
        int dim = config.embeddingLength();
        if (bias != null) {
            VectorMath.addBias(y, off, bias, dim);
        }
        if (postNorm != null) {
            VectorMath.rmsNorm(y, off, y, off, postNorm, dim, config.normEpsilon());
        }
    }

    /** gate[off..off+n) = act(gate) ⊙ up: SwiGLU or GeGLU. */
    private void gatedActivation(float[] gate, float[] up, int off, int n, InferenceState s) {
        switch (config.options().activation()) {
            case SILU -> VectorMath.swiglu(gate, off, up, off, n);
            case GELU -> {
                if (s.activationRounding() == ActivationRounding.LLAMA_CPP) {
                    ActivationRounding.geluLikeLlamaCpp(gate, off, n, up, off);
                } else {
                    VectorMath.geglu(gate, off, up, off, n);
                }
            }
        }
    }

    /** h[off..off+ffn) = gelu(h + bup): the plain MLP's activation. */
    private void plainActivation(float[] h, int off, LayerWeights w, int ffn, InferenceState s) {
        if (w.upBias() != null) {
            VectorMath.addBias(h, off, w.upBias(), ffn);
        }
        if (s.activationRounding() == ActivationRounding.LLAMA_CPP) {
            ActivationRounding.geluLikeLlamaCpp(h, off, ffn, null, 0);
        } else {
            VectorMath.gelu(h, off, ffn);
        }
    }

    /** logits += bout, then the final soft-cap (Gemma 2). */
    private void finishLogits(float[] logits) {
        if (weights.outputBias() != null) {
            VectorMath.addBias(logits, 0, weights.outputBias(), config.vocabularySize());
        }
        if (config.finalLogitSoftCap() > 0) {
            VectorMath.softCap(logits, 0, config.vocabularySize(), config.finalLogitSoftCap());
        }
    }
}
