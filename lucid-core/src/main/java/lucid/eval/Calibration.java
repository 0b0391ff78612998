package lucid.eval;

import java.util.ArrayList;
import java.util.List;

/**
 * Whether a model's confidence means what it says: over many predictions, of those made with
 * confidence ≈ c, a fraction ≈ c should be right. Predictions are grouped into equal-width bins by
 * confidence (the model's top-1 probability); each bin's accuracy is compared with its mean
 * confidence.
 */
public final class Calibration {
    private Calibration() {}

    /** One confidence bin: its range, how many predictions fell in it, their mean confidence and accuracy. */
    public record Bin(double lower, double upper, int count, double meanConfidence, double accuracy) {}

    /**
     * @param ece      expected calibration error: Σ (n_b / N) |accuracy_b − confidence_b|
     * @param mce      maximum calibration error: the largest |accuracy_b − confidence_b| over non-empty bins
     * @param brierTop mean (confidence − correct)² of the top-1 predictions
     * @param accuracy fraction of predictions whose top-1 token was the actual next token
     */
    public record Metrics(int predictions, double ece, double mce, double brierTop, double accuracy, double meanConfidence, List<Bin> bins) {}

    public static Metrics metrics(double[] confidence, boolean[] correct, int binCount) {
        if (confidence.length != correct.length || confidence.length == 0) {
            throw new IllegalArgumentException("need as many correctness flags as confidences, and at least one");
        }
        if (binCount < 1) {
            throw new IllegalArgumentException("at least one bin, got " + binCount);
        }
        int n = confidence.length;
        int[] counts = new int[binCount];
        double[] confidenceSums = new double[binCount];
        int[] rights = new int[binCount];
        double brier = 0;
        int right = 0;
        double confidenceTotal = 0;
        for (int i = 0; i < n; i++) {
            double c = confidence[i];
            if (!(c >= 0 && c <= 1)) {
                throw new IllegalArgumentException("confidence " + c + " is not a probability");
            }
            int b = Math.min(binCount - 1, (int) (c * binCount));
            counts[b]++;
            confidenceSums[b] += c;
            double y = correct[i] ? 1 : 0;
            rights[b] += correct[i] ? 1 : 0;
            right += correct[i] ? 1 : 0;
            brier += (c - y) * (c - y);
            confidenceTotal += c;
        }
        List<Bin> bins = new ArrayList<>(binCount);
        double ece = 0;
        double mce = 0;
        for (int b = 0; b < binCount; b++) {
            double meanConfidence = counts[b] == 0 ? Double.NaN : confidenceSums[b] / counts[b];
            double accuracy = counts[b] == 0 ? Double.NaN : (double) rights[b] / counts[b];
            bins.add(new Bin((double) b / binCount, (double) (b + 1) / binCount, counts[b], meanConfidence, accuracy));
            if (counts[b] > 0) {
                double gap = Math.abs(accuracy - meanConfidence);
                ece += gap * counts[b] / n;
                mce = Math.max(mce, gap);
            }
        }
        return new Metrics(n, ece, mce, brier / n, (double) right / n, confidenceTotal / n, List.copyOf(bins));
    }
}
