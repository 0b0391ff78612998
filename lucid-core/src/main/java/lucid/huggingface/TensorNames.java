package lucid.huggingface;

import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Tensor names of transformers' Llama-style checkpoints ({@code model.layers.3.self_attn.q_proj.weight})
 * and the names llama.cpp gives them ({@code blk.3.attn_q.weight}), both ways.
 */
final class TensorNames {
    private TensorNames() {}

    private static final Map<String, String> GLOBAL = Map.of(
            "model.embed_tokens.weight", "token_embd.weight",
            "model.norm.weight", "output_norm.weight",
            "lm_head.weight", "output.weight");

    /** Per layer, after {@code model.layers.N.} and {@code blk.N.}; each with .weight and, where the model has one, .bias. */
    private static final Map<String, String> LAYER = Map.ofEntries(
            Map.entry("input_layernorm", "attn_norm"),
            Map.entry("self_attn.q_proj", "attn_q"),
            Map.entry("self_attn.k_proj", "attn_k"),
            Map.entry("self_attn.v_proj", "attn_v"),
            Map.entry("self_attn.o_proj", "attn_output"),
            Map.entry("self_attn.q_norm", "attn_q_norm"),
            Map.entry("self_attn.k_norm", "attn_k_norm"),
            Map.entry("post_attention_layernorm", "ffn_norm"),
            Map.entry("mlp.gate_proj", "ffn_gate"),
            Map.entry("mlp.up_proj", "ffn_up"),
            Map.entry("mlp.down_proj", "ffn_down"));

    private static final Pattern HF_LAYER = Pattern.compile("model\\.layers\\.(0|[1-9][0-9]{0,5})\\.(.+)\\.(weight|bias)");
    private static final Pattern GGUF_LAYER = Pattern.compile("blk\\.([0-9]+)\\.(.+)\\.(weight|bias)");

    /** The llama.cpp name of a checkpoint tensor, or empty for a name Lucid does not know (or a layer past the last). */
    static Optional<String> toGguf(String name, int layers) {
        if (GLOBAL.containsKey(name)) {
            return Optional.of(GLOBAL.get(name));
        }
        Matcher m = HF_LAYER.matcher(name);
        if (!m.matches() || Integer.parseInt(m.group(1)) >= layers || !LAYER.containsKey(m.group(2))) {
            return Optional.empty();
        }
        return Optional.of("blk." + m.group(1) + "." + LAYER.get(m.group(2)) + "." + m.group(3));
    }

    /** The checkpoint name of a llama.cpp tensor name, for messages; names without one come back as they are. */
    static String toHuggingFace(String ggufName) {
        for (var e : GLOBAL.entrySet()) {
            if (e.getValue().equals(ggufName)) {
                return e.getKey();
            }
        }
        Matcher m = GGUF_LAYER.matcher(ggufName);
        if (m.matches()) {
            for (var e : LAYER.entrySet()) {
                if (e.getValue().equals(m.group(2))) {
                    return "model.layers." + m.group(1) + "." + e.getKey() + "." + m.group(3);
                }
            }
        }
        return ggufName;
    }

    /** Buffers some checkpoints carry that are not weights (RoPE frequencies, recomputed from config.json). */
    static boolean isBuffer(String name) {
        return name.endsWith(".rotary_emb.inv_freq");
    }
}
