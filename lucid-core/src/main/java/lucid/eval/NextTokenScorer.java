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
        double sum = 0;
        for (float l : logits) {
            sum += Math.exp(l - max);
        }
        double logSum = Math.log(sum);
        double sumSquares = 0;
        int above = 0;
        float targetLogit = logits[target];
        for (float l : logits) {
            double p = Math.exp(l - max - logSum);
            sumSquares += p * p;
            if (l > targetLogit) {
                above++;
            }
        }
        sink.accept(new PositionScore(position + 1, target, targetLogit - max - logSum, above + 1, top, Math.exp(-logSum), sumSquares));
        if (logitSink != null) {
            short[] half = new short[logits.length];
            for (int i = 0; i < half.length; i++) {
                half[i] = Float.floatToFloat16(logits[i]);
            }
            logitSink.accept(half);
        }
    }
}
