package lucid.model;

import lucid.tensor.MatVec;
import lucid.tensor.WorkerPool;

/**
 * The scratch buffers and KV cache one sequence needs while it runs through a model (llama2.c's
 * RunState). Allocated once per session, so the decode loop allocates nothing.
 */
public final class InferenceState {
    final ModelConfig config;
    final KvCache cache;
    final MatVec matVec;
    final WorkerPool pool;
    final Attention attention;

    /** The residual stream (dim). */
    final float[] x;
    /** Normed input of the current sublayer (dim). */
    final float[] xb;
    /** Output of a sublayer before it is added to the residual (dim). */
    final float[] xb2;
    /** Queries of all heads (heads·headSize). */
    final float[] q;
    /** The new position's key (kvHeads·headSize) and value (kvHeads·valueSize). */
    final float[] k;
    final float[] v;
    /** Attention output of all heads, concatenated (heads·valueSize). */
    final float[] attentionOut;
    /** FFN hidden activations: gate and up projections (ffn). */
    final float[] hb;
    final float[] hb2;
    /** The rotation each layer uses at this context length. */
    final LayerRopes ropes;
    /** RoPE cos/sin of the current position, per distinct rotation (ropes × rope pairs). */
    final float[][] ropeCos;
    final float[][] ropeSin;
    /** Output logits (vocab). */
    final float[] logits;
    /** Buffers for batched prompt processing, made on first use. */
    private BatchState batch;
    /** Who watches the forward pass, or null (then nothing extra is done). */
    ForwardObserver observer;

    public InferenceState(ModelConfig config, int contextLength, WorkerPool pool) {
        this(config, contextLength, pool, CacheType.F32);
    }

    public InferenceState(ModelConfig config, int contextLength, WorkerPool pool, CacheType cacheType) {
        if (config.options().positionEmbedding() && contextLength > config.contextLength()) {
            throw new lucid.LucidException("this " + config.architecture() + " model has learned positions for "
                    + config.contextLength() + " tokens; use a context of at most that (-c " + config.contextLength() + ")");
        }
        this.config = config;
        this.cache = new KvCache(config, contextLength, cacheType);
        this.pool = pool;
        this.matVec = new MatVec(pool);
        this.attention = new Attention(config, contextLength, pool);
        x = new float[config.embeddingLength()];
        xb = new float[Math.max(config.embeddingLength(), config.headCount() * config.valueSize())];
        xb2 = new float[config.embeddingLength()];
        q = new float[config.queryDim() + KvCache.PAD];
        k = new float[config.keyDim()];
        v = new float[config.valueDim()];
        attentionOut = new float[config.headCount() * config.valueSize() + KvCache.PAD];
        hb = new float[config.feedForwardLength()];
        hb2 = new float[config.feedForwardLength()];
        ropes = new LayerRopes(config, contextLength);
        ropeCos = new float[ropes.ropes.length][ropes.pairs()];
        ropeSin = new float[ropes.ropes.length][ropes.pairs()];
        logits = new float[config.vocabularySize()];
    }

    /**
     * Tokens a batched step takes at most (llama.cpp's micro-batch): each weight panel is
     * dequantized once per batch, so the batch must be long for that to be small next to the
     * arithmetic.
     */
    public static final int BATCH = 512;
    /** Shorter prompts go through token by token: a batch's fixed cost is not worth it below this. */
    public static final int MIN_BATCH = 32;

    private lucid.tensor.ActivationRounding rounding = lucid.tensor.ActivationRounding.EXACT;

    BatchState batch() {
        if (batch == null) {
            batch = new BatchState(config, BATCH, pool, ropes);
            batch.matMul.setRounding(rounding);
        }
        return batch;
    }

    /**
     * How activations enter the matrix products: exact (F32, the default) or rounded as llama.cpp
     * rounds them, to compare with its numbers digit for digit.
     */
    public void setActivationRounding(lucid.tensor.ActivationRounding rounding) {
        this.rounding = rounding;
        matVec.setRounding(rounding);
        attention.roundLikeLlamaCpp = rounding == lucid.tensor.ActivationRounding.LLAMA_CPP;
        if (batch != null) {
            batch.matMul.setRounding(rounding);
        }
    }

    public lucid.tensor.ActivationRounding activationRounding() {
        return rounding;
    }

    /** Attaches an observer to every following forward step (null detaches). */
    public void setObserver(ForwardObserver observer) {
        this.observer = observer;
    }

    public ForwardObserver observer() {
        return observer;
    }

    /** The threads this state's products run on. */
    public WorkerPool pool() {
        return pool;
    }

    public int contextLength() {
        return cache.contextLength();
    }

    /** The logits left by the last forward step (read-only by convention; overwritten by the next step). */
    public float[] logits() {
        return logits;
    }
}
