package lucid.model;

import lucid.tensor.WeightMatrix;

import java.lang.foreign.MemorySegment;

/**
 * The weights of one decoder block, named as in GGUF ({@code blk.N.*}). Matrices map their input
 * (cols) to their output (rows); vectors are F32. Parts a family does not have are null. Fused
 * tensors ({@code attn_qkv}, Phi-3's gate-and-up {@code ffn_up}) appear here as their row ranges.
 *
 * @param attentionNorm     {@code attn_norm}  (dim, + bias for LayerNorm)
 * @param query             {@code attn_q}      (dim → heads·headSize)
 * @param key               {@code attn_k}      (dim → kvHeads·headSize)
 * @param value             {@code attn_v}      (dim → kvHeads·valueSize)
 * @param queryBias         {@code attn_q.bias} (heads·headSize) or null; likewise keyBias, valueBias
 * @param queryNorm         {@code attn_q_norm} (headSize) or null: RMSNorm of each query head; likewise keyNorm
 * @param output            {@code attn_output} (heads·valueSize → dim)
 * @param outputBias        {@code attn_output.bias} (dim) or null
 * @param postAttentionNorm {@code post_attention_norm} (dim) or null
 * @param ffnNorm           {@code ffn_norm}    (dim, + bias for LayerNorm)
 * @param gate              {@code ffn_gate}    (dim → ffn), or null for an ungated MLP
 * @param up                {@code ffn_up}      (dim → ffn)
 * @param upBias            {@code ffn_up.bias} (ffn) or null
 * @param down              {@code ffn_down}    (ffn → dim)
 * @param downBias          {@code ffn_down.bias} (dim) or null
 * @param postFfnNorm       {@code post_ffw_norm} (dim) or null
 */
public record LayerWeights(
        NormWeights attentionNorm,
        WeightMatrix query,
        WeightMatrix key,
        WeightMatrix value,
        MemorySegment queryBias,
        MemorySegment keyBias,
        MemorySegment valueBias,
        MemorySegment queryNorm,
        MemorySegment keyNorm,
        WeightMatrix output,
        MemorySegment outputBias,
        MemorySegment postAttentionNorm,
        NormWeights ffnNorm,
        WeightMatrix gate,
        WeightMatrix up,
        MemorySegment upBias,
        WeightMatrix down,
        MemorySegment downBias,
        MemorySegment postFfnNorm) {}
