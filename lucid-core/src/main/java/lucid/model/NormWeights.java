package lucid.model;

import java.lang.foreign.MemorySegment;

/**
 * The weights of one normalization: a scale, and for LayerNorm a bias (null for RMSNorm). Both
 * are F32 vectors of the normalized length.
 */
public record NormWeights(MemorySegment weight, MemorySegment bias) {}
