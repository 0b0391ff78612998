package lucid.generate;

import lucid.model.ForwardObserver;
import lucid.sampling.Candidates;

/**
 * Watches a generation: the forward pass's named points (see {@link ForwardObserver}) and each
 * decision of the sampler chain.
 */
public interface GenerationObserver extends ForwardObserver {
    /**
     * A token was chosen for {@code position} from the logits of the forward step before it.
     *
     * @param candidates the candidates as the sampler chain left them: what the token was drawn
     *                   from (filtered, re-scaled, with probabilities), valid during the call
     */
    default void onChoice(int position, int token, Candidates candidates) {}
}
