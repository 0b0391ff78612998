package lucid.cli;

import lucid.testkit.HeadlessChromium;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

class EvaluationCommandsTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    private static String shakespeare() {
        return CliRun.shared("text/tinyshakespeare.txt").toString();
    }

    @Test
    void perplexityMatchesLlamaPerplexityWhenAskedToRoundLikeIt() throws Exception {
        CliRun run = CliRun.of("perplexity", "-m", CliRun.stories260K(), "-f", shakespeare(), "-c", "256", "--chunks", "20",
                "--match-llama.cpp", "--json");
        assertThat(run.exitCode()).as(run.err()).isZero();
        JsonNode r = JSON.readTree(run.out());
        assertThat(r.get("ppl").asDouble()).isCloseTo(70.9850, within(70.9850 * 1e-3)); // llama-perplexity, see core's reference file
        assertThat(r.get("tokens").asInt()).isEqualTo(20 * 127);
        assertThat(r.get("chunks")).hasSize(20);
        assertThat(r.get("chunks").get(0).get("running_ppl").asDouble()).isCloseTo(45.8376, within(45.8376 * 1e-3));
        assertThat(r.get("bits_per_byte").asDouble()).isPositive();
        assertThat(run.err()).contains("[1] PPL").contains("tokens/s");
    }

    @Test
    void perplexityTextAndErrors() {
        CliRun text = CliRun.of("perplexity", "-m", CliRun.stories260K(), "-f", shakespeare(), "-c", "128", "--chunks", "4", "--stride", "64");
        assertThat(text.exitCode()).as(text.err()).isZero();
        assertThat(text.out()).startsWith("stories260K on tinyshakespeare.txt: PPL = ").contains("4 windows of 128").contains("bits per byte");
        CliRun missing = CliRun.of("perplexity", "-m", CliRun.stories260K(), "-f", dir.resolve("none.txt").toString());
        assertThat(missing.exitCode()).isEqualTo(1);
        assertThat(missing.errLines()).hasSize(1);
        assertThat(missing.err()).contains("cannot read");
    }

    @Test
    void scoreShowsTheChainRule() throws Exception {
        CliRun table = CliRun.of("score", "-m", CliRun.stories260K(), "-p", "Once upon a time", "--continuation", ", there was");
        assertThat(table.exitCode()).as(table.err()).isZero();
        assertThat(table.out()).contains("\",\"").contains("\" there\"").contains("log P(continuation | prompt) = ");
        JsonNode json = JSON.readTree(CliRun.of("score", "-m", CliRun.stories260K(), "-p", "Once upon a time", "--continuation", ", there was", "--json").out());
        JsonNode tokens = json.get("tokens");
        assertThat(tokens).hasSize(3);
        double sum = 0;
        for (JsonNode t : tokens) {
            sum += t.get("logprob").asDouble();
            assertThat(t.get("cumulative_logprob").asDouble()).isCloseTo(sum, within(1e-9));
        }
        assertThat(json.get("logprob").asDouble()).isCloseTo(sum, within(1e-9));
    }

    @Test
    void calibrationDiagramRendersInChromiumWithTheDiagonalBarsAndCounts() throws Exception {
        assertThat(HeadlessChromium.available()).as("Debian's chromium at " + HeadlessChromium.BINARY).isTrue();
        Path svg = dir.resolve("reliability.svg");
        Path png = dir.resolve("reliability.png");
        CliRun run = CliRun.of("calibrate", "-m", CliRun.stories260K(), "-f", shakespeare(), "-c", "256", "--chunks", "20",
                "--bins", "15", "--svg", svg.toString(), "--png", png.toString(), "--json");
        assertThat(run.exitCode()).as(run.err()).isZero();
        JsonNode r = JSON.readTree(run.out());
        assertThat(r.get("predictions").asInt()).isEqualTo(20 * 127);
        assertThat(r.get("nll_at_temperature").asDouble()).isLessThan(r.get("nll").asDouble());
        assertThat(r.get("bins")).hasSize(15);
        long nonEmpty = 0;
        for (JsonNode b : r.get("bins")) {
            nonEmpty += b.get("count").asInt() > 0 ? 1 : 0;
        }
        assertThat(javax.imageio.ImageIO.read(png.toFile()).getWidth()).isEqualTo(560);
        try (HeadlessChromium browser = new HeadlessChromium()) {
            browser.open(svg.toUri().toString());
            assertThat(browser.eval("document.querySelectorAll('line.diagonal').length").asInt()).isEqualTo(1);
            assertThat(browser.eval("document.querySelectorAll('rect.bar').length").asLong()).isEqualTo(nonEmpty);
            assertThat(browser.eval("document.querySelectorAll('text.count').length").asLong()).isEqualTo(nonEmpty);
            assertThat(browser.eval("[...document.querySelectorAll('rect.bar')].some(r => r.getBBox().height > 0)").asBoolean()).isTrue();
            browser.screenshot(Path.of("target", "browser", "reliability.png"));
            assertThat(browser.errors()).isEmpty();
        }
    }
}
