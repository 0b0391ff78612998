package lucid.sampling;

/**
 * One step of choosing the next token (llama.cpp's sampler interface): {@link #apply} filters,
 * reorders or rescales the candidates, or — for the last sampler of a chain — selects one.
 * Stateful samplers (penalties) learn the chosen tokens through {@link #accept}.
 */
public interface Sampler {
    /** A short name for traces and diagnostics, e.g. {@code top-k(40)}. */
    String name();

    void apply(Candidates candidates);

    /** Called with each token that joins the sequence: prompt tokens and chosen ones. */
    default void accept(int token) {}

    /** Forgets everything learned through {@link #accept} (a new sequence starts). */
    default void reset() {}
}
