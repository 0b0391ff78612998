package lucid.server;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;

/** Errors, limits and the API key, through plain HTTP: always a 4xx with an OpenAI error object, never a 500. */
class ServerBehaviourTest {
    static TestServer server;

    @BeforeAll
    static void start() {
        server = new TestServer(1, 0, "secret");
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    private static Http.Reply post(String path, String body) {
        return Http.post(server.base + path, body, "Authorization", "Bearer secret");
    }

    private static void expectError(Http.Reply r, int status, String fragment) {
        assertThat(r.status()).as(r.body()).isEqualTo(status);
        JsonNode error = r.json().get("error");
        assertThat(error.get("message").asText()).contains(fragment);
        assertThat(error.has("type") && error.has("param") && error.has("code")).isTrue();
    }

    @Test
    void malformedRequestsGetOpenAiStyleErrors() {
        expectError(post("/v1/completions", "{not json"), 400, "not valid JSON");
        expectError(post("/v1/completions", "[1,2]"), 400, "must be a JSON object");
        expectError(post("/v1/completions", "{\"max_tokens\": 5}"), 400, "prompt is required");
        expectError(post("/v1/completions", "{\"prompt\": 42}"), 400, "prompt must be");
        expectError(post("/v1/completions", "{\"prompt\": \"x\", \"max_tokens\": \"ten\"}"), 400, "max_tokens must be an integer");
        expectError(post("/v1/completions", "{\"prompt\": \"x\", \"max_tokens\": -5}"), 400, "max_tokens must be between");
        expectError(post("/v1/completions", "{\"prompt\": \"x\", \"max_tokens\": 100000000}"), 400, "max_tokens must be between");
        expectError(post("/v1/completions", "{\"prompt\": \"x\", \"temperature\": -1}"), 400, "temperature must be between");
        expectError(post("/v1/completions", "{\"prompt\": \"x\", \"top_p\": 3}"), 400, "top_p must be between");
        expectError(post("/v1/completions", "{\"prompt\": \"x\", \"stop\": 7}"), 400, "stop must be");
        expectError(post("/v1/completions", "{\"prompt\": \"x\", \"n\": 3}"), 400, "n = 1");
        expectError(post("/v1/completions", "{\"prompt\": [99999]}"), 400, "outside the vocabulary");
        expectError(post("/v1/completions", "{\"prompt\": \"x\", \"model\": \"gpt-4\"}"), 404, "not served here");
        expectError(post("/v1/chat/completions", "{\"messages\": []}"), 400, "messages must be");
        expectError(post("/v1/chat/completions", "{\"messages\": [{\"role\": \"wizard\", \"content\": \"hi\"}]}"), 400, "not supported");
        expectError(post("/v1/chat/completions", "{\"messages\": [{\"role\": \"user\", \"content\": \"hi\"}], \"top_logprobs\": 3}"), 400,
                "top_logprobs needs logprobs");
        String longPrompt = "Once upon a time ".repeat(200);
        Http.Reply tooLong = post("/v1/completions", "{\"prompt\": \"" + longPrompt + "\"}");
        expectError(tooLong, 400, "context holds 512");
        assertThat(tooLong.json().get("error").get("code").asText()).isEqualTo("context_length_exceeded");
        expectError(post("/v1/nothing", "{}"), 404, "no such endpoint");
        expectError(post("/v1/completions", "{\"prompt\": \"" + "x".repeat(1 << 21) + "\"}"), 413, "larger than");
    }

    @Test
    void theApiKeyGuardsV1RoutesOnly() {
        expectError(Http.post(server.base + "/v1/completions", "{\"prompt\": \"x\"}"), 401, "missing API key");
        expectError(Http.post(server.base + "/v1/completions", "{\"prompt\": \"x\"}", "Authorization", "Bearer wrong"), 401, "incorrect API key");
        assertThat(Http.get(server.base + "/health").status()).isEqualTo(200);
        assertThat(Http.get(server.base + "/metrics").body()).contains("lucid_requests_total").contains("lucid_queue_depth");
    }

    @Test
    void stopStringsEndTheTextWithoutShowingThem() {
        JsonNode r = post("/v1/completions", "{\"prompt\": \"Once upon a time\", \"max_tokens\": 40, \"temperature\": 0, \"stop\": [\" Lily\"]}").json();
        JsonNode choice = r.get("choices").get(0);
        assertThat(choice.get("text").asText()).isEqualTo(", there was a little girl named");
        assertThat(choice.get("finish_reason").asText()).isEqualTo("stop");
    }

    @Test
    void theTraceExtensionReturnsTheStepsAndTheirProbabilities() {
        JsonNode r = post("/v1/completions", "{\"prompt\": \"Once upon a time\", \"max_tokens\": 5, \"temperature\": 0, \"logprobs\": 3, "
                + "\"trace\": {\"top\": 3, \"lens\": true}}").json();
        JsonNode steps = r.get("trace").get("steps");
        assertThat(steps).hasSize(5);
        JsonNode logprobs = r.get("choices").get(0).get("logprobs").get("token_logprobs");
        for (int i = 0; i < 5; i++) {
            assertThat(steps.get(i).get("logprob").asDouble()).isEqualTo(logprobs.get(i).asDouble(), org.assertj.core.api.Assertions.within(1e-9));
            assertThat(steps.get(i).get("lens")).hasSize(5);
            assertThat(steps.get(i).get("attention").get("focus")).isNotEmpty();
        }
    }

    @Test
    void aClientThatDisconnectsFreesItsSlot() throws Exception {
        // one slot, no queue: while the stream runs, another request is refused
        try (Socket socket = new Socket("127.0.0.1", server.server.port())) {
            String body = "{\"prompt\": \"Once upon a time\", \"max_tokens\": 480, \"stream\": true}";
            OutputStream out = socket.getOutputStream();
            out.write(("POST /v1/completions HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer secret\r\nContent-Type: application/json\r\n"
                    + "Content-Length: " + body.getBytes(StandardCharsets.UTF_8).length + "\r\n\r\n" + body).getBytes(StandardCharsets.UTF_8));
            out.flush();
            BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
            int chunks = 0;
            for (String line = in.readLine(); line != null && chunks < 3; line = in.readLine()) {
                chunks += line.startsWith("data: {") ? 1 : 0;
            }
            assertThat(chunks).isEqualTo(3);
            assertThat(post("/v1/completions", "{\"prompt\": \"x\", \"max_tokens\": 1}").status()).isEqualTo(429);
        } // the socket closes here, mid-stream
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (Http.metric(server.base, "lucid_busy_slots") > 0 && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertThat(Http.metric(server.base, "lucid_busy_slots")).isZero();
        assertThat(post("/v1/completions", "{\"prompt\": \"x\", \"max_tokens\": 1}").status()).isEqualTo(200);
    }
}
