package lucid.model;

import com.fasterxml.jackson.databind.JsonNode;
import lucid.SharedAssets;
import lucid.gguf.GgufFile;
import lucid.tensor.WorkerPool;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;

import static org.assertj.core.api.Assertions.assertThat;

/** The forward pass against a float64 reference implementation. */
class TransformerTest {
    @org.junit.jupiter.api.io.TempDir
    java.nio.file.Path dir;

    @Test
    void withoutAnOutputMatrixTheEmbeddingIsTheOutputHead() {
        var shape = new TestModels.Shape(64, 1, 4, 2, 128, 300, 64);
        var file = TestModels.writeLlama(dir.resolve("tied.gguf"), shape, lucid.tensor.GgmlType.F32, 5, true);
        try (Model model = Model.load(file, GgufFile.Loading.READ); WorkerPool pool = new WorkerPool(1)) {
            ModelWeights w = model.transformer().weights();
            assertThat(w.output()).isSameAs(w.tokenEmbedding());
            InferenceState state = new InferenceState(model.config(), 4, pool);
            model.transformer().forward(1, 0, state);
            // logits[v] = embedding row v · rmsnorm(x): check one against a row read back from the file
            float[] row = new float[64];
            w.tokenEmbedding().readRow(7, row, 0);
            float[] normed = new float[64];
            lucid.tensor.VectorMath.rmsNorm(normed, state.x, 0, w.outputNorm().weight(), 64, model.config().normEpsilon());
            assertThat(state.logits()[7]).isCloseTo(lucid.tensor.VectorMath.dotScalar(row, 0, normed, 0, 64), org.assertj.core.api.Assertions.within(1e-4f));
        }
    }

    @Test
    void stories260KLogitsMatchFloat64ReferenceAtEveryPosition() {
        JsonNode reference = SharedAssets.json("testdata/stories260K/logits.json");
        try (GgufFile file = GgufFile.open(SharedAssets.stories260K());
             Arena arena = Arena.ofConfined();
             WorkerPool pool = new WorkerPool(1)) {
            ModelConfig config = ModelConfig.fromGguf(file);
            Transformer model = new Transformer(config, ModelWeights.load(file, config, arena));
            double worst = 0;
            int checked = 0;
            for (JsonNode sequence : reference.get("sequences")) {
                int[] ids = SharedAssets.ints(sequence.get("ids"));
                InferenceState state = new InferenceState(config, ids.length, pool);
                for (int pos = 0; pos < ids.length; pos++) {
                    model.forward(ids[pos], pos, state);
                    JsonNode expected = sequence.get("logits").get(pos);
                    assertThat(expected.size()).isEqualTo(config.vocabularySize());
                    for (int v = 0; v < expected.size(); v++) {
                        worst = Math.max(worst, Math.abs(state.logits()[v] - expected.get(v).asDouble()));
                    }
                    checked++;
                }
            }
            System.out.printf("stories260K: %d positions, max |logit error| %.2e%n", checked, worst);
            assertThat(checked).isGreaterThan(10);
            assertThat(worst).as("max |logit - float64 reference|").isLessThan(1e-3);
        }
    }
}
