package lucid.model;

import java.util.List;
import java.util.Map;

/**
 * How one model family's decoder block differs from Llama's, as options of the one block that
 * {@link Transformer} implements. A family is one of these records plus the tensor names it reads
 * ({@link ModelWeights}); its numbers (soft-caps, windows, rope bases) come from the file's
 * metadata ({@link ModelConfig#fromGguf}). Llama from a Hugging Face folder runs with NeoX rope:
 * its Q and K are stored as trained, not permuted for adjacent pairs as in GGUF files.
 *
 * <pre>
 *   family   norm   feed-forward     rope      extras
 *   llama    RMS    SwiGLU           adjacent  (sliding window when the file names one)
 *   qwen2    RMS    SwiGLU           NeoX      Q/K/V biases
 *   qwen3    RMS    SwiGLU           NeoX      RMSNorm of each query and key head
 *   gemma2   RMS    GeGLU            NeoX      embeddings ×√dim, post-norms, soft-capped scores and logits, local/global layers
 *   gemma3   RMS    GeGLU            NeoX      as gemma2 with QK-norm instead of score capping, 5 local : 1 global
 *   phi3     RMS    SwiGLU (fused)   NeoX      fused QKV, partial rotary, long/short rope factors
 *   gpt2     Layer  GELU MLP         none      learned positions, biases everywhere, fused QKV
 * </pre>
 *
 * @param norm              RMSNorm or LayerNorm (with bias) before each sublayer and at the end
 * @param activation        of the feed-forward: SiLU (SwiGLU when gated) or GELU (GeGLU when gated)
 * @param gated             the feed-forward is act(gate·x) ⊙ (up·x) ({@code ffn_gate}, or both halves of
 *                          {@code ffn_up} in Phi-3), else act(up·x + b) (GPT-2's MLP)
 * @param rope              how Q and K are rotated by position, or not at all
 * @param queryKeyNorm      RMSNorm of each query and key head before RoPE ({@code attn_q_norm}, {@code attn_k_norm})
 * @param postNorms         RMSNorm of each sublayer's output before the residual add
 *                          ({@code post_attention_norm}, {@code post_ffw_norm})
 * @param scaledEmbedding   token embeddings multiplied by √dim
 * @param positionEmbedding learned absolute positions added to the embedding ({@code position_embd})
 * @param alwaysTied        the output head is the token embedding even if the file has {@code output.weight}
 */
public record ArchitectureOptions(
        NormKind norm,
        Activation activation,
        boolean gated,
        RopeStyle rope,
        boolean queryKeyNorm,
        boolean postNorms,
        boolean scaledEmbedding,
        boolean positionEmbedding,
        boolean alwaysTied) {

    public ArchitectureOptions {
        if (!gated && activation != Activation.GELU) {
            throw new IllegalArgumentException("an ungated feed-forward is GELU's MLP; " + activation + " needs a gate");
        }
    }

    /** The same options with another rope style (a Hugging Face llama folder rotates halves). */
    public ArchitectureOptions withRope(RopeStyle style) {
        return new ArchitectureOptions(norm, activation, gated, style, queryKeyNorm, postNorms, scaledEmbedding, positionEmbedding, alwaysTied);
    }

    public enum NormKind { RMS, LAYER }

    public enum Activation { SILU, GELU }

    /**
     * ADJACENT rotates pairs (x[2i], x[2i+1]) as GGUF llama files store Q and K; NEOX rotates
     * (x[i], x[i + d/2]), the halves of the rotated part, as GPT-NeoX and most later models do.
     */
    public enum RopeStyle { NONE, ADJACENT, NEOX }

    public static final ArchitectureOptions LLAMA =
            new ArchitectureOptions(NormKind.RMS, Activation.SILU, true, RopeStyle.ADJACENT, false, false, false, false, false);
    public static final ArchitectureOptions QWEN2 =
            new ArchitectureOptions(NormKind.RMS, Activation.SILU, true, RopeStyle.NEOX, false, false, false, false, false);
    public static final ArchitectureOptions QWEN3 =
            new ArchitectureOptions(NormKind.RMS, Activation.SILU, true, RopeStyle.NEOX, true, false, false, false, false);
    public static final ArchitectureOptions GEMMA2 =
            new ArchitectureOptions(NormKind.RMS, Activation.GELU, true, RopeStyle.NEOX, false, true, true, false, true);
    public static final ArchitectureOptions GEMMA3 =
            new ArchitectureOptions(NormKind.RMS, Activation.GELU, true, RopeStyle.NEOX, true, true, true, false, false);
    public static final ArchitectureOptions PHI3 =
            new ArchitectureOptions(NormKind.RMS, Activation.SILU, true, RopeStyle.NEOX, false, false, false, false, false);
    public static final ArchitectureOptions GPT2 =
            new ArchitectureOptions(NormKind.LAYER, Activation.GELU, false, RopeStyle.NONE, false, false, false, true, false);

    /** The families Lucid runs, by their {@code general.architecture} name. */
    public static final Map<String, ArchitectureOptions> FAMILIES = Map.of(
            "llama", LLAMA, "qwen2", QWEN2, "qwen3", QWEN3, "gemma2", GEMMA2, "gemma3", GEMMA3, "phi3", PHI3, "gpt2", GPT2);

    /** The supported names in a stable order (for messages). */
    public static final List<String> NAMES = List.of("llama", "qwen2", "qwen3", "gemma2", "gemma3", "phi3", "gpt2");
}
