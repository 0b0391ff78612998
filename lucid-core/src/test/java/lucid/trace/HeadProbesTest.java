package lucid.trace;

import lucid.SharedAssets;
import lucid.gguf.GgufFile;
import lucid.model.Model;
import lucid.model.ModelConfig;
import lucid.sampling.SamplerSettings;
import lucid.tensor.WorkerPool;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

class HeadProbesTest {

    @Test
    void repeatedSequencesAreTwoCopiesOfDistinctTokensAfterBos() {
        int[] tokens = HeadProbes.repeatedRandom(1, new int[] {5, 6, 7, 8, 9, 10, 11}, 5, SamplerSettings.newRandom(3));
        assertThat(tokens).hasSize(11);
        assertThat(tokens[0]).isEqualTo(1);
        for (int i = 0; i < 5; i++) {
            assertThat(tokens[1 + i]).isEqualTo(tokens[6 + i]);
        }
        assertThat(java.util.Arrays.stream(tokens, 1, 6).distinct().count()).isEqualTo(5);
    }

    /** Feeds hand-made attention rows: head 1 of layer 0 is a perfect induction head, head 0 a previous-token head. */
    @Test
    void scoresRecogniseHandMadeInductionAndPreviousTokenHeads() {
        ModelConfig c = new ModelConfig("llama", "fake", 8, 1, 2, 1, 4, 4, 8, 10, 64, 1e-5f, lucid.model.RopeConfig.plain(4, 10000));
        int n = 4;
        HeadProbes.Recorder recorder = new HeadProbes.Recorder(c, n, 1);
        int length = 1 + 2 * n;
        int stride = 16;
        for (int p = 0; p < length; p++) {
            float[] w = new float[2 * stride];
            if (p > 0) {
                w[p - 1] = 1; // head 0: previous token
            } else {
                w[0] = 1;
            }
            int target = p >= 1 + n ? 1 + (p - 1 - n) + 1 : 0; // head 1: induction target in the second copy, else the sink
            w[stride + target] = 1;
            recorder.onAttention(0, p, w, 2, stride);
        }
        HeadProbes.Scores s = recorder.scores(1);
        assertThat(s.induction()[0][1]).isCloseTo(1.0, within(1e-12));
        assertThat(s.previousToken()[0][0]).isCloseTo(1.0, within(1e-12));
        assertThat(s.induction()[0][0]).isLessThan(0.3);
        assertThat(s.sink()[0][1]).isCloseTo(4.0 / 8, within(1e-12)); // first copy's positions 1..4 rest on the sink
    }

    @Test
    void stories260KScoresAreAverageWeights() {
        try (Model model = Model.load(SharedAssets.stories260K(), GgufFile.Loading.READ); WorkerPool pool = new WorkerPool(1)) {
            HeadProbes.Scores s = HeadProbes.run(model, pool, 20, 2, 7);
            for (double[][] table : new double[][][] {s.induction(), s.previousToken(), s.sink()}) {
                assertThat(table.length).isEqualTo(5);
                for (double[] row : table) {
                    assertThat(row).hasSize(8);
                    for (double v : row) {
                        assertThat(v).isBetween(0.0, 1.0);
                    }
                }
            }
            for (int l = 0; l < 5; l++) {
                for (int h = 0; h < 8; h++) {
                    assertThat(s.previousToken()[l][h] + s.sink()[l][h]).isLessThanOrEqualTo(1.0 + 1e-6);
                }
            }
        }
    }
}
