package lucid.server;

import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.http.StreamResponse;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.completions.Completion;
import com.openai.models.completions.CompletionCreateParams;
import lucid.generate.Generator;
import lucid.generate.Session;
import lucid.model.CacheType;
import lucid.sampling.SamplerSettings;
import lucid.tensor.WorkerPool;
import lucid.tokenizer.Utf8StreamDecoder;
import lucid.trace.Trace;
import lucid.trace.TraceOptions;
import lucid.trace.Tracing;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** The official openai-java SDK against a running Lucid server. */
class OpenAiSdkTest {
    static TestServer server;
    static OpenAIClient client;

    @BeforeAll
    static void start() {
        server = new TestServer(2, 4, "test-key");
        client = OpenAIOkHttpClient.builder().baseUrl(server.base + "/v1").apiKey("test-key").build();
    }

    @AfterAll
    static void stop() {
        client.close();
        server.close();
    }

    /** What `lucid run --temp 0` prints after the prompt (same model, F16 cache). */
    static String greedyRun(String prompt, int n) {
        try (WorkerPool pool = new WorkerPool(2)) {
            Session session = server.model.newSession(512, pool, CacheType.F16);
            Utf8StreamDecoder decoder = new Utf8StreamDecoder(server.model.tokenizer(), false);
            StringBuilder text = new StringBuilder();
            Generator.generate(session, server.model.tokenizer().encode(prompt, true), n, SamplerSettings.greedy().toChain(512),
                    server.model::isEndOfGeneration, t -> text.append(decoder.feed(t)));
            return text.append(decoder.flush()).toString();
        }
    }

    @Test
    void completionIsGreedyRunsOutputWithLogprobsEqualToTheTrace() {
        String prompt = "Once upon a time";
        Completion c = client.completions().create(CompletionCreateParams.builder()
                .model("stories260K").prompt(prompt).maxTokens(20).temperature(0.0).logprobs(5).build());
        var choice = c.choices().getFirst();
        assertThat(choice.text()).isEqualTo(greedyRun(prompt, 20));
        assertThat(c.usage().orElseThrow().promptTokens()).isEqualTo(5);
        assertThat(c.usage().orElseThrow().completionTokens()).isEqualTo(20);
        var logprobs = choice.logprobs().orElseThrow();
        List<Map<String, Double>> tops = logprobs.topLogprobs().orElseThrow().stream()
                .map(t -> t._additionalProperties().entrySet().stream().collect(java.util.stream.Collectors.toMap(
                        Map.Entry::getKey, e -> ((Number) e.getValue().asNumber().orElseThrow()).doubleValue()))).toList();
        List<Double> chosen = logprobs.tokenLogprobs().orElseThrow();
        Trace trace;
        try (WorkerPool pool = new WorkerPool(2)) {
            trace = Tracing.generate(server.model, prompt, 20, SamplerSettings.greedy(), TraceOptions.defaults().withTopN(5), 512, pool,
                    CacheType.F16, t -> {}).trace();
        }
        for (int i = 0; i < 20; i++) {
            Trace.Step step = trace.steps().get(i);
            assertThat(chosen.get(i)).isCloseTo(step.logprob(), within(1e-6));
            assertThat(tops.get(i)).hasSize(5);
            for (Trace.Candidate candidate : step.candidates()) {
                assertThat(tops.get(i).get(candidate.text())).as("step %d, %s", i, candidate.text()).isCloseTo(candidate.logprob(), within(1e-6));
            }
        }
    }

    @Test
    void chatWithTopLogprobs() {
        ChatCompletion chat = client.chat().completions().create(ChatCompletionCreateParams.builder()
                .model("stories260K").addUserMessage("Tell me about Lily.").maxCompletionTokens(12).temperature(0.0)
                .logprobs(true).topLogprobs(5).build());
        var choice = chat.choices().getFirst();
        assertThat(choice.message().content().orElseThrow()).isNotEmpty();
        var content = choice.logprobs().orElseThrow().content().orElseThrow();
        assertThat(content).hasSize(12);
        for (var token : content) {
            assertThat(token.topLogprobs()).hasSize(5);
            assertThat(token.logprob()).isLessThanOrEqualTo(0.0);
            assertThat(token.topLogprobs().getFirst().logprob()).isGreaterThanOrEqualTo(token.logprob());
        }
        assertThat(choice.finishReason()).isEqualTo(ChatCompletion.Choice.FinishReason.LENGTH);
    }

    @Test
    void streamingChatAndCompletionsGiveTheSameTextAsNonStreaming() {
        ChatCompletionCreateParams params = ChatCompletionCreateParams.builder()
                .model("stories260K").addUserMessage("Once upon a time").maxCompletionTokens(16).temperature(0.0).build();
        String whole = client.chat().completions().create(params).choices().getFirst().message().content().orElseThrow();
        StringBuilder streamed = new StringBuilder();
        String[] finish = new String[1];
        try (StreamResponse<ChatCompletionChunk> stream = client.chat().completions().createStreaming(params)) {
            stream.stream().forEach(chunk -> chunk.choices().forEach(choice -> {
                choice.delta().content().ifPresent(streamed::append);
                choice.finishReason().ifPresent(f -> finish[0] = f.asString());
            }));
        }
        assertThat(streamed.toString()).isEqualTo(whole);
        assertThat(finish[0]).isEqualTo("length");

        CompletionCreateParams completion = CompletionCreateParams.builder()
                .model("stories260K").prompt("Lily and Tom").maxTokens(15).temperature(0.0).build();
        StringBuilder text = new StringBuilder();
        try (StreamResponse<Completion> stream = client.completions().createStreaming(completion)) {
            stream.stream().forEach(chunk -> chunk.choices().forEach(choice -> text.append(choice.text())));
        }
        assertThat(text.toString()).isEqualTo(greedyRun("Lily and Tom", 15));
    }

    @Test
    void modelsListsTheServedModel() {
        var models = client.models().list();
        assertThat(models.data()).extracting(m -> m.id()).containsExactly("stories260K");
    }
}
