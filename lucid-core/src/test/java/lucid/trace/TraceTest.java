package lucid.trace;

import com.fasterxml.jackson.databind.JsonNode;
import lucid.SharedAssets;
import lucid.generate.Generator;
import lucid.generate.Session;
import lucid.gguf.GgufFile;
import lucid.model.Float64Llama;
import lucid.model.Model;
import lucid.sampling.SamplerSettings;
import lucid.tensor.WorkerPool;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

class TraceTest {
    static Model stories;
    static WorkerPool pool;

    @BeforeAll
    static void load() {
        stories = Model.load(SharedAssets.stories260K(), GgufFile.Loading.READ);
        pool = new WorkerPool(2);
    }

    @AfterAll
    static void close() {
        stories.close();
        pool.close();
    }

    static Tracing.Result trace(Model model, String prompt, int n, SamplerSettings settings, TraceOptions options) {
        return Tracing.generate(model, prompt, n, settings, options, 256, pool, token -> {});
    }

    /** The logits after each of {@code tokens}, from a session with no observer. */
    static float[][] untracedLogits(Model model, int[] tokens) {
        Session session = model.newSession(tokens.length, pool);
        float[][] out = new float[tokens.length][];
        for (int i = 0; i < tokens.length; i++) {
            out[i] = session.evaluate(tokens[i]).clone();
        }
        return out;
    }

    static double[] softmax(float[] logits) {
        double max = Double.NEGATIVE_INFINITY;
        for (float l : logits) {
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

    @Test
    void greedyTraceChoosesWhatAnUntracedRunChooses() {
        int[] prompt = stories.tokenizer().encode("Once upon a time", true);
        Session plain = stories.newSession(256, pool);
        int[] expected = Generator.generate(plain, prompt, 30, SamplerSettings.greedy().toChain(512), t -> false, t -> {}).generated();
        Tracing.Result traced = trace(stories, "Once upon a time", 30, SamplerSettings.greedy(),
                TraceOptions.defaults().withLens(true).withFullAttention(true));
        assertThat(traced.trace().steps()).extracting(s -> s.token().id()).containsExactly(box(expected));
        assertThat(traced.trace().steps().getFirst().position()).isEqualTo(prompt.length);
    }

    private static Integer[] box(int[] a) {
        return java.util.Arrays.stream(a).boxed().toArray(Integer[]::new);
    }

    @Test
    void everyProbabilityIsTheSoftmaxOfTheModelsLogits() {
        Trace trace = trace(stories, "Lily and Tom", 25, SamplerSettings.greedy(), TraceOptions.defaults().withTopN(10)).trace();
        int[] prompt = stories.tokenizer().encode("Lily and Tom", true);
        int[] all = new int[prompt.length + trace.steps().size()];
        System.arraycopy(prompt, 0, all, 0, prompt.length);
        for (Trace.Step s : trace.steps()) {
            all[s.position()] = s.token().id();
        }
        float[][] logits = untracedLogits(stories, all);
        for (Trace.Step s : trace.steps()) {
            double[] p = softmax(logits[s.position() - 1]);
            assertThat(s.prob()).isCloseTo(p[s.token().id()], within(1e-5));
            assertThat(s.logprob()).isCloseTo(Math.log(p[s.token().id()]), within(1e-5));
            double entropy = 0;
            int rank = 1;
            for (int v = 0; v < p.length; v++) {
                entropy -= p[v] > 0 ? p[v] * Math.log(p[v]) : 0;
                rank += p[v] > p[s.token().id()] ? 1 : 0;
            }
            assertThat(s.entropy()).isCloseTo(entropy, within(1e-5));
            assertThat(s.rank()).isEqualTo(rank);
            double total = 0;
            double previous = 1;
            for (Trace.Candidate c : s.candidates()) {
                assertThat(c.prob()).isCloseTo(p[c.id()], within(1e-5)).isLessThanOrEqualTo(previous);
                previous = c.prob();
                total += c.prob();
            }
            assertThat(total).isLessThanOrEqualTo(1.0 + 1e-9);
            assertThat(s.candidates()).hasSize(10);
            assertThat(s.sampled()).isNull();
        }
        // prompt scores: the chain rule over the prompt
        double sum = 0;
        for (int i = 1; i < prompt.length; i++) {
            Trace.PromptToken t = trace.promptTokens().get(i);
            double[] p = softmax(logits[i - 1]);
            assertThat(t.prob()).isCloseTo(p[prompt[i]], within(1e-5));
            sum += t.logprob();
        }
        assertThat(trace.promptTokens().getFirst().prob()).isNull();
        assertThat(trace.promptLogprob()).isCloseTo(sum, within(1e-9));
    }

    @Test
    void attentionRowsSumToOneAndMatchAFloat64Recomputation() {
        Path file = SharedAssets.path("testdata/synth/tiny-f32.gguf");
        try (Model model = Model.load(file, GgufFile.Loading.READ); GgufFile raw = GgufFile.open(file)) {
            Trace trace = trace(model, "", 12, SamplerSettings.greedy(), TraceOptions.defaults().withFullAttention(true)).trace();
            Float64Llama reference = new Float64Llama(raw);
            reference.step(model.tokenizer().vocabulary().bosId());
            for (Trace.Step s : trace.steps()) {
                float[][][] layers = s.attention().layers();
                int queryPosition = s.position() - 1;
                assertThat(layers.length).isEqualTo(model.config().blockCount());
                for (int l = 0; l < layers.length; l++) {
                    assertThat(layers[l].length).isEqualTo(model.config().headCount());
                    for (int h = 0; h < layers[l].length; h++) {
                        float[] row = layers[l][h];
                        assertThat(row).as("weights over positions 0..%d", queryPosition).hasSize(queryPosition + 1);
                        double sum = 0;
                        for (int t = 0; t < row.length; t++) {
                            sum += row[t];
                            assertThat((double) row[t]).isCloseTo(reference.lastAttention[l][h][t], within(1e-4));
                        }
                        assertThat(sum).isCloseTo(1.0, within(1e-5));
                    }
                }
                double focusTotal = s.attention().sink();
                for (Trace.Focus f : s.attention().focus()) {
                    assertThat(f.position()).isBetween(1, queryPosition);
                    focusTotal += f.weight();
                }
                assertThat(focusTotal).isLessThanOrEqualTo(1.0 + 1e-6);
                reference.step(s.token().id());
            }
        }
    }

    @Test
    void theLensAtTheLastLayerIsTheModelsOwnDistribution() {
        Trace trace = trace(stories, "The little dog", 10, SamplerSettings.greedy(), TraceOptions.defaults().withLens(true)).trace();
        for (Trace.Step s : trace.steps()) {
            assertThat(s.lens()).hasSize(stories.config().blockCount());
            Trace.LensLayer last = s.lens().getLast();
            assertThat(last.tokenProb()).isCloseTo(s.prob(), within(1e-6));
            for (int i = 0; i < last.top().size(); i++) {
                assertThat(last.top().get(i).id()).isEqualTo(s.candidates().get(i).id());
                assertThat(last.top().get(i).prob()).isCloseTo(s.candidates().get(i).prob(), within(1e-6));
            }
        }
    }

    /**
     * explain's tracing on families other than llama: every head's attention row sums to 1 (with
     * zeros before a sliding window), the lens's last layer is the model's own distribution (the
     * head includes Gemma 2's final soft-cap), and tracing chooses what an untraced run chooses.
     */
    @org.junit.jupiter.params.ParameterizedTest(name = "{0}")
    @org.junit.jupiter.params.provider.ValueSource(strings = {"qwen2", "gemma2"})
    void attentionRowsAndTheLensWorkOnOtherArchitectures(String name) {
        try (Model model = Model.load(lucid.model.ArchitectureModels.path(name), GgufFile.Loading.READ)) {
            Trace trace = trace(model, "", 20, SamplerSettings.greedy(), TraceOptions.defaults().withLens(true).withFullAttention(true)).trace();
            Session plain = model.newSession(256, pool);
            int[] expected = Generator.generate(plain, new int[] {model.tokenizer().vocabulary().bosId()}, 20,
                    SamplerSettings.greedy().toChain(model.config().vocabularySize()), t -> false, t -> {}).generated();
            assertThat(trace.steps()).extracting(s -> s.token().id()).containsExactly(box(expected));
            var attention = model.config().attention();
            for (Trace.Step s : trace.steps()) {
                int queryPosition = s.position() - 1;
                float[][][] layers = s.attention().layers();
                assertThat(layers.length).isEqualTo(model.config().blockCount());
                for (int l = 0; l < layers.length; l++) {
                    for (float[] row : layers[l]) {
                        assertThat(row).hasSize(queryPosition + 1);
                        double sum = 0;
                        for (int t = 0; t < row.length; t++) {
                            sum += row[t];
                            if (t < attention.firstVisible(l, queryPosition)) {
                                assertThat(row[t]).as("layer %d, position %d is outside the window", l, t).isZero();
                            }
                        }
                        assertThat(sum).isCloseTo(1.0, within(1e-5));
                    }
                }
                Trace.LensLayer last = s.lens().getLast();
                assertThat(s.lens()).hasSize(model.config().blockCount());
                assertThat(last.tokenProb()).isCloseTo(s.prob(), within(1e-6));
                for (int i = 0; i < last.top().size(); i++) {
                    assertThat(last.top().get(i).id()).isEqualTo(s.candidates().get(i).id());
                    assertThat(last.top().get(i).prob()).isCloseTo(s.candidates().get(i).prob(), within(1e-6));
                }
            }
            assertThat(attention.hasWindow()).isEqualTo(name.equals("gemma2"));
        }
    }

    @Test
    void sampledDistributionShowsWhatFiltersAndTemperatureLeft() {
        SamplerSettings settings = new SamplerSettings(0.7f, 5, 1f, 0f, 1f, 64, 0f, 0f, 11);
        Trace trace = trace(stories, "Once upon a time", 15, settings, TraceOptions.defaults()).trace();
        for (Trace.Step s : trace.steps()) {
            assertThat(s.sampled()).isNotNull();
            assertThat(s.sampled().candidatesLeft()).isBetween(1, 5);
            assertThat(s.sampled().candidates()).extracting(Trace.Candidate::id).contains(s.token().id());
            double total = s.sampled().candidates().stream().mapToDouble(Trace.Candidate::prob).sum();
            assertThat(total).isCloseTo(1.0, within(1e-6));
        }
    }

    @Test
    void jsonFollowsTheDesignSchema() throws Exception {
        Trace trace = trace(stories, "Once upon a time", 3, SamplerSettings.greedy(),
                TraceOptions.defaults().withLens(true).withFullAttention(true)).trace();
        JsonNode root = TraceJson.mapper().readTree(TraceJson.toJson(trace, false));
        assertThat(root.get("model").asText()).isEqualTo("stories260K");
        assertThat(root.get("prompt_tokens").get(0).get("id").asInt()).isEqualTo(1);
        assertThat(root.get("prompt_tokens").get(0).has("prob")).isFalse();
        assertThat(root.get("settings").get("temperature").asDouble()).isZero();
        JsonNode step = root.get("steps").get(0);
        assertThat(step.get("index").asInt()).isZero();
        assertThat(step.get("position").asInt()).isEqualTo(5);
        assertThat(step.get("token").get("text").asText()).isEqualTo(",");
        for (String field : new String[] {"prob", "logprob", "entropy", "rank", "candidates", "attention", "lens"}) {
            assertThat(step.has(field)).as(field).isTrue();
        }
        assertThat(step.get("attention").get("focus").get(0).has("weight")).isTrue();
        assertThat(step.get("attention").get("layers").get(0).get(0)).hasSize(5);
        assertThat(step.get("lens").get(0).has("token_prob")).isTrue();
    }
}
