package lucid.eval;

import lucid.SharedAssets;
import lucid.gguf.GgufFile;
import lucid.model.CacheType;
import lucid.model.Model;
import lucid.tensor.ActivationRounding;
import lucid.tensor.WorkerPool;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

class CalibrationTest {

    @Test
    void perfectlyCalibratedPredictionsHaveNearZeroEce() {
        Random random = new Random(1);
        int n = 200_000;
        double[] confidence = new double[n];
        boolean[] correct = new boolean[n];
        for (int i = 0; i < n; i++) {
            confidence[i] = random.nextDouble();
            correct[i] = random.nextDouble() < confidence[i];
        }
        Calibration.Metrics m = Calibration.metrics(confidence, correct, 15);
        assertThat(m.ece()).isLessThan(0.01);
        assertThat(m.accuracy()).isCloseTo(0.5, within(0.01));
        assertThat(m.bins()).hasSize(15);
        assertThat(m.bins().stream().mapToInt(Calibration.Bin::count).sum()).isEqualTo(n);
    }

    @Test
    void overConfidentSetHasTheEceComputedByHand() {
        // ten predictions at 0.9 with six right, ten at 0.25 with five right
        double[] confidence = new double[20];
        boolean[] correct = new boolean[20];
        for (int i = 0; i < 10; i++) {
            confidence[i] = 0.9;
            correct[i] = i < 6;
            confidence[10 + i] = 0.25;
            correct[10 + i] = i < 5;
        }
        Calibration.Metrics m = Calibration.metrics(confidence, correct, 10);
        // bin 9: |0.6 − 0.9| = 0.3; bin 2: |0.5 − 0.25| = 0.25; ECE = ½·0.3 + ½·0.25
        assertThat(m.ece()).isCloseTo(0.275, within(1e-12));
        assertThat(m.mce()).isCloseTo(0.3, within(1e-12));
        // Brier: six (0.9−1)², four 0.9², five (0.25−1)², five 0.25², over 20
        assertThat(m.brierTop()).isCloseTo((6 * 0.01 + 4 * 0.81 + 5 * 0.5625 + 5 * 0.0625) / 20, within(1e-12));
        assertThat(m.accuracy()).isCloseTo(0.55, within(1e-12));
        assertThat(m.bins().get(9).count()).isEqualTo(10);
        assertThat(m.bins().get(5).count()).isZero();
    }

    @Test
    void theFittedTemperatureRecoversTheOneThatGeneratedTheTargets() {
        Random random = new Random(2);
        double truth = 1.7;
        List<short[]> logits = new ArrayList<>();
        int n = 4000;
        int[] targets = new int[n];
        for (int i = 0; i < n; i++) {
            short[] l = new short[50];
            double[] p = new double[50];
            double sum = 0;
            for (int k = 0; k < 50; k++) {
                float v = (float) (random.nextGaussian() * 3);
                l[k] = Float.floatToFloat16(v);
                p[k] = Math.exp(Float.float16ToFloat(l[k]) / truth);
                sum += p[k];
            }
            double u = random.nextDouble() * sum;
            int t = 0;
            while (t < 49 && (u -= p[t]) > 0) {
                t++;
            }
            logits.add(l);
            targets[i] = t;
        }
        double fitted = TemperatureFit.fit(logits, targets);
        assertThat(fitted).isCloseTo(truth, within(0.1));
        assertThat(TemperatureFit.nll(logits, targets, fitted)).isLessThan(TemperatureFit.nll(logits, targets, 1.0));
        assertThat(TemperatureFit.nll(logits, targets, fitted)).isLessThanOrEqualTo(TemperatureFit.nll(logits, targets, fitted * 1.05));
        assertThat(TemperatureFit.nll(logits, targets, fitted)).isLessThanOrEqualTo(TemperatureFit.nll(logits, targets, fitted / 1.05));
    }

    @Test
    void onATextTheFittedTemperatureLowersNll() throws Exception {
        String text = Files.readString(SharedAssets.path("text/tinyshakespeare.txt")).substring(0, 60_000);
        try (Model model = Model.load(SharedAssets.stories260K(), GgufFile.Loading.READ); WorkerPool pool = new WorkerPool(2)) {
            var setup = new Perplexity.Setup(pool, CacheType.F32, ActivationRounding.EXACT);
            CalibrationRun.Result r = CalibrationRun.run(model, text, 256, 30, 15, setup);
            assertThat(r.before().predictions()).isEqualTo(30 * 127);
            assertThat(r.nllAfter()).isLessThan(r.nll());
            assertThat(r.after().accuracy()).isEqualTo(r.before().accuracy());
            assertThat(r.brier()).isBetween(0.0, 2.0);
            // the perplexity over the same chunks is exp of the same NLL
            Perplexity.Result p = Perplexity.chunked(model, text, 256, 30, setup, c -> {});
            assertThat(r.nll()).isCloseTo(p.nll(), within(1e-9));
        }
    }
}
