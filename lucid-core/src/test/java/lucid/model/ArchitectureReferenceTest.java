package lucid.model;

import com.fasterxml.jackson.databind.JsonNode;
import lucid.SharedAssets;
import lucid.generate.Session;
import lucid.gguf.GgufFile;
import lucid.tensor.ActivationRounding;
import lucid.tensor.WorkerPool;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * Every architecture against llama.cpp on the same synthetic file: from BOS, the greedy token of
 * each of 64 steps equals llama.cpp's and llama.cpp's top-5 probabilities agree within 2e-3.
 * Lucid runs as llama.cpp did: F16 KV cache, queries and attention weights rounded to F16 before
 * they meet it (llama.cpp's attention products without flash attention); the weights are F32.
 */
class ArchitectureReferenceTest {
    static final double TOLERANCE = 2e-3;

    /** Per step: Lucid's probabilities of the tokens llama.cpp chose, fed llama.cpp's tokens. */
    private record Comparison(int[] argmax, double[] worstPerStep) {
        double worst(int from, int to) {
            double w = 0;
            for (int i = from; i < to; i++) {
                w = Math.max(w, worstPerStep[i]);
            }
            return w;
        }
    }

    private static Comparison compare(Path file, JsonNode reference, CacheType cache, ActivationRounding rounding) {
        int[] prompt = SharedAssets.ints(reference.get("prompt_ids"));
        int[] expected = SharedAssets.ints(reference.get("greedy_ids"));
        try (Model model = Model.load(file, GgufFile.Loading.READ); WorkerPool pool = new WorkerPool(2)) {
            Session session = model.newSession(prompt.length + expected.length, pool, cache);
            session.state().setActivationRounding(rounding);
            float[] logits = session.evaluate(prompt);
            int[] argmax = new int[expected.length];
            double[] worst = new double[expected.length];
            for (int step = 0; step < expected.length; step++) {
                double[] p = softmax(logits);
                argmax[step] = argmax(p);
                for (JsonNode candidate : reference.get("top").get(step)) {
                    worst[step] = Math.max(worst[step], Math.abs(p[candidate.get("id").asInt()] - candidate.get("p").asDouble()));
                }
                logits = session.evaluate(expected[step]);
            }
            return new Comparison(argmax, worst);
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"qwen2", "qwen3", "gemma2", "gemma3", "phi3", "phi3-long", "gpt2"})
    void greedyTokensAndTopProbabilitiesMatchLlamaCpp(String name) {
        JsonNode reference = ArchitectureModels.reference(name);
        Path file = ArchitectureModels.path(name);
        Comparison c = compare(file, reference, CacheType.F16, ActivationRounding.LLAMA_CPP);
        int[] expected = SharedAssets.ints(reference.get("greedy_ids"));
        System.out.printf("%s: max |p - llama.cpp p| over the top 5 of 64 steps %.2e%n", name, c.worst(0, expected.length));
        assertThat(c.argmax()).as("greedy tokens").containsExactly(expected);
        assertThat(c.worst(0, expected.length)).as("max |p - llama.cpp p|").isLessThan(TOLERANCE);
    }

    /**
     * llama.cpp runs llama files without their sliding window (it reads the key only for other
     * families), Lucid with it. So they agree until the window starts to hide positions, and
     * differ after; a float64 forward pass with the window agrees with Lucid throughout.
     */
    @Test
    void llamaWithASlidingWindowAgreesWithLlamaCppInsideTheWindowAndWithFloat64Throughout() {
        String name = "llama-swa";
        JsonNode reference = ArchitectureModels.reference(name);
        Path file = ArchitectureModels.path(name);
        int window = SyntheticArchitectures.WINDOW;
        int[] expected = SharedAssets.ints(reference.get("greedy_ids"));
        Comparison c = compare(file, reference, CacheType.F16, ActivationRounding.LLAMA_CPP);
        // step s predicts from position s (BOS at 0): positions < window see everything either way
        System.out.printf("%s: max |p - llama.cpp p| inside the window %.2e, after it %.2e%n", name,
                c.worst(0, window), c.worst(window, expected.length));
        assertThat(c.worst(0, window)).isLessThan(TOLERANCE);
        assertThat(c.worst(window, expected.length)).as("the window changes the probabilities").isGreaterThan(1e-2);

        try (GgufFile raw = GgufFile.open(file); Model model = Model.load(file, GgufFile.Loading.READ);
             WorkerPool pool = new WorkerPool(1)) {
            assertThat(model.config().attention().slidingWindow()).isEqualTo(window);
            Float64Llama float64 = new Float64Llama(raw);
            Session session = model.newSession(1 + expected.length, pool, CacheType.F32);
            int token = 1;
            double worst = 0;
            for (int step = 0; step < expected.length; step++) {
                double[] p = softmax(session.evaluate(token));
                double[] q = softmax(float64.step(token));
                for (int v = 0; v < p.length; v++) {
                    worst = Math.max(worst, Math.abs(p[v] - q[v]));
                }
                assertThat(argmax(p)).as("step %d", step).isEqualTo(argmax(q));
                token = argmax(q);
            }
            System.out.printf("%s: max |p - float64 p| %.2e%n", name, worst);
            assertThat(worst).isLessThan(1e-4);
        }
    }

    @Test
    void theFilesDeclareWhatEachFamilyNeeds() {
        try (Model gemma2 = Model.load(ArchitectureModels.path("gemma2"), GgufFile.Loading.READ);
             Model gemma3 = Model.load(ArchitectureModels.path("gemma3"), GgufFile.Loading.READ);
             Model phi3 = Model.load(ArchitectureModels.path("phi3"), GgufFile.Loading.READ);
             Model gpt2 = Model.load(ArchitectureModels.path("gpt2"), GgufFile.Loading.READ)) {
            ModelConfig g2 = gemma2.config();
            assertThat(g2.attention().logitSoftCap()).isEqualTo(5f);
            assertThat(g2.finalLogitSoftCap()).isEqualTo(15f);
            assertThat(g2.attention().windowed()).containsExactly(true, false, true, false);
            assertThat(g2.attention().scale()).isEqualTo((float) (1 / Math.sqrt(32)));
            assertThat(gemma2.transformer().weights().output()).isSameAs(gemma2.transformer().weights().tokenEmbedding());
            ModelConfig g3 = gemma3.config();
            assertThat(g3.attention().windowed()).containsExactly(true, true, true, true, true, false);
            assertThat(g3.localRope().base()).isEqualTo(20000.0);
            assertThat(g3.rope().base()).isEqualTo(1_000_000.0);
            assertThat(g3.finalLogitSoftCap()).isZero();
            // Phi-3: fused tensors split into row ranges, partial rotary, both factor sets, no window
            ModelConfig p3 = phi3.config();
            assertThat(p3.rope().dimensions()).isEqualTo(8);
            assertThat(p3.rope().frequencyFactors()).hasSize(4);
            assertThat(p3.longRope().frequencyFactors()).hasSize(4);
            assertThat(p3.attention().hasWindow()).isFalse();
            LayerWeights l0 = phi3.transformer().weights().layers().getFirst();
            assertThat(l0.gate().rows()).isEqualTo(p3.feedForwardLength());
            assertThat(l0.query().rows() + l0.key().rows() + l0.value().rows()).isEqualTo(3 * 64);
            ModelConfig g = gpt2.config();
            assertThat(g.rope()).isNull();
            assertThat(gpt2.transformer().weights().positionEmbedding().rows()).isEqualTo(g.contextLength());
            assertThat(gpt2.transformer().weights().layers().getFirst().queryBias()).isNotNull();
        }
    }

    private static int argmax(double[] p) {
        int best = 0;
        for (int i = 1; i < p.length; i++) {
            if (p[i] > p[best]) {
                best = i;
            }
        }
        return best;
    }

    private static double[] softmax(float[] logits) {
        double[] d = new double[logits.length];
        for (int i = 0; i < d.length; i++) {
            d[i] = logits[i];
        }
        return softmax(d);
    }

    private static double[] softmax(double[] logits) {
        double max = Double.NEGATIVE_INFINITY;
        for (double l : logits) {
            max = Math.max(max, l);
        }
        double sum = 0;
        double[] p = new double[logits.length];
        for (int i = 0; i < p.length; i++) {
            p[i] = Math.exp(logits[i] - max);
            sum += p[i];
        }
        for (int i = 0; i < p.length; i++) {
            p[i] /= sum;
        }
        return p;
    }
}
