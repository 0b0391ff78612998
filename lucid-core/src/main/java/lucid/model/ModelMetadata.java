package lucid.model;

import lucid.LucidException;
import lucid.gguf.ModelFile;
import lucid.gguf.GgufMetadata;
import lucid.gguf.GgufValueType;
import lucid.tensor.GgmlType;
import lucid.tensor.Tensor;

import java.util.Optional;

/**
 * Reads a {@link ModelConfig} from GGUF metadata with the keys and defaults llama.cpp uses for
 * each family ({@code src/llama-model.cpp}, {@code load_hparams}): keys are prefixed by the
 * architecture name, e.g. {@code gemma2.attn_logit_softcapping}.
 */
final class ModelMetadata {
    private ModelMetadata() {}

    static ModelConfig read(ModelFile file) {
        GgufMetadata m = file.metadata();
        String arch = m.string("general.architecture").orElseThrow(() -> new LucidException(
                file.path().getFileName() + " has no general.architecture; it is not a model file Lucid can run"));
        ArchitectureOptions options = ArchitectureOptions.FAMILIES.get(arch);
        if (options == null) {
            throw new LucidException("architecture \"" + arch + "\" is not supported yet (Lucid runs: "
                    + String.join(", ", ModelConfig.SUPPORTED_ARCHITECTURES) + ")");
        }
        options = withStoredRopeStyle(m, options);
        String p = arch + ".";
        int dim = m.requireInt(p + "embedding_length");
        int layers = m.requireInt(p + "block_count");
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
        if (layers <= 0) {
            throw new LucidException("model metadata block_count = " + layers + " must be positive");
        }
        Tensor embedding = file.requireTensor("token_embd.weight");
        int vocab = m.intValue(p + "vocab_size")
                .or(() -> m.stringArray("tokenizer.ggml.tokens").map(t -> t.length))
                .orElse((int) Math.min(Integer.MAX_VALUE, embedding.rowCount()));
        int context = m.intValue(p + "context_length", 2048);
        float eps = options.norm() == ArchitectureOptions.NormKind.LAYER
                ? m.floatValue(p + "attention.layer_norm_epsilon", 1e-5f)
                : m.floatValue(p + "attention.layer_norm_rms_epsilon", 1e-5f);

        RopeConfig rope = null;
        RopeConfig localRope = null;
        RopeConfig longRope = null;
        if (options.rope() != ArchitectureOptions.RopeStyle.NONE) {
            float[] factors = file.tensor("rope_freqs.weight").map(ModelMetadata::floats)
                    .or(() -> file.tensor("rope_factors_short.weight").map(ModelMetadata::floats)).orElse(null);
            rope = rope(m, p, headSize, context, factors);
            if (!file.hasTensor("rope_freqs.weight")) {
                longRope = file.tensor("rope_factors_long.weight").map(t -> rope(m, p, headSize, context, floats(t))).orElse(null);
            }
        }
        AttentionConfig attention = attention(arch, m, p, layers, dim, heads, headSize);
        if (attention.hasWindow() && rope != null) {
            localRope = localRope(arch, m, p, rope);
        }
        float finalSoftCap = switch (arch) {
            case "gemma2" -> m.floatValue(p + "final_logit_softcapping", 30f);
            case "gemma3" -> m.floatValue(p + "final_logit_softcapping", 0f);
            default -> 0f;
        };
        return new ModelConfig(arch, m.string("general.name").orElse(file.path().getFileName().toString()),
                dim, layers, heads, kvHeads, headSize, valueSize, m.requireInt(p + "feed_forward_length"), vocab, context, eps,
                rope, options, attention, localRope, longRope, finalSoftCap);
    }

    /**
     * Score scale, capping and windows. Gemma scales queries by query_pre_attn_scalar^-½, which
     * llama.cpp takes to be the head size except for the 27B models (dim / heads); Gemma 2 caps
     * scores at 50 and alternates local and global layers (window 4096 unless the file says);
     * Gemma 3 has a window only when the file names one, 5 local layers to 1 global. llama.cpp
     * runs Qwen and Phi-3 without their configs' windows, and so does Lucid; for llama files it
     * ignores the key, which Lucid honours (every layer, unless a pattern says otherwise).
     */
    private static AttentionConfig attention(String arch, GgufMetadata m, String p, int layers, int dim, int heads, int headSize) {
        float scale = (float) (1.0 / Math.sqrt(headSize));
        float softCap = 0f;
        int window = 0;
        boolean[] windowed = new boolean[layers];
        switch (arch) {
            case "gemma2", "gemma3" -> {
                boolean large = layers == (arch.equals("gemma2") ? 46 : 62);
                scale = (float) (1.0 / Math.sqrt(large ? (double) (dim / heads) : headSize));
                if (arch.equals("gemma2")) {
                    softCap = m.floatValue(p + "attn_logit_softcapping", 50f);
                    window = m.intValue(p + "attention.sliding_window", 4096);
                    windowed = pattern(m, p, layers, 2);
                } else {
                    window = Math.max(0, m.intValue(p + "attention.sliding_window", 0));
                    windowed = window > 0 ? pattern(m, p, layers, 6) : windowed;
                }
            }
            case "llama" -> {
                window = Math.max(0, m.intValue(p + "attention.sliding_window", 0));
                windowed = window > 0 ? pattern(m, p, layers, 0) : windowed;
            }
            default -> { }
        }
        boolean scaleQueries = arch.startsWith("gemma") || arch.equals("phi3");
        return new AttentionConfig(scale, softCap, window, windowed, scaleQueries);
    }

    /**
     * {@code attention.sliding_window_pattern}: either a period n (layer l is local unless
     * l % n == n − 1; n = 0 makes every layer local) or one boolean per layer.
     */
    private static boolean[] pattern(GgufMetadata m, String p, int layers, int defaultPeriod) {
        String key = p + "attention.sliding_window_pattern";
        boolean[] windowed = new boolean[layers];
        Optional<GgufMetadata.Entry> entry = m.entry(key);
        if (entry.isPresent() && entry.get().type() == GgufValueType.ARRAY) {
            if (!(m.array(key).orElseThrow().values() instanceof boolean[] flags) || flags.length != layers) {
                throw new LucidException("metadata " + key + " should hold one boolean per layer (" + layers + ")");
            }
            return flags.clone();
        }
        int period = entry.isPresent() ? m.requireInt(key) : defaultPeriod;
        for (int l = 0; l < layers; l++) {
            windowed[l] = period == 0 || l % period < period - 1;
        }
        return windowed;
    }

    /**
     * Sliding-window layers' rotary embedding: Gemma 2 uses the global one unless
     * {@code rope.freq_base_swa} is given; Gemma 3's local layers have base 10000 unless given and
     * never the global layers' context scaling.
     */
    private static RopeConfig localRope(String arch, GgufMetadata m, String p, RopeConfig global) {
        return switch (arch) {
            case "gemma2" -> global.withBase(m.doubleValue(p + "rope.freq_base_swa").orElse(global.base()));
            case "gemma3" -> RopeConfig.plain(global.dimensions(), m.doubleValue(p + "rope.freq_base_swa").orElse(10000.0));
            default -> global;
        };
    }

    /**
     * The family's rope style, unless the model says its Q and K are laid out for another
     * ({@link ModelFile#ROPE_STYLE_KEY}: a Hugging Face llama folder, which rotates halves).
     */
    private static ArchitectureOptions withStoredRopeStyle(GgufMetadata m, ArchitectureOptions options) {
        Optional<String> style = m.string(ModelFile.ROPE_STYLE_KEY);
        if (style.isEmpty() || options.rope() == ArchitectureOptions.RopeStyle.NONE) {
            return options;
        }
        return options.withRope(switch (style.get()) {
            case "neox" -> ArchitectureOptions.RopeStyle.NEOX;
            case "adjacent" -> ArchitectureOptions.RopeStyle.ADJACENT;
            default -> throw new LucidException("metadata " + ModelFile.ROPE_STYLE_KEY + " = \"" + style.get()
                    + "\" is not a rope style (neox or adjacent)");
        });
    }

    /** Per-layer arrays (as some architectures store head counts) are not supported. */
    private static int scalarInt(GgufMetadata m, String key) {
        var entry = m.entry(key).orElseThrow(() -> new LucidException("the model file has no metadata " + key + ", which Lucid needs"));
        if (entry.type() == GgufValueType.ARRAY) {
            throw new LucidException("metadata " + key + " differs per layer, which Lucid does not support for this architecture");
        }
        return m.requireInt(key);
    }

    private static RopeConfig rope(GgufMetadata m, String p, int headSize, int trainedContext, float[] frequencyFactors) {
        RopeConfig.Scaling scaling = RopeConfig.Scaling.parse(m.string(p + "rope.scaling.type").orElse("none"));
        double factor = m.doubleValue(p + "rope.scaling.factor").filter(f -> f > 0).orElse(1.0);
        if (m.contains(p + "rope.scale_linear") && scaling == RopeConfig.Scaling.NONE) {
            // Older files: linear scaling as a single key.
            factor = m.doubleValue(p + "rope.scale_linear").orElse(1.0);
            scaling = factor == 1.0 ? RopeConfig.Scaling.NONE : RopeConfig.Scaling.LINEAR;
        }
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
