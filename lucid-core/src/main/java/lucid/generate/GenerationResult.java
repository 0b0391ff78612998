package lucid.generate;

/**
 * What a generation produced and how long it took.
 *
 * @param promptTokens    the prompt as evaluated
 * @param generated       the chosen tokens, in order (an end-of-generation token included)
 * @param stopReason      why it ended
 * @param promptNanos     time to evaluate the prompt
 * @param generationNanos time from the first choice to the end
 */
public record GenerationResult(int[] promptTokens, int[] generated, StopReason stopReason, long promptNanos, long generationNanos) {
    public GenerationResult {
        promptTokens = promptTokens.clone();
        generated = generated.clone();
    }

    @Override
    public int[] promptTokens() {
        return promptTokens.clone();
    }

    @Override
    public int[] generated() {
        return generated.clone();
    }

    /** Prompt tokens evaluated per second. */
    public double promptTokensPerSecond() {
        return promptNanos == 0 ? 0 : promptTokens.length * 1e9 / promptNanos;
    }

    /** Generated tokens per second. */
    public double generationTokensPerSecond() {
        return generationNanos == 0 ? 0 : generated.length * 1e9 / generationNanos;
    }
}
