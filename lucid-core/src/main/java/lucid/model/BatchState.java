package lucid.model;

import lucid.tensor.MatMul;
import lucid.tensor.WorkerPool;

/**
 * Scratch for running a batch of up to {@link #capacity} tokens through the model at once (prompt
 * processing). Row t of each buffer belongs to the batch's t-th token; shapes per row as in
 * {@link InferenceState}.
 */
final class BatchState {
    final int capacity;
    final MatMul matMul;
    /** Residual streams (capacity × dim). */
    final float[] x;
    /** Normed inputs (capacity × dim) and sublayer outputs (capacity × dim). */
    final float[] xb;
    final float[] xb2;
    /** Queries (capacity × heads·headSize), keys (capacity × kvHeads·headSize), values (capacity × kvHeads·valueSize). */
    final float[] q;
    final float[] k;
    final float[] v;
    /** Attention outputs (capacity × heads·valueSize). */
    final float[] attentionOut;
    /** FFN gate and up activations (capacity × ffn). */
    final float[] hb;
    final float[] hb2;
    /** RoPE tables of the batch's positions, per distinct rotation (ropes × capacity × pairs). */
    final float[][] ropeCos;
    final float[][] ropeSin;
    /** Logits of up to {@link #LOGIT_ROWS} tokens (× vocab), allocated when an observer wants every position's. */
    float[] logits;
    static final int LOGIT_ROWS = 32;

    BatchState(ModelConfig c, int capacity, WorkerPool pool, LayerRopes ropes) {
        this.capacity = capacity;
        int attentionDim = c.headCount() * c.valueSize();
        this.matMul = new MatMul(pool, Math.max(Math.max(c.embeddingLength(), c.feedForwardLength()), attentionDim));
        x = new float[capacity * c.embeddingLength()];
        xb = new float[capacity * Math.max(c.embeddingLength(), attentionDim)];
        xb2 = new float[capacity * c.embeddingLength()];
        q = new float[capacity * c.queryDim() + KvCache.PAD];
        k = new float[capacity * c.keyDim()];
        v = new float[capacity * c.valueDim()];
        attentionOut = new float[capacity * attentionDim + KvCache.PAD];
        hb = new float[capacity * c.feedForwardLength()];
        hb2 = new float[capacity * c.feedForwardLength()];
        ropeCos = new float[ropes.ropes.length][capacity * ropes.pairs()];
        ropeSin = new float[ropes.ropes.length][capacity * ropes.pairs()];
    }

    float[] logits(int vocabulary) {
        if (logits == null) {
            logits = new float[LOGIT_ROWS * vocabulary];
        }
        return logits;
    }
}
