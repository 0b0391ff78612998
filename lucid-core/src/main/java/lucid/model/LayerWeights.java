package lucid.model;

import lucid.tensor.WeightMatrix;

import java.lang.foreign.MemorySegment;

/**
 * The weights of one decoder block, named as in GGUF ({@code blk.N.*}). Norm weights are F32
 * vectors of length dim; matrices map their input (cols) to their output (rows).
 *
 * @param attentionNorm {@code attn_norm}  (dim)
 * @param query         {@code attn_q}      (dim → heads·headSize)
 * @param key           {@code attn_k}      (dim → kvHeads·headSize)
 * @param value         {@code attn_v}      (dim → kvHeads·valueSize)
 * @param output        {@code attn_output} (heads·valueSize → dim)
 * @param ffnNorm       {@code ffn_norm}    (dim)
 * @param gate          {@code ffn_gate}    (dim → ffn)
 * @param up            {@code ffn_up}      (dim → ffn)
 * @param down          {@code ffn_down}    (ffn → dim)
 */
public record LayerWeights(
        MemorySegment attentionNorm,
        WeightMatrix query,
        WeightMatrix key,
        WeightMatrix value,
        WeightMatrix output,
        MemorySegment ffnNorm,
        WeightMatrix gate,
        WeightMatrix up,
        WeightMatrix down) {}
