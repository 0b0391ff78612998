package lucid.trace;

import lucid.model.InferenceState;
import lucid.model.Transformer;
import lucid.tensor.MatVec;

import java.util.ArrayList;
import java.util.List;

/**
 * The logit lens: the final norm and output head applied to each layer's residual stream, which
 * shows at which depth the prediction forms. The last layer's view is the model's real output.
 */
final class LogitLens {
    /** Builds a candidate entry from a token id and the layer's distribution. */
    interface CandidateMaker {
        Trace.Candidate make(int id, LogitStats stats);
    }

    private final Transformer transformer;
    private final MatVec matVec;
    private final float[] scratch;
    /** logits[layer]: the layer's residual read out through the output head (vocab). */
    private final float[][] logits;

    LogitLens(Transformer transformer, InferenceState state) {
        this.transformer = transformer;
        this.matVec = new MatVec(state.pool());
        this.matVec.setRounding(state.activationRounding());
        this.scratch = new float[transformer.config().embeddingLength()];
        this.logits = new float[transformer.config().blockCount()][transformer.config().vocabularySize()];
    }

    void capture(int layer, float[] residual) {
        transformer.readOut(residual, logits[layer], matVec, scratch);
    }

    List<Trace.LensLayer> result(int chosen, int topN, CandidateMaker candidate) {
        List<Trace.LensLayer> layers = new ArrayList<>(logits.length);
        for (int l = 0; l < logits.length; l++) {
            LogitStats stats = new LogitStats(logits[l]);
            List<Trace.Candidate> top = new ArrayList<>();
            for (int id : stats.top(topN)) {
                top.add(candidate.make(id, stats));
            }
            layers.add(new Trace.LensLayer(l, List.copyOf(top), stats.prob(chosen)));
        }
        return List.copyOf(layers);
    }
}
