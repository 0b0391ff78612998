package lucid.eval;

import lucid.generate.GenerationObserver;

import java.util.function.Consumer;

/**
 * Scores each token of an evaluated window under the model: attached to a session, it reads the
 * logits at every position p ≥ {@code firstScored} and reports how likely the token at p + 1 was.
 * Optionally it keeps those logits (as half floats) for later re-analysis, such as fitting a
 * temperature.
 */
public final class NextTokenScorer implements GenerationObserver {
    private final int[] tokens;
    private final int firstScored;
    private final Consumer<PositionScore> sink;
    private final Consumer<short[]> logitSink;

    /**
     * @param tokens      the window's tokens, as evaluated
     * @param firstScored the first position whose logits are scored (they predict token firstScored + 1)
     * @param sink        receives one score per scored position, in order
     * @param logitSink   receives each scored position's logits as F16 bits, or null
     */
    public NextTokenScorer(int[] tokens, int firstScored, Consumer<PositionScore> sink, Consumer<short[]> logitSink) {
        this.tokens = tokens;
        this.firstScored = firstScored;
        this.sink = sink;
        this.logitSink = logitSink;
    }

    @Override
    public boolean wantsLogits(int position) {
        return position >= firstScored && position + 1 < tokens.length;
    }

    @Override
    public void onLogits(int position, float[] logits) {
        if (position < firstScored || position + 1 >= tokens.length) {
            return;
        }
        int target = tokens[position + 1];
        float max = Float.NEGATIVE_INFINITY;
        int top = 0;
        for (int i = 0; i < logits.length; i++) {
            if (logits[i] > max) {
                max = logits[i];
                top = i;
            }
        }
        // one pass: Σ e^(l−max), Σ e^(2(l−max)) for Σp², and the rank of the target
        double sum = 0;
        double sumOfSquares = 0;
        int above = 0;
        float targetLogit = logits[target];
        for (float l : logits) {
            double e = Math.exp(l - max);
            sum += e;
            sumOfSquares += e * e;
            if (l > targetLogit) {
                above++;
            }
        }
        double logSum = Math.log(sum);
        sink.accept(new PositionScore(position + 1, target, targetLogit - max - logSum, above + 1, top, 1 / sum, sumOfSquares / (sum * sum)));
        if (logitSink != null) {
            short[] half = new short[logits.length];
            for (int i = 0; i < half.length; i++) {
                half[i] = Float.floatToFloat16(logits[i]);
            }
            logitSink.accept(half);
        }
    }
}
