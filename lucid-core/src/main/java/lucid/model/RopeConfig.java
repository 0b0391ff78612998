package lucid.model;

import lucid.LucidException;

/**
 * How rotary position embeddings are applied: to the first {@code dimensions} elements of each
 * head (in pairs chosen by the family's {@link ArchitectureOptions.RopeStyle}), with frequency
 * base^(-2i/dimensions), optionally rescaled for longer contexts.
 *
 * @param dimensions   rotated elements per head ({@code rope.dimension_count}), even
 * @param base         {@code rope.freq_base}
 * @param scaling      the context-extension method
 * @param factor       {@code rope.scaling.factor} (1 when there is none)
 * @param originalContext {@code rope.scaling.original_context_length}: the context the model was
 *                     trained with before extension (YaRN, llama3)
 * @param yarnBetaFast, yarnBetaSlow YaRN's correction range (32 and 1 unless the file says otherwise)
 * @param attentionFactor YaRN's magnitude factor ({@code rope.scaling.attn_factor}, 1 by default)
 * @param lowFreqFactor, highFreqFactor llama3 scaling's band edges
 * @param frequencyFactors per-pair divisors of the frequency (llama.cpp's {@code rope_freqs.weight},
 *                     as Llama 3.1+ files carry), or null
 */
public record RopeConfig(int dimensions, double base, Scaling scaling, double factor, int originalContext,
                         double yarnBetaFast, double yarnBetaSlow, double attentionFactor,
                         double lowFreqFactor, double highFreqFactor, float[] frequencyFactors) {

    /** Context-extension methods, as named by {@code rope.scaling.type}. */
    public enum Scaling {
        NONE, LINEAR, YARN, LLAMA3;

        static Scaling parse(String name) {
            return switch (name) {
                case "none", "" -> NONE;
                case "linear" -> LINEAR;
                case "yarn" -> YARN;
                case "llama3" -> LLAMA3;
                default -> throw new LucidException("rope.scaling.type \"" + name + "\" is not supported (Lucid supports none, linear, yarn, llama3)");
            };
        }
    }

    public RopeConfig {
        if (dimensions <= 0 || dimensions % 2 != 0) {
            throw new LucidException("rope.dimension_count = " + dimensions + " must be a positive even number");
        }
        if (!(base > 0)) {
            throw new LucidException("rope.freq_base = " + base + " must be positive");
        }
        if (!(factor > 0)) {
            throw new LucidException("rope.scaling.factor = " + factor + " must be positive");
        }
        if (frequencyFactors != null && frequencyFactors.length != dimensions / 2) {
            throw new LucidException("rope_freqs.weight has " + frequencyFactors.length + " factors, expected " + dimensions / 2
                    + " (half of rope.dimension_count)");
        }
    }

    /** The same rotation with another frequency base (a family's local layers). */
    public RopeConfig withBase(double newBase) {
        return new RopeConfig(dimensions, newBase, scaling, factor, originalContext, yarnBetaFast, yarnBetaSlow,
                attentionFactor, lowFreqFactor, highFreqFactor, frequencyFactors);
    }

    /** Plain RoPE over {@code dimensions} elements with the given base. */
    public static RopeConfig plain(int dimensions, double base) {
        return new RopeConfig(dimensions, base, Scaling.NONE, 1, 0, 32, 1, 1, 1, 4, null);
    }
}
