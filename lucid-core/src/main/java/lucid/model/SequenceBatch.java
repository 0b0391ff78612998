package lucid.model;

import lucid.tensor.MatVec;
import lucid.tensor.WorkerPool;

/**
 * The buffers and threads of a decode step for several independent sequences at once
 * ({@link Transformer#forwardSequences}): their activations side by side (sequence i at i·dim,
 * i·ffn, …), so each weight row is read once for all of them. The sequences' keys, values and
 * logits stay in their own {@link InferenceState}s. Made once and reused (no allocation per step).
 */
public final class SequenceBatch implements WorkerPool.Job {
    final int capacity;
    final MatVec matVec;
    private final WorkerPool pool;
    private final WorkerPool.Chunks chunks = new WorkerPool.Chunks();

    final float[] x;
    final float[] xb;
    final float[] xb2;
    final float[] q;
    final float[] k;
    final float[] v;
    final float[] attentionOut;
    final float[] hb;
    final float[] hb2;
    final float[] logits;
    /** For callers assembling a step (see {@link #states()}). */
    private final InferenceState[] stateSlots;
    private final int[] positionSlots;

    // The running step, for the per-sequence part that runs on the pool.
    Transformer model;
    InferenceState[] states;
    int[] positions;
    int count;
    int layer;

    /** Room for up to {@code capacity} sequences of {@code config}'s model; products run on {@code pool}. */
    public SequenceBatch(ModelConfig config, int capacity, WorkerPool pool) {
        if (capacity < 1) {
            throw new IllegalArgumentException("a batch holds at least one sequence, got " + capacity);
        }
        this.capacity = capacity;
        this.pool = pool;
        this.matVec = new MatVec(pool);
        int dim = config.embeddingLength();
        int attentionDim = config.headCount() * config.valueSize();
        x = new float[capacity * dim];
        xb = new float[capacity * Math.max(dim, attentionDim)];
        xb2 = new float[capacity * dim];
        q = new float[capacity * config.queryDim() + KvCache.PAD];
        k = new float[capacity * config.keyDim()];
        v = new float[capacity * config.valueDim()];
        attentionOut = new float[capacity * attentionDim + KvCache.PAD];
        hb = new float[capacity * config.feedForwardLength()];
        hb2 = new float[capacity * config.feedForwardLength()];
        logits = new float[capacity * config.vocabularySize()];
        stateSlots = new InferenceState[capacity];
        positionSlots = new int[capacity];
    }

    /**
     * Room for the states and positions of a step ({@link Transformer#forwardSequences}'s
     * arguments), so a caller assembling one each step allocates nothing. Contents are the caller's.
     */
    public InferenceState[] states() {
        return stateSlots;
    }

    /** See {@link #states()}. */
    public int[] positions() {
        return positionSlots;
    }

    public int capacity() {
        return capacity;
    }

    /** The pool the batch's products and per-sequence attention run on. */
    public WorkerPool pool() {
        return pool;
    }

    /** Runs the layer's per-sequence part (rotation, cache, attention) for every sequence, sequences split over the pool. */
    void attendAll(Transformer model, int layer) {
        this.model = model;
        this.layer = layer;
        if (count == 1) {
            model.attendSequence(this, 0, false); // one sequence: its heads may split over its own pool's threads
        } else if (pool.parallelism() == 1) {
            for (int i = 0; i < count; i++) {
                model.attendSequence(this, i, true);
            }
        } else {
            chunks.reset(count, pool.parallelism(), 1);
            pool.invoke(this);
        }
    }

    @Override
    public void work(int thread) {
        for (int start = chunks.take(); start >= 0; start = chunks.take()) {
            for (int i = start, end = chunks.end(start); i < end; i++) {
                model.attendSequence(this, i, true);
            }
        }
    }
}
