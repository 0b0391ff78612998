package lucid.model;

import lucid.SharedAssets;
import lucid.gguf.GgufFile;
import lucid.generate.Session;
import lucid.tensor.GgmlType;
import lucid.tensor.WorkerPool;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** A batch through the model gives what one token at a time gives, and the same hook points. */
class BatchForwardTest {
    @TempDir
    Path dir;

    private static float[] sequential(Model model, int[] tokens, WorkerPool pool) {
        Session s = model.newSession(tokens.length + 1, pool);
        float[] logits = null;
        for (int t : tokens) {
            logits = s.evaluate(t);
        }
        return logits.clone();
    }

    /** All tokens through {@link Transformer#forwardBatch}, in batches of at most {@link InferenceState#BATCH}. */
    private static float[] batched(Model model, int[] tokens, WorkerPool pool) {
        InferenceState state = new InferenceState(model.config(), tokens.length + 1, pool);
        for (int from = 0; from < tokens.length; from += InferenceState.BATCH) {
            int n = Math.min(InferenceState.BATCH, tokens.length - from);
            model.transformer().forwardBatch(tokens, from, n, from, state);
        }
        return state.logits().clone();
    }

    @ParameterizedTest
    @EnumSource(value = GgmlType.class, names = {"F32", "F16", "Q8_0", "Q4_0"})
    void batchedPromptGivesTheSequentialLogits(GgmlType type) {
        Path file = TestModels.writeLlama(dir.resolve("m.gguf"), new TestModels.Shape(128, 2, 4, 2, 352, 600, 256), type, 3);
        Random random = new Random(4);
        int[] tokens = new int[InferenceState.BATCH + 40]; // a full batch and a ragged one
        for (int i = 0; i < tokens.length; i++) {
            tokens[i] = random.nextInt(600);
        }
        try (Model model = Model.load(file, GgufFile.Loading.READ); WorkerPool pool = new WorkerPool(2)) {
            float[] a = sequential(model, tokens, pool);
            float[] b = batched(model, tokens, pool);
            for (int v = 0; v < a.length; v++) {
                assertThat(b[v]).as("logit %d", v).isCloseTo(a[v], within(2e-3f + 1e-3f * Math.abs(a[v])));
            }
            // and the session continues correctly after a batched prompt
            Session s = model.newSession(tokens.length + 2, pool);
            s.evaluate(tokens);
            float[] next = s.evaluate(7).clone();
            int[] extended = java.util.Arrays.copyOf(tokens, tokens.length + 1);
            extended[tokens.length] = 7;
            float[] reference = sequential(model, extended, pool);
            for (int v = 0; v < next.length; v++) {
                assertThat(next[v]).isCloseTo(reference[v], within(2e-3f + 1e-3f * Math.abs(reference[v])));
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @org.junit.jupiter.params.provider.ValueSource(strings = {"llama-swa", "qwen2", "qwen3", "gemma2", "gemma3", "phi3", "phi3-long", "gpt2"})
    void everyArchitectureBatchesItsPromptAsItDecodesIt(String name) {
        Random random = new Random(5);
        int[] tokens = new int[100]; // far past the sliding windows
        try (Model model = Model.load(ArchitectureModels.path(name), GgufFile.Loading.READ); WorkerPool pool = new WorkerPool(2)) {
            for (int i = 0; i < tokens.length; i++) {
                tokens[i] = random.nextInt(model.config().vocabularySize());
            }
            float[] a = sequential(model, tokens, pool);
            float[] b = batched(model, tokens, pool);
            for (int v = 0; v < a.length; v++) {
                assertThat(b[v]).as("logit %d", v).isCloseTo(a[v], within(1e-4f + 1e-4f * Math.abs(a[v])));
            }
        }
    }

    @Test
    void stories260KBatchedLogitsMatchTheFloat64Reference() {
        var reference = SharedAssets.json("testdata/stories260K/logits.json").get("sequences").get(0);
        int[] ids = SharedAssets.ints(reference.get("ids"));
        try (Model model = Model.load(SharedAssets.stories260K(), GgufFile.Loading.READ); WorkerPool pool = new WorkerPool(2)) {
            float[] logits = batched(model, ids, pool);
            var expected = reference.get("logits").get(ids.length - 1);
            for (int v = 0; v < logits.length; v++) {
                assertThat((double) logits[v]).isCloseTo(expected.get(v).asDouble(), within(1e-3));
            }
        }
    }

    @Test
    void observersSeeEveryPositionOfABatch() {
        try (Model model = Model.load(SharedAssets.stories260K(), GgufFile.Loading.READ); WorkerPool pool = new WorkerPool(1)) {
            List<String> seen = new ArrayList<>();
            List<float[]> logits = new ArrayList<>();
            Session s = model.newSession(64, pool);
            s.setObserver(new lucid.generate.GenerationObserver() {
                @Override
                public void onEmbedding(int position, int token, float[] x) {
                    seen.add("embed " + position);
                }

                @Override
                public void onAttention(int layer, int position, float[] weights, int heads, int stride) {
                    seen.add("attn " + layer + " " + position);
                }

                @Override
                public void onLogits(int position, float[] l) {
                    logits.add(l.clone());
                }
            });
            int[] prompt = model.tokenizer().encode("Once upon a time, there was a little girl named Lily. She loved to play outside in the park with her dog.", true);
            assertThat(prompt.length).isGreaterThanOrEqualTo(InferenceState.MIN_BATCH);
            s.evaluate(prompt);
            assertThat(seen).contains("embed 0", "embed 4", "attn 0 0", "attn 4 4", "attn 4 " + (prompt.length - 1));
            assertThat(seen.stream().filter(e -> e.startsWith("attn")).count()).isEqualTo(5L * prompt.length);
            assertThat(logits).hasSize(prompt.length);
            float[] alone = sequential(model, prompt, pool);
            for (int v = 0; v < alone.length; v++) {
                assertThat(logits.getLast()[v]).isCloseTo(alone[v], within(1e-4f));
            }
        }
    }
}
