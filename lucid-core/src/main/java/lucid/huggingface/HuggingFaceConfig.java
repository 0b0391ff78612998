package lucid.huggingface;

import lucid.LucidException;
import lucid.gguf.GgufMetadata;
import lucid.gguf.GgufValueType;
import lucid.gguf.ModelFile;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A Hugging Face config.json in the GGUF metadata keys that llama.cpp's converter writes
 * ({@code llama.embedding_length} for {@code hidden_size}, and so on), with transformers'
 * defaults where a field is left out. Architectures are those whose decoder block Lucid runs;
 * Mistral is Llama's block with a sliding window.
 */
final class HuggingFaceConfig {
    private HuggingFaceConfig() {}

    /** config.json's {@code architectures[0]} → the GGUF family that runs it. */
    static final Map<String, String> FAMILIES = families();

    private static Map<String, String> families() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("LlamaForCausalLM", "llama");
        m.put("MistralForCausalLM", "llama");
        m.put("Qwen2ForCausalLM", "qwen2");
        m.put("Qwen3ForCausalLM", "qwen3");
        return java.util.Collections.unmodifiableMap(m);
    }

    /** Older configs name only the {@code model_type}. */
    private static final Map<String, String> CLASS_OF_MODEL_TYPE = Map.of(
            "llama", "LlamaForCausalLM", "mistral", "MistralForCausalLM", "qwen2", "Qwen2ForCausalLM", "qwen3", "Qwen3ForCausalLM");

    /**
     * What config.json says.
     *
     * @param architecture the transformers class, e.g. {@code LlamaForCausalLM}
     * @param family       the GGUF architecture name, e.g. {@code llama}
     * @param layers       {@code num_hidden_layers}
     * @param tied         {@code tie_word_embeddings}: the output head is the token embedding
     * @param metadata     the GGUF keys and values
     */
    record Translation(String architecture, String family, int layers, boolean tied, Map<String, GgufMetadata.Entry> metadata) {}

    /** Translates config.json; {@code name} becomes {@code general.name}. */
    static Translation translate(ConfigFile c, String name) {
        String architecture = architecture(c);
        String family = FAMILIES.get(architecture);
        String activation = c.string("hidden_act").orElse("silu");
        if (!activation.equals("silu")) {
            throw c.problem("has hidden_act = \"" + activation + "\"; Lucid runs " + architecture + " with silu only");
        }
        String p = family + ".";
        Map<String, GgufMetadata.Entry> m = new LinkedHashMap<>();
        putString(m, "general.architecture", family);
        putString(m, "general.name", name);
        int dim = c.requirePositive("hidden_size");
        int heads = c.requirePositive("num_attention_heads");
        int layers = c.requirePositive("num_hidden_layers");
        putInt(m, p + "embedding_length", dim);
        putInt(m, p + "block_count", layers);
        putInt(m, p + "feed_forward_length", c.requirePositive("intermediate_size"));
        putInt(m, p + "attention.head_count", heads);
        putInt(m, p + "attention.head_count_kv", c.positive("num_key_value_heads").orElse(heads));
        c.positive("head_dim").ifPresent(headDim -> {
            putInt(m, p + "attention.key_length", headDim);
            putInt(m, p + "attention.value_length", headDim);
        });
        c.positive("max_position_embeddings").ifPresent(n -> putInt(m, p + "context_length", n));
        c.positive("vocab_size").ifPresent(n -> putInt(m, p + "vocab_size", n));
        putFloat(m, p + "attention.layer_norm_rms_epsilon", c.number("rms_norm_eps").orElse(1e-6));
        rope(c, p, m);
        if (family.equals("llama")) {
            // Mistral's window (null in later versions); Qwen's is off and llama.cpp ignores it, as Lucid does
            c.positive("sliding_window").ifPresent(w -> putInt(m, p + "attention.sliding_window", w));
            // Q and K rows as trained: rotated by halves (llama.cpp permutes them to rotate adjacent pairs instead)
            putString(m, ModelFile.ROPE_STYLE_KEY, "neox");
        }
        return new Translation(architecture, family, layers, c.bool("tie_word_embeddings").orElse(false), m);
    }

    private static String architecture(ConfigFile c) {
        String architecture;
        if (c.has("architectures")) {
            var list = c.root().get("architectures");
            if (!list.isArray() || list.isEmpty() || !list.get(0).isTextual()) {
                throw c.problem("has architectures = " + ConfigFile.shortText(list) + ", which should be a list such as [\"LlamaForCausalLM\"]");
            }
            architecture = list.get(0).asText();
        } else {
            String type = c.string("model_type").orElseThrow(() -> c.problem(
                    "names no architectures (e.g. [\"LlamaForCausalLM\"]) and no model_type; is it a model's config.json?"));
            architecture = CLASS_OF_MODEL_TYPE.getOrDefault(type, type);
        }
        if (!FAMILIES.containsKey(architecture)) {
            throw new LucidException("the architecture " + ConfigFile.oneLine(architecture) + " in " + c.name()
                    + " is not supported in Hugging Face folders; Lucid runs " + String.join(", ", FAMILIES.keySet())
                    + " (or convert the model to GGUF with llama.cpp)");
        }
        return architecture;
    }

    /**
     * {@code rope_theta} and {@code rope_scaling} (in transformers 5 both sit in
     * {@code rope_parameters}). llama3 and linear scaling carry over as they are; for YaRN,
     * transformers' {@code attention_factor} is the whole magnitude while ggml multiplies its
     * {@code attn_factor} by 1 + 0.1·ln(factor), so that part is divided out.
     */
    private static void rope(ConfigFile c, String p, Map<String, GgufMetadata.Entry> m) {
        Optional<ConfigFile> parameters = c.object("rope_parameters");
        double theta = c.number("rope_theta").or(() -> parameters.flatMap(r -> r.number("rope_theta"))).orElse(10000.0);
        putFloat(m, p + "rope.freq_base", theta);
        Optional<ConfigFile> scaling = c.object("rope_scaling").or(() -> parameters);
        if (scaling.isEmpty()) {
            return;
        }
        ConfigFile s = scaling.get();
        String type = s.string("rope_type").or(() -> s.string("type")).orElse("default");
        if (type.equals("default")) {
            return;
        }
        if (!List.of("linear", "llama3", "yarn").contains(type)) {
            throw s.problem("has the type \"" + ConfigFile.oneLine(type) + "\", which Lucid does not support (it supports linear, llama3 and yarn)");
        }
        double factor = s.number("factor").orElseThrow(() -> s.problem("has no factor"));
        if (!(factor > 0)) {
            throw s.problem("has factor = " + factor + ", which should be positive");
        }
        putString(m, p + "rope.scaling.type", type);
        putFloat(m, p + "rope.scaling.factor", factor);
        Optional<Integer> original = s.positive("original_max_position_embeddings").stream().boxed().findFirst();
        switch (type) {
            case "llama3" -> {
                putInt(m, p + "rope.scaling.original_context_length",
                        original.orElseThrow(() -> s.problem("has no original_max_position_embeddings, which llama3 scaling needs")));
                putFloat(m, p + "rope.scaling.low_freq_factor", s.number("low_freq_factor").orElse(1.0));
                putFloat(m, p + "rope.scaling.high_freq_factor", s.number("high_freq_factor").orElse(4.0));
            }
            case "yarn" -> {
                original.or(() -> c.positive("max_position_embeddings").stream().boxed().findFirst())
                        .ifPresent(n -> putInt(m, p + "rope.scaling.original_context_length", n));
                putFloat(m, p + "rope.scaling.yarn_beta_fast", s.number("beta_fast").orElse(32.0));
                putFloat(m, p + "rope.scaling.yarn_beta_slow", s.number("beta_slow").orElse(1.0));
                s.number("attention_factor").ifPresent(a -> putFloat(m, p + "rope.scaling.attn_factor",
                        a / (factor > 1 ? 1 + 0.1 * Math.log(factor) : 1)));
            }
            default -> { }
        }
    }

    private static void putString(Map<String, GgufMetadata.Entry> m, String key, String value) {
        m.put(key, new GgufMetadata.Entry(GgufValueType.STRING, value));
    }

    private static void putInt(Map<String, GgufMetadata.Entry> m, String key, int value) {
        m.put(key, new GgufMetadata.Entry(GgufValueType.UINT32, (long) value));
    }

    /** Stored as FLOAT64 so that values such as rope_theta keep their digits. */
    private static void putFloat(Map<String, GgufMetadata.Entry> m, String key, double value) {
        m.put(key, new GgufMetadata.Entry(GgufValueType.FLOAT64, value));
    }
}
