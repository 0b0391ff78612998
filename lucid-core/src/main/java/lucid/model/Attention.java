package lucid.model;

import lucid.tensor.VectorMath;
import lucid.tensor.WorkerPool;

/**
 * Causal scaled dot-product attention of one new position over the KV cache, heads split over
 * the worker pool. Head h reads key/value head h / groupSize (grouped-query attention). Scores
 * are scaled, soft-capped and windowed as the model's {@link AttentionConfig} says.
 */
final class Attention implements WorkerPool.Job {
    /** Below this many score computations (heads × positions) one thread does all heads. */
    private static final int PARALLEL_THRESHOLD = 4096;

    private final ModelConfig config;
    private final WorkerPool pool;
    private final WorkerPool.Chunks chunks = new WorkerPool.Chunks();
    private final float scale;
    /** What multiplies q·k in the running job: the scale, or 1 when the rounded queries carry it. */
    private float dotScale;
    private final float softCap;
    private final int contextLength;
    /** Attention weights per head over positions (heads, context); row h holds head h's softmax. */
    final float[] weights;
    /**
     * With an F16 cache, round the query and the weights to F16 before they meet the cached keys
     * and values, as llama.cpp's F16 × F16 products do (see ActivationRounding.LLAMA_CPP).
     */
    boolean roundLikeLlamaCpp;
    private final float[] roundedQuery;

    // The arguments of the running job.
    private float[] q;
    private int qOffset;
    private float[] keys;
    private float[] values;
    private short[] halfKeys;
    private short[] halfValues;
    private float[] out;
    private int outOffset;
    private int positions;
    /** The first position the query sees (a sliding window starts after 0). */
    private int first;

    Attention(ModelConfig config, int contextLength, WorkerPool pool) {
        this.config = config;
        this.pool = pool;
        this.contextLength = contextLength;
        this.scale = config.attention().scale();
        this.softCap = config.attention().logitSoftCap();
        this.weights = new float[config.headCount() * contextLength];
        this.roundedQuery = new float[config.queryDim() + KvCache.PAD];
    }

    /**
     * out (heads·valueSize) = softmax(softCap(scale · q·Kᵀ))·V over the positions of {@code layer}
     * that {@code position} sees: 0..position, or the window's last positions. The weights of
     * positions outside the window are 0.
     */
    void attend(float[] q, KvCache cache, int layer, int position, float[] out) {
        attend(q, 0, cache, layer, position, out, 0);
    }

    /** As {@link #attend(float[], KvCache, int, int, float[])}, with q and out at offsets (one token of a batch). */
    void attend(float[] q, int qOffset, KvCache cache, int layer, int position, float[] out, int outOffset) {
        attend(q, qOffset, cache, layer, position, out, outOffset, false);
    }

    /**
     * As above; {@code onThisThread} keeps every head on the calling thread (it is already one of
     * several threads, each attending for its own sequence).
     */
    void attend(float[] q, int qOffset, KvCache cache, int layer, int position, float[] out, int outOffset, boolean onThisThread) {
        dotScale = scale;
        if (roundLikeLlamaCpp && cache.type() == CacheType.F16) {
            // llama.cpp rounds the queries to F16 after scaling them, where its graph scales them
            float pre = config.attention().scaleQueries() ? scale : 1f;
            for (int i = 0; i < config.queryDim(); i++) {
                roundedQuery[i] = Float.float16ToFloat(Float.floatToFloat16(q[qOffset + i] * pre));
            }
            dotScale = scale / pre;
            q = roundedQuery;
            qOffset = 0;
        }
        this.q = q;
        this.qOffset = qOffset;
        this.outOffset = outOffset;
        this.keys = cache.keys == null ? null : cache.keys[layer];
        this.values = cache.values == null ? null : cache.values[layer];
        this.halfKeys = cache.halfKeys == null ? null : cache.halfKeys[layer];
        this.halfValues = cache.halfValues == null ? null : cache.halfValues[layer];
        this.out = out;
        this.positions = position + 1;
        this.first = config.attention().firstVisible(layer, position);
        int heads = config.headCount();
        if (onThisThread || pool.parallelism() == 1 || heads * positions < PARALLEL_THRESHOLD) {
            for (int h = 0; h < heads; h++) {
                head(h);
            }
        } else {
            chunks.reset(heads, pool.parallelism(), 1);
            pool.invoke(this);
        }
    }

    @Override
    public void work(int thread) {
        for (int start = chunks.take(); start >= 0; start = chunks.take()) {
            for (int h = start, end = chunks.end(start); h < end; h++) {
                head(h);
            }
        }
    }

    private void head(int h) {
        int headSize = config.headSize();
        int valueSize = config.valueSize();
        int kvHead = h / config.groupSize();
        int keyStride = config.keyDim();
        int valueStride = config.valueDim();
        int att = h * contextLength;
        // scores[t] = softCap(q_h · k_t · scale) for the visible positions t
        java.util.Arrays.fill(weights, att, att + first, 0f);
        for (int t = first; t < positions; t++) {
            int k = t * keyStride + kvHead * headSize;
            float dot = keys != null ? VectorMath.dot(q, qOffset + h * headSize, keys, k, headSize)
                    : VectorMath.dotHalf(q, qOffset + h * headSize, halfKeys, k, headSize);
            weights[att + t] = dot * dotScale;
        }
        if (softCap > 0) {
            VectorMath.softCap(weights, att + first, positions - first, softCap);
        }
        VectorMath.softmax(weights, att + first, positions - first);
        // out_h = Σ_t weights[t] · v_t
        int o = outOffset + h * valueSize;
        if (VectorMath.weightedRowsVectorised()) {
            int base = kvHead * valueSize;
            if (values != null) {
                VectorMath.weightedRows(out, o, weights, att, values, base, valueStride, first, positions, valueSize);
            } else {
                VectorMath.weightedHalfRows(out, o, weights, att, halfValues, base, valueStride, first, positions, valueSize, roundLikeLlamaCpp);
            }
            return;
        }
        java.util.Arrays.fill(out, o, o + valueSize, 0f);
        for (int t = first; t < positions; t++) {
            int v = t * valueStride + kvHead * valueSize;
            if (values != null) {
                VectorMath.addScaled(out, o, weights[att + t], values, v, valueSize);
            } else {
                float w = roundLikeLlamaCpp ? Float.float16ToFloat(Float.floatToFloat16(weights[att + t])) : weights[att + t];
                VectorMath.addScaledHalf(out, o, w, halfValues, v, valueSize);
            }
        }
    }
}
