package lucid.eval;

import lucid.LucidException;
import lucid.generate.Session;
import lucid.model.Model;

import java.util.ArrayList;
import java.util.List;

/**
 * Calibration of a model on a text: every position scored as perplexity scores it (chunks of
 * {@code context}, second halves), its top-1 confidence against whether the top-1 token was the
 * actual next one; then the temperature that minimises NLL, and the calibration after it.
 */
public final class CalibrationRun {
    private CalibrationRun() {}

    /** Logits kept for the temperature fit are F16: two bytes per vocabulary entry and prediction. */
    private static final long MAX_LOGITS = 400L << 20;

    /**
     * @param brier   mean multi-class Brier score Σ_k (p_k − y_k)²
     * @param nll     mean NLL at temperature 1
     * @param fitted  the NLL-minimising temperature
     * @param after   calibration at the fitted temperature (accuracy is unchanged: T keeps the argmax)
     */
    public record Result(Calibration.Metrics before, double brier, double nll, double fitted, double nllAfter, Calibration.Metrics after) {}

    public static Result run(Model model, String text, int context, int maxChunks, int bins, Perplexity.Setup setup) {
        int[] tokens = model.tokenizer().encode(text, true);
        if (context < 8 || tokens.length < 2 * context) {
            throw new LucidException("the text has " + tokens.length + " tokens; calibration with -c " + context + " needs at least "
                    + 2 * context + " (use a longer text or a smaller -c)");
        }
        int chunks = tokens.length / context;
        if (maxChunks > 0) {
            chunks = Math.min(chunks, maxChunks);
        }
        int vocab = model.config().vocabularySize();
        long predictions = (long) chunks * (context - 1 - context / 2);
        if (predictions * vocab > MAX_LOGITS) {
            long fit = Math.max(1, MAX_LOGITS / vocab / (context - 1 - context / 2));
            throw new LucidException(String.format("calibrating %d chunks would keep %.1f GB of logits for the temperature fit; use --chunks %d or fewer",
                    chunks, predictions * vocab * 2 / 1e9, fit));
        }
        int bos = model.tokenizer().vocabulary().bosId();
        boolean addBos = model.tokenizer().vocabulary().addBos() && bos >= 0;
        Session session = setup.session(model, context);
        List<PositionScore> scores = new ArrayList<>();
        List<short[]> logits = new ArrayList<>();
        for (int c = 0; c < chunks; c++) {
            int[] window = java.util.Arrays.copyOfRange(tokens, c * context, (c + 1) * context);
            if (addBos) {
                window[0] = bos;
            }
            session.reset();
            session.setObserver(new NextTokenScorer(window, context / 2, scores::add, logits::add));
            session.evaluate(window);
        }
        session.setObserver(null);
        int n = scores.size();
        double[] confidence = new double[n];
        boolean[] correct = new boolean[n];
        int[] targets = new int[n];
        double brier = 0;
        double nll = 0;
        for (int i = 0; i < n; i++) {
            PositionScore s = scores.get(i);
            confidence[i] = s.topProb();
            correct[i] = s.topIsCorrect();
            targets[i] = s.token();
            brier += s.sumSquares() - 2 * Math.exp(s.logprob()) + 1;
            nll -= s.logprob();
        }
        Calibration.Metrics before = Calibration.metrics(confidence, correct, bins);
        double temperature = TemperatureFit.fit(logits, targets);
        double[] scaled = new double[n];
        for (int i = 0; i < n; i++) {
            scaled[i] = TemperatureFit.confidence(logits.get(i), temperature);
        }
        Calibration.Metrics after = Calibration.metrics(scaled, correct, bins);
        return new Result(before, brier / n, nll / n, temperature, TemperatureFit.nll(logits, targets, temperature), after);
    }
}
