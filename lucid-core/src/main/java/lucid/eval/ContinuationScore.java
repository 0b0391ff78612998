package lucid.eval;

import lucid.LucidException;
import lucid.generate.Session;
import lucid.model.Model;
import lucid.tokenizer.Tokenizer;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The log-probability of a continuation given a prompt, token by token: the chain rule
 * log P(c₁..cₙ | prompt) = Σ log P(cᵢ | prompt, c₁..cᵢ₋₁) made visible.
 *
 * {@snippet :
 * ContinuationScore.Result r = ContinuationScore.score(model, "Once upon a time", ", there was a girl", setup);
 * double total = r.totalLogprob();                 // ln P(continuation | prompt)
 * r.tokens().forEach(t -> System.out.println(t.text() + " " + t.prob()));
 * }
 */
public final class ContinuationScore {
    private ContinuationScore() {}

    /** One continuation token: its probability under the model, its rank, and the running sum of log-probabilities. */
    public record ScoredToken(int id, String text, double prob, double logprob, int rank, double cumulativeLogprob) {}

    public record Result(int[] promptTokens, List<ScoredToken> tokens, double totalLogprob) {
        public Result {
            promptTokens = promptTokens.clone();
            tokens = List.copyOf(tokens);
        }

        @Override
        public int[] promptTokens() {
            return promptTokens.clone();
        }

        /** exp(−mean log-probability) of the continuation's tokens. */
        public double perplexity() {
            return tokens.isEmpty() ? Double.NaN : Math.exp(-totalLogprob / tokens.size());
        }
    }

    public static Result score(Model model, String prompt, String continuation, Perplexity.Setup setup) {
        Tokenizer tokenizer = model.tokenizer();
        int[] context = tokenizer.encode(prompt, true);
        int[] whole = tokenizer.encode(prompt + continuation, true);
        int[] sequence;
        if (whole.length > context.length && Arrays.equals(whole, 0, context.length, context, 0, context.length)) {
            sequence = whole; // the joint tokenization keeps the prompt's tokens: split there
        } else {
            // the boundary merged into one token: tokenize the parts apart
            int[] rest = tokenizer.encode(continuation, false);
            sequence = Arrays.copyOf(context, context.length + rest.length);
            System.arraycopy(rest, 0, sequence, context.length, rest.length);
        }
        if (sequence.length == context.length) {
            throw new LucidException("the continuation is empty: nothing to score");
        }
        if (context.length == 0) {
            throw new LucidException("the prompt is empty and the model has no BOS token to condition on; give a prompt");
        }
        Session session = setup.session(model, sequence.length);
        List<ScoredToken> scored = new ArrayList<>();
        double[] cumulative = {0};
        session.setObserver(new NextTokenScorer(sequence, context.length - 1, s -> {
            cumulative[0] += s.logprob();
            scored.add(new ScoredToken(s.token(), tokenizer.displayPiece(s.token()), Math.exp(s.logprob()), s.logprob(), s.rank(), cumulative[0]));
        }, null));
        session.evaluate(sequence);
        return new Result(Arrays.copyOf(sequence, context.length), scored, cumulative[0]);
    }
}
