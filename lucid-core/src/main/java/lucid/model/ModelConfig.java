package lucid.model;

import lucid.LucidException;
import lucid.gguf.GgufFile;
import lucid.gguf.GgufMetadata;
import lucid.tensor.GgmlType;
import lucid.tensor.Tensor;

import java.util.List;

/**
 * The hyperparameters of a decoder-only transformer, read from GGUF metadata
 * ({@code <arch>.embedding_length} and friends). Shapes used throughout the forward pass:
 * dim = {@link #embeddingLength}, heads × headSize for queries, kvHeads × headSize for keys,
 * kvHeads × valueSize for values, ffn = {@link #feedForwardLength}.
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
        float rmsNormEpsilon,
        RopeConfig rope) {

    /** Architectures Lucid runs, by their {@code general.architecture} name. */
    public static final List<String> SUPPORTED_ARCHITECTURES = List.of("llama");

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
        if (rope.dimensions() > headSize) {
            throw new LucidException("rope.dimension_count = " + rope.dimensions() + " exceeds the head size " + headSize);
        }
        if (!(rmsNormEpsilon > 0) || rmsNormEpsilon > 1) {
            throw new LucidException("attention.layer_norm_rms_epsilon = " + rmsNormEpsilon + " is not a small positive number");
        }
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

    /** Reads the configuration of a model file, checking that Lucid supports its architecture. */
    public static ModelConfig fromGguf(GgufFile file) {
        GgufMetadata m = file.metadata();
        String arch = m.string("general.architecture").orElseThrow(() -> new LucidException(
                file.path().getFileName() + " has no general.architecture; it is not a model file Lucid can run"));
        if (!SUPPORTED_ARCHITECTURES.contains(arch)) {
            throw new LucidException("architecture \"" + arch + "\" is not supported yet (Lucid runs: "
                    + String.join(", ", SUPPORTED_ARCHITECTURES) + ")");
        }
        String p = arch + ".";
        int dim = m.requireInt(p + "embedding_length");
        int heads = scalarInt(m, p + "attention.head_count");
        int kvHeads = m.entry(p + "attention.head_count_kv").isPresent() ? scalarInt(m, p + "attention.head_count_kv") : heads;
        if (heads <= 0) {
            throw new LucidException("model metadata attention.head_count = " + heads + " must be positive");
        }
        int headSize = m.intValue(p + "attention.key_length", dim / heads);
        int valueSize = m.intValue(p + "attention.value_length", headSize);
        if (m.intValue(p + "attention.key_length").isEmpty() && dim % heads != 0) {
            throw new LucidException("embedding_length " + dim + " is not a multiple of attention.head_count " + heads);
        }
        Tensor embedding = file.requireTensor("token_embd.weight");
        int vocab = m.intValue(p + "vocab_size")
                .or(() -> m.stringArray("tokenizer.ggml.tokens").map(t -> t.length))
                .orElse((int) Math.min(Integer.MAX_VALUE, embedding.rowCount()));
        return new ModelConfig(
                arch,
                m.string("general.name").orElse(file.path().getFileName().toString()),
                dim,
                m.requireInt(p + "block_count"),
                heads,
                kvHeads,
                headSize,
                valueSize,
                m.requireInt(p + "feed_forward_length"),
                vocab,
                m.intValue(p + "context_length", 2048),
                m.floatValue(p + "attention.layer_norm_rms_epsilon", 1e-5f),
                rope(file, p, headSize, m.intValue(p + "context_length", 2048)));
    }

    /** Per-layer arrays (as some architectures store head counts) are not supported for llama. */
    private static int scalarInt(GgufMetadata m, String key) {
        var entry = m.entry(key).orElseThrow(() -> new LucidException("the model file has no metadata " + key + ", which Lucid needs"));
        if (entry.type() == lucid.gguf.GgufValueType.ARRAY) {
            throw new LucidException("metadata " + key + " differs per layer, which Lucid does not support for this architecture");
        }
        return m.requireInt(key);
    }

    private static RopeConfig rope(GgufFile file, String p, int headSize, int trainedContext) {
        GgufMetadata m = file.metadata();
        RopeConfig.Scaling scaling = RopeConfig.Scaling.parse(m.string(p + "rope.scaling.type").orElse("none"));
        double factor = m.doubleValue(p + "rope.scaling.factor").filter(f -> f > 0).orElse(1.0);
        if (m.contains(p + "rope.scale_linear") && scaling == RopeConfig.Scaling.NONE) {
            // Older files: linear scaling as a single key.
            factor = m.doubleValue(p + "rope.scale_linear").orElse(1.0);
            scaling = factor == 1.0 ? RopeConfig.Scaling.NONE : RopeConfig.Scaling.LINEAR;
        }
        float[] frequencyFactors = file.tensor("rope_freqs.weight").map(ModelConfig::floats).orElse(null);
        return new RopeConfig(
                m.intValue(p + "rope.dimension_count", headSize),
                m.doubleValue(p + "rope.freq_base").orElse(10000.0),
                scaling,
                factor,
                m.intValue(p + "rope.scaling.original_context_length", trainedContext),
                m.doubleValue(p + "rope.scaling.yarn_beta_fast").orElse(32.0),
                m.doubleValue(p + "rope.scaling.yarn_beta_slow").orElse(1.0),
                m.doubleValue(p + "rope.scaling.attn_factor").orElse(1.0),
                m.doubleValue(p + "rope.scaling.low_freq_factor").orElse(1.0),
                m.doubleValue(p + "rope.scaling.high_freq_factor").orElse(4.0),
                frequencyFactors);
    }

    /** A small F32 vector tensor read into an array (rope frequency factors: a few dozen floats). */
    private static float[] floats(Tensor t) {
        if (t.type() != GgmlType.F32 || t.elementCount() > 1 << 16) {
            throw new LucidException("tensor " + t.name() + " should be a small F32 vector, found " + t.type() + " " + t.shapeString());
        }
        float[] out = new float[(int) t.elementCount()];
        lucid.tensor.F32Format.INSTANCE.dequantize(t.data(), 0, out, 0, out.length);
        return out;
    }
}
