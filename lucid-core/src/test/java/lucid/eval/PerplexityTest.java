package lucid.eval;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import lucid.LucidException;
import lucid.SharedAssets;
import lucid.gguf.GgufFile;
import lucid.model.CacheType;
import lucid.model.Model;
import lucid.tensor.WorkerPool;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

/** Perplexity against llama.cpp's llama-perplexity, recorded in src/test/resources/reference. */
class PerplexityTest {

    static List<JsonNode> references() throws IOException {
        try (InputStream in = PerplexityTest.class.getResourceAsStream("/reference/llama-perplexity.json")) {
            List<JsonNode> runs = new ArrayList<>();
            new ObjectMapper().readTree(in).get("runs").forEach(runs::add);
            return runs;
        }
    }

    @ParameterizedTest(name = "{index}: {0}")
    @MethodSource("references")
    void chunkedPerplexityMatchesLlamaPerplexityChunkByChunk(JsonNode reference) throws IOException {
        String text = Files.readString(SharedAssets.path(reference.get("text").asText()));
        int ctx = reference.get("ctx").asInt();
        int chunks = reference.get("chunks").asInt();
        try (Model model = Model.load(SharedAssets.path(reference.get("model").asText()), GgufFile.Loading.READ);
             WorkerPool pool = new WorkerPool(2)) {
            List<Double> running = new ArrayList<>();
            var setup = new Perplexity.Setup(pool, CacheType.F16, lucid.tensor.ActivationRounding.LLAMA_CPP);
            Perplexity.Result r = Perplexity.chunked(model, text, ctx, chunks, setup, c -> running.add(c.runningPpl()));
            JsonNode expected = reference.get("running_ppl");
            assertThat(running).hasSize(expected.size());
            double worst = 0;
            for (int i = 0; i < running.size(); i++) {
                worst = Math.max(worst, Math.abs(running.get(i) / expected.get(i).asDouble() - 1));
            }
            System.out.printf("%s on %s, -c %d: PPL %.4f (llama-perplexity %.4f), worst chunk difference %.2e relative%n",
                    reference.get("model").asText(), reference.get("text").asText(), ctx, r.ppl(), reference.get("ppl").asDouble(), worst);
            for (int i = 0; i < running.size(); i++) {
                double e = expected.get(i).asDouble();
                assertThat(running.get(i)).as("chunk %d", i + 1).isCloseTo(e, within(1e-3 * e));
            }
            double ppl = reference.get("ppl").asDouble();
            assertThat(r.ppl()).isCloseTo(ppl, within(1e-3 * ppl));
            assertThat(r.pplError()).isCloseTo(reference.get("ppl_error").asDouble(), within(2e-3 * reference.get("ppl_error").asDouble()));
            assertThat(r.tokens()).isEqualTo((long) chunks * (ctx - 1 - ctx / 2));
        }
    }

    static Perplexity.Setup exact(WorkerPool pool) {
        return new Perplexity.Setup(pool, CacheType.F32, lucid.tensor.ActivationRounding.EXACT);
    }

    @Test
    void slidingWindowScoresEveryTokenOnceAndAgreesWithChunksWhenStrideIsHalfTheContext() throws IOException {
        String text = Files.readString(SharedAssets.path("text/tinyshakespeare.txt")).substring(0, 20_000);
        try (Model model = Model.load(SharedAssets.stories260K(), GgufFile.Loading.READ); WorkerPool pool = new WorkerPool(1)) {
            int n = model.tokenizer().encode(text, true).length;
            Perplexity.Result all = Perplexity.sliding(model, text, 128, 64, 0, exact(pool), c -> {});
            assertThat(all.tokens()).isEqualTo(n - 1);
            assertThat(all.bitsPerByte()).isPositive();
            // a single window covering everything scores the same tokens as one long evaluation
            Perplexity.Result wide = Perplexity.sliding(model, text.substring(0, 300), 512, 512, 0, exact(pool), c -> {});
            assertThat(wide.chunks()).hasSize(1);
        }
    }

    @Test
    void tooShortATextIsExplained() {
        try (Model model = Model.load(SharedAssets.stories260K(), GgufFile.Loading.READ); WorkerPool pool = new WorkerPool(1)) {
            assertThatThrownBy(() -> Perplexity.chunked(model, "Once upon a time", 256, 0, exact(pool), c -> {}))
                    .isInstanceOf(LucidException.class).hasMessageContaining("needs at least 512");
        }
    }
}
