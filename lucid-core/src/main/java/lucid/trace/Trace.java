package lucid.trace;

import java.util.List;
import java.util.Map;

/**
 * The record of a generation, step by step: how each token was chosen. Serialised as the trace
 * JSON of the design notes (snake_case names; absent parts omitted).
 *
 * @param model         the model's name
 * @param prompt        the prompt text
 * @param promptTokens  the prompt's tokens, each (but the first) with the probability the model gave it
 * @param promptLogprob Σ log p of the scored prompt tokens: log P(prompt | first token)
 * @param settings      the sampling settings used
 * @param steps         one per generated token
 */
public record Trace(String model, String prompt, List<PromptToken> promptTokens, Double promptLogprob,
                    Map<String, Object> settings, List<Step> steps) {

    /** A token and its text as the tokenizer shows it (byte tokens as {@code <0xE4>}). */
    public record Candidate(int id, String text, double prob, double logprob) {}

    /** A prompt token; prob/logprob/rank/candidates are what the model predicted at that point (null for the first). */
    public record PromptToken(int id, String text, Double prob, Double logprob, Integer rank, List<Candidate> candidates) {}

    /** The chosen token of a step. */
    public record Token(int id, String text) {}

    /**
     * One generated token.
     *
     * @param index      0 for the first generated token
     * @param position   the position the token takes in the sequence
     * @param prob       its probability under the model's distribution (temperature 1, no filters)
     * @param logprob    ln prob
     * @param rank       1 = the model's most likely token
     * @param entropy    of the model's distribution, in nats
     * @param candidates the model's top tokens, most likely first
     * @param sampled    the distribution the token was actually drawn from, when the sampler changed it (else null)
     * @param attention  where the token's query looked (null unless recorded)
     * @param lens       per-layer predictions (null unless recorded)
     */
    public record Step(int index, int position, Token token, double prob, double logprob, int rank, double entropy,
                       List<Candidate> candidates, Sampled sampled, Attention attention, List<LensLayer> lens) {}

    /** The sampler's final distribution: the chosen token's probability in it and its top tokens. */
    public record Sampled(double prob, int candidatesLeft, List<Candidate> candidates) {}

    /**
     * Attention of the step's query (the token just read), averaged over heads and layers.
     *
     * @param sink   the weight on position 0 (the attention sink), kept apart so it does not hide the rest
     * @param focus  the most attended other positions, heaviest first
     * @param layers per layer, per head, the weights over all positions (only when asked for)
     */
    public record Attention(double sink, List<Focus> focus, float[][][] layers) {}

    public record Focus(int position, String text, double weight) {}

    /** The logit lens at one layer: its top tokens and the probability it gave the finally chosen token. */
    public record LensLayer(int layer, List<Candidate> top, double tokenProb) {}
}
