package lucid.sampling;

import lucid.LucidException;

import java.util.ArrayList;
import java.util.List;
import java.util.random.RandomGenerator;
import java.util.random.RandomGeneratorFactory;

/**
 * The decoding settings of a generation, validated, with llama.cpp's defaults. Temperature 0
 * means greedy. The chain they build is: penalties → top-k → top-p → min-p → temperature → dist.
 *
 * @param temperature     ≥ 0; 0 = greedy
 * @param topK            ≤ 0 = off
 * @param topP            in [0, 1]; 1 = off
 * @param minP            in [0, 1]; 0 = off
 * @param repeatPenalty   &gt; 0; 1 = off
 * @param repeatLastN     tokens the penalties look back over; 0 = off
 * @param frequencyPenalty subtracted per occurrence
 * @param presencePenalty subtracted once if present
 * @param seed            seeds the random choice: same seed, same settings, same model → same tokens
 */
public record SamplerSettings(float temperature, int topK, float topP, float minP, float repeatPenalty,
                              int repeatLastN, float frequencyPenalty, float presencePenalty, long seed) {

    public static final float DEFAULT_TEMPERATURE = 0.8f;
    public static final int DEFAULT_TOP_K = 40;
    public static final float DEFAULT_TOP_P = 0.95f;
    public static final float DEFAULT_MIN_P = 0.05f;
    public static final int DEFAULT_REPEAT_LAST_N = 64;

    /** The random-number algorithm; fixed so that a seed means the same thing on every JDK. */
    private static final String RANDOM_ALGORITHM = "L64X128MixRandom";

    public SamplerSettings {
        check(Float.isFinite(temperature) && temperature >= 0, "temperature must be 0 (greedy) or positive, got " + temperature);
        check(Float.isFinite(topP) && topP >= 0 && topP <= 1, "top-p must be between 0 and 1, got " + topP);
        check(Float.isFinite(minP) && minP >= 0 && minP <= 1, "min-p must be between 0 and 1, got " + minP);
        check(Float.isFinite(repeatPenalty) && repeatPenalty > 0, "repeat penalty must be positive (1 = off), got " + repeatPenalty);
        check(repeatLastN >= 0, "repeat-last-n must be 0 or more, got " + repeatLastN);
        check(Float.isFinite(frequencyPenalty), "frequency penalty must be a number, got " + frequencyPenalty);
        check(Float.isFinite(presencePenalty), "presence penalty must be a number, got " + presencePenalty);
    }

    private static void check(boolean ok, String message) {
        if (!ok) {
            throw new LucidException(message);
        }
    }

    /** llama.cpp's defaults with the given seed. */
    public static SamplerSettings defaults(long seed) {
        return new SamplerSettings(DEFAULT_TEMPERATURE, DEFAULT_TOP_K, DEFAULT_TOP_P, DEFAULT_MIN_P, 1f, DEFAULT_REPEAT_LAST_N, 0f, 0f, seed);
    }

    /** Greedy decoding: always the most likely token. */
    public static SamplerSettings greedy() {
        return new SamplerSettings(0f, 0, 1f, 0f, 1f, DEFAULT_REPEAT_LAST_N, 0f, 0f, 0);
    }

    public boolean isGreedy() {
        return temperature == 0f;
    }

    public SamplerChain toChain(int vocabularySize) {
        List<Sampler> chain = new ArrayList<>();
        if (repeatLastN > 0 && (repeatPenalty != 1f || frequencyPenalty != 0f || presencePenalty != 0f)) {
            chain.add(new RepetitionPenalty(vocabularySize, repeatLastN, repeatPenalty, frequencyPenalty, presencePenalty));
        }
        if (isGreedy()) {
            chain.add(new Greedy());
        } else {
            if (topK > 0) {
                chain.add(new TopK(topK));
            }
            if (topP < 1f) {
                chain.add(new TopP(topP));
            }
            if (minP > 0f) {
                chain.add(new MinP(minP));
            }
            chain.add(new Temperature(temperature));
            chain.add(new Distribution(newRandom(seed)));
        }
        return new SamplerChain(vocabularySize, chain);
    }

    public static RandomGenerator newRandom(long seed) {
        return RandomGeneratorFactory.of(RANDOM_ALGORITHM).create(seed);
    }
}
