package lucid.server;

import com.fasterxml.jackson.databind.JsonNode;
import lucid.gguf.GgufFile;
import lucid.model.CacheType;
import lucid.model.Model;
import org.junit.jupiter.api.Test;

import java.lang.management.ManagementFactory;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/** Many clients at once on loopback: every stream complete and well-formed, the queue bounded, nothing leaking. */
class LoadTest {

    private static TestServer server(int parallel, int queue, int context) {
        return new TestServer(parallel, queue, null, context);
    }

    /** One streamed completion, read to the end: its text and whether the stream was well-formed. */
    record Streamed(String text, String finishReason, boolean done) {}

    static CompletableFuture<Streamed> stream(String base, String body) {
        HttpRequest request = HttpRequest.newBuilder(URI.create(base + "/v1/completions")).timeout(Duration.ofSeconds(120))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build();
        return Http.CLIENT.sendAsync(request, HttpResponse.BodyHandlers.ofLines()).thenApply(response -> {
            assertThat(response.statusCode()).isEqualTo(200);
            StringBuilder text = new StringBuilder();
            String[] finish = {null};
            boolean[] done = {false};
            try (Stream<String> lines = response.body()) {
                lines.filter(l -> l.startsWith("data: ")).forEach(l -> {
                    String data = l.substring(6);
                    if (data.equals("[DONE]")) {
                        done[0] = true;
                        return;
                    }
                    JsonNode chunk;
                    try {
                        chunk = Http.JSON.readTree(data);
                    } catch (java.io.IOException e) {
                        throw new AssertionError("malformed chunk: " + data);
                    }
                    JsonNode choice = chunk.get("choices").get(0);
                    text.append(choice.get("text").asText());
                    if (!choice.get("finish_reason").isNull()) {
                        finish[0] = choice.get("finish_reason").asText();
                    }
                });
            }
            return new Streamed(text.toString(), finish[0], done[0]);
        });
    }

    @Test
    void sixteenConcurrentStreamsCompleteAndASeventeenthIsRefused() throws Exception {
        try (TestServer s = server(4, 12, 2048)) {
            String body = "{\"prompt\": \"Once upon a time\", \"max_tokens\": 1500, \"temperature\": 0, \"stream\": true}";
            String expected = Http.post(s.base + "/v1/completions", body.replace("\"stream\": true", "\"stream\": false")).json()
                    .get("choices").get(0).get("text").asText();
            List<CompletableFuture<Streamed>> streams = new ArrayList<>();
            for (int i = 0; i < 16; i++) {
                streams.add(stream(s.base, body));
            }
            long deadline = System.nanoTime() + 20_000_000_000L;
            while (Http.metric(s.base, "lucid_busy_slots") + Http.metric(s.base, "lucid_queue_depth") < 16 && System.nanoTime() < deadline) {
                Thread.sleep(5);
            }
            Http.Reply refused = Http.post(s.base + "/v1/completions", "{\"prompt\": \"x\", \"max_tokens\": 1}");
            assertThat(refused.status()).isEqualTo(429);
            assertThat(refused.raw().headers().firstValue("Retry-After")).contains("1");
            assertThat(refused.json().get("error").get("code").asText()).isEqualTo("server_busy");
            for (CompletableFuture<Streamed> f : streams) {
                Streamed r = f.get(120, TimeUnit.SECONDS);
                assertThat(r.done()).isTrue();
                assertThat(r.finishReason()).isEqualTo("length");
                assertThat(r.text()).isEqualTo(expected);
            }
        }
    }

    /**
     * Both ways the engine runs slots: stories260K is cache-resident, so its slots step one at a
     * time; with the property off they go through the model together (what larger models do).
     */
    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.ValueSource(booleans = {true, false})
    void aSeedGivesTheSameTokensAloneOrInABatch(boolean cacheResident) throws Exception {
        TestServer server;
        System.setProperty("lucid.server.cacheResident", Boolean.toString(cacheResident));
        try {
            server = server(4, 4, 512);
        } finally {
            System.clearProperty("lucid.server.cacheResident");
        }
        try (TestServer s = server) {
            String body = "{\"prompt\": \"Lily\", \"max_tokens\": 60, \"temperature\": 1.0, \"seed\": 7}";
            String alone = Http.post(s.base + "/v1/completions", body).json().get("choices").get(0).get("text").asText();
            List<CompletableFuture<Http.Reply>> batch = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                String b = i == 2 ? body : "{\"prompt\": \"Tom\", \"max_tokens\": 60, \"temperature\": 1.0, \"seed\": " + i + "}";
                batch.add(CompletableFuture.supplyAsync(() -> Http.post(s.base + "/v1/completions", b)));
            }
            assertThat(batch.get(2).get(60, TimeUnit.SECONDS).json().get("choices").get(0).get("text").asText()).isEqualTo(alone);
        }
    }

    @Test
    void aThousandSequentialRequestsLeaveNoThreadsOrHeapBehind() throws Exception {
        try (TestServer s = server(2, 2, 256)) {
            String body = "{\"prompt\": \"Once upon a time\", \"max_tokens\": 8, \"temperature\": 0.8, \"stream\": true}";
            for (int i = 0; i < 50; i++) { // warm up
                stream(s.base, body).get(30, TimeUnit.SECONDS);
            }
            long[] before = usage();
            for (int i = 0; i < 1000; i++) {
                assertThat(stream(s.base, body).get(30, TimeUnit.SECONDS).done()).isTrue();
            }
            long[] after = usage();
            System.out.printf("1000 sequential streamed requests: threads %d → %d, heap after GC %.1f → %.1f MB%n",
                    before[0], after[0], before[1] / 1e6, after[1] / 1e6);
            assertThat(after[0]).isLessThanOrEqualTo(before[0] + 4);
            assertThat(after[1]).isLessThan(before[1] + 16_000_000L);
        }
    }

    /** Live threads and heap used after a GC. */
    private static long[] usage() throws InterruptedException {
        for (int i = 0; i < 3; i++) {
            System.gc();
            Thread.sleep(100);
        }
        var memory = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage();
        return new long[] {ManagementFactory.getThreadMXBean().getThreadCount(), memory.getUsed()};
    }

    @Test
    void throughputWithFourSlotsAgainstOne() throws Exception {
        double one = throughput(1);
        double two = throughput(2);
        double four = throughput(4);
        System.out.printf("stories260K aggregate throughput, 16 requests of up to 400 tokens: 1 slot %.0f tok/s, 2 slots %.0f tok/s (%.2f×), 4 slots %.0f tok/s (%.2f×)%n",
                one, two, two / one, four, four / one);
        assertThat(four).isPositive();
    }

    private static double throughput(int slots) throws Exception {
        try (TestServer s = server(slots, 16, 1024)) {
            // not streamed, so the clients (in this same JVM) cost little next to the generation
            String body = "{\"prompt\": \"Once upon a time\", \"max_tokens\": 400, \"temperature\": 0.8}";
            completions(s, body, 4); // warm up the scheduler's code paths
            long start = System.nanoTime();
            long tokens = completions(s, body, 16);
            return tokens / ((System.nanoTime() - start) / 1e9);
        }
    }

    /** Sends {@code count} requests at once; the tokens generated, as the responses' usage counts them. */
    private static long completions(TestServer s, String body, int count) throws Exception {
        List<CompletableFuture<Http.Reply>> all = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            all.add(CompletableFuture.supplyAsync(() -> Http.post(s.base + "/v1/completions", body)));
        }
        long tokens = 0;
        for (CompletableFuture<Http.Reply> f : all) {
            Http.Reply reply = f.get(120, TimeUnit.SECONDS);
            assertThat(reply.status()).isEqualTo(200);
            tokens += Http.JSON.readTree(reply.body()).get("usage").get("completion_tokens").asLong();
        }
        return tokens;
    }
}
