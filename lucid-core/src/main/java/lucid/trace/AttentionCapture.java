package lucid.trace;

import lucid.model.ModelConfig;

import java.util.ArrayList;
import java.util.List;
import java.util.function.IntFunction;

/**
 * Collects one forward pass's attention weights: their average over heads and layers (for the
 * focus view) and, on request, every layer's and head's row.
 */
final class AttentionCapture {
    private final int layers;
    private final boolean keepAll;
    /** Σ over layers and heads of the weight on each position, divided by layers·heads (context). */
    private double[] average = new double[0];
    private float[][][] all;
    private int position;

    AttentionCapture(ModelConfig config, boolean keepAll) {
        this.layers = config.blockCount();
        this.keepAll = keepAll;
    }

    void begin(int position) {
        this.position = position;
        if (average.length < position + 1) {
            average = new double[Math.max(position + 1, average.length * 2)];
        }
        java.util.Arrays.fill(average, 0, position + 1, 0);
        all = keepAll ? new float[layers][][] : null;
    }

    void add(int layer, float[] weights, int heads, int stride, int position) {
        double share = 1.0 / (layers * (double) heads);
        int n = position + 1;
        for (int h = 0; h < heads; h++) {
            for (int t = 0; t < n; t++) {
                average[t] += weights[h * stride + t] * share;
            }
        }
        if (all != null) {
            all[layer] = new float[heads][];
            for (int h = 0; h < heads; h++) {
                all[layer][h] = java.util.Arrays.copyOfRange(weights, h * stride, h * stride + n);
            }
        }
    }

    /**
     * @param ids the tokens at positions 0..position (to name the attended positions)
     */
    Trace.Attention result(int focusN, IntFunction<String> display, int[] ids) {
        int n = position + 1;
        List<Trace.Focus> focus = new ArrayList<>();
        boolean[] taken = new boolean[n];
        for (int k = 0; k < focusN && k < n - 1; k++) {
            int best = -1;
            for (int t = 1; t < n; t++) {
                if (!taken[t] && (best < 0 || average[t] > average[best])) {
                    best = t;
                }
            }
            taken[best] = true;
            focus.add(new Trace.Focus(best, display.apply(ids[best]), average[best]));
        }
        return new Trace.Attention(average[0], List.copyOf(focus), all);
    }
}
