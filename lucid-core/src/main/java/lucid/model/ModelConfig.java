package lucid.model;

import lucid.LucidException;
import lucid.gguf.ModelFile;

import java.util.List;

/**
 * The hyperparameters of a decoder-only transformer, read from GGUF metadata
 * ({@code <arch>.embedding_length} and friends, which a Hugging Face folder's config.json is
 * translated into). Shapes used throughout the forward pass:
 * dim = {@link #embeddingLength}, heads × headSize for queries, kvHeads × headSize for keys,
 * kvHeads × valueSize for values, ffn = {@link #feedForwardLength}.
 *
 * @param normEpsilon       {@code attention.layer_norm_rms_epsilon} (or {@code layer_norm_epsilon} for LayerNorm)
 * @param rope              the rotary embedding of global layers (with the short factors when there are two sets);
 *                          null when the family has no RoPE
 * @param options           the family's block options
 * @param attention         score scale, soft-capping and sliding window
 * @param localRope         the rotary embedding of sliding-window layers (Gemma's local base), else {@code rope}
 * @param longRope          Phi-3's long-context factors, used when the context exceeds {@code rope.originalContext()}; else null
 * @param finalLogitSoftCap {@code final_logit_softcapping}: logits = cap · tanh(logits / cap); 0 for none
 */
public record ModelConfig(
        String architecture,
        String name,
        int embeddingLength,
        int blockCount,
        int headCount,
        int headCountKv,
        int headSize,
        int valueSize,
        int feedForwardLength,
        int vocabularySize,
        int contextLength,
        float normEpsilon,
        RopeConfig rope,
        ArchitectureOptions options,
        AttentionConfig attention,
        RopeConfig localRope,
        RopeConfig longRope,
        float finalLogitSoftCap) {

    /** Architectures Lucid runs, by their {@code general.architecture} name. */
    public static final List<String> SUPPORTED_ARCHITECTURES = ArchitectureOptions.NAMES;

    public ModelConfig {
        positive("embedding_length", embeddingLength);
        positive("block_count", blockCount);
        positive("attention.head_count", headCount);
        positive("attention.head_count_kv", headCountKv);
        positive("key_length", headSize);
        positive("value_length", valueSize);
        positive("feed_forward_length", feedForwardLength);
        positive("vocab_size", vocabularySize);
        positive("context_length", contextLength);
        if (headCount % headCountKv != 0) {
            throw new LucidException("attention.head_count = " + headCount + " is not a multiple of attention.head_count_kv = " + headCountKv);
        }
        if ((rope == null) != (options.rope() == ArchitectureOptions.RopeStyle.NONE)) {
            throw new IllegalArgumentException("a " + options.rope() + " rope style needs " + (rope == null ? "a" : "no") + " rope configuration");
        }
        for (RopeConfig r : new RopeConfig[] {rope, localRope, longRope}) {
            if (r != null && r.dimensions() > headSize) {
                throw new LucidException("rope.dimension_count = " + r.dimensions() + " exceeds the head size " + headSize);
            }
        }
        if (!(normEpsilon > 0) || normEpsilon > 1) {
            throw new LucidException("attention.layer_norm_rms_epsilon = " + normEpsilon + " is not a small positive number");
        }
        if (attention.windowed().length != blockCount) {
            throw new IllegalArgumentException("sliding-window flags for " + attention.windowed().length + " layers, the model has " + blockCount);
        }
        if (!(finalLogitSoftCap >= 0) || Float.isInfinite(finalLogitSoftCap)) {
            throw new LucidException("final_logit_softcapping = " + finalLogitSoftCap + " must be a positive number (or 0 for none)");
        }
        if (localRope == null) {
            localRope = rope;
        }
    }

    /** A Llama model's configuration (plain attention, one rope for all layers). */
    public ModelConfig(String architecture, String name, int embeddingLength, int blockCount, int headCount, int headCountKv,
                       int headSize, int valueSize, int feedForwardLength, int vocabularySize, int contextLength,
                       float normEpsilon, RopeConfig rope) {
        this(architecture, name, embeddingLength, blockCount, headCount, headCountKv, headSize, valueSize, feedForwardLength,
                vocabularySize, contextLength, normEpsilon, rope, ArchitectureOptions.LLAMA,
                AttentionConfig.plain(blockCount, headSize), rope, null, 0f);
    }

    private static void positive(String key, int value) {
        if (value <= 0) {
            throw new LucidException("model metadata " + key + " = " + value + " must be positive");
        }
    }

    /** Query heads that share one key/value head (grouped-query attention). */
    public int groupSize() {
        return headCount / headCountKv;
    }

    public int queryDim() {
        return headCount * headSize;
    }

    public int keyDim() {
        return headCountKv * headSize;
    }

    public int valueDim() {
        return headCountKv * valueSize;
    }

    /** What multiplies the token embedding: √dim for Gemma, else 1. */
    public float embeddingScale() {
        return options.scaledEmbedding() ? (float) Math.sqrt(embeddingLength) : 1f;
    }

    /** Rotated elements per head (0 without RoPE). */
    public int ropeDimensions() {
        return rope == null ? 0 : rope.dimensions();
    }

    /**
     * Reads the configuration of a model (a GGUF file, or a Hugging Face folder in GGUF's terms),
     * checking that Lucid supports its architecture.
     */
    public static ModelConfig fromGguf(ModelFile file) {
        return ModelMetadata.read(file);
    }
}
