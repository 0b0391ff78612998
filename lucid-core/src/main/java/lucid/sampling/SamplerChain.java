package lucid.sampling;

import java.util.List;
import java.util.stream.Collectors;

/**
 * Samplers applied in order; the last one picks the token. A chain is itself a sampler.
 * {@link #sample} runs a whole step: candidates from the logits, the chain, the choice.
 */
public final class SamplerChain implements Sampler {
    private final List<Sampler> samplers;
    private final Candidates candidates;

    public SamplerChain(int vocabularySize, List<Sampler> samplers) {
        if (samplers.isEmpty()) {
            throw new IllegalArgumentException("a sampler chain needs at least one sampler");
        }
        this.samplers = List.copyOf(samplers);
        this.candidates = new Candidates(vocabularySize);
    }

    public List<Sampler> samplers() {
        return samplers;
    }

    @Override
    public String name() {
        return samplers.stream().map(Sampler::name).collect(Collectors.joining(" → "));
    }

    @Override
    public void apply(Candidates c) {
        for (Sampler s : samplers) {
            s.apply(c);
        }
    }

    @Override
    public void accept(int token) {
        for (Sampler s : samplers) {
            s.accept(token);
        }
    }

    @Override
    public void reset() {
        for (Sampler s : samplers) {
            s.reset();
        }
    }

    /** Chooses the next token from the model's logits (does not {@link #accept} it). */
    public int sample(float[] logits) {
        candidates.reset(logits);
        apply(candidates);
        return candidates.selectedId();
    }

    /** The candidates as the chain left them after the last {@link #sample} (what the token was drawn from). */
    public Candidates lastCandidates() {
        return candidates;
    }
}
