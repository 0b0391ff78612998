package lucid.eval;

/**
 * What the model said about one token of a text, from the logits one position before it.
 *
 * @param position    the token's position in the evaluated window
 * @param token       the actual token
 * @param logprob     ln p(token | everything before it)
 * @param rank        1 if the token was the model's most likely
 * @param top         the model's most likely token
 * @param topProb     its probability (the model's confidence)
 * @param sumSquares  Σ p² over the vocabulary (for the multi-class Brier score)
 */
public record PositionScore(int position, int token, double logprob, int rank, int top, double topProb, double sumSquares) {
    public boolean topIsCorrect() {
        return top == token;
    }
}
