package lucid.cli;

import lucid.testkit.HeadlessChromium;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

class ExplainCommandTest {
    @TempDir
    Path dir;

    @Test
    void tableShowsOneRowPerStepWithTheGreedyTokens() {
        CliRun explain = CliRun.of("explain", "-m", CliRun.stories260K(), "-p", "Once upon a time", "-n", "8");
        CliRun run = CliRun.of("run", "-m", CliRun.stories260K(), "-p", "Once upon a time", "-n", "8", "--temp", "0");
        assertThat(explain.exitCode()).as(explain.err()).isZero();
        String[] lines = explain.out().split("\n");
        assertThat(lines).hasSize(9);
        assertThat(lines[0]).startsWith("step | text so far").contains("attention focus").contains("top candidates");
        assertThat(lines[1]).startsWith("1    | Once upon a time").contains("[\",\" .97]").contains("sink");
        // the last row's text plus its chosen token is what run printed
        assertThat(run.out()).startsWith("Once upon a time, there was a little gir");
        assertThat(lines[8]).contains("[\"l\"");
    }

    @Test
    void chineseTextIsAlignedByDisplayColumns() {
        CliRun explain = CliRun.of("explain", "-m", CliRun.stories260K(), "-p", "人工智能是", "-n", "3");
        String[] lines = explain.out().split("\n");
        int separator = DisplayWidth.of(lines[0].substring(0, lines[0].indexOf(" | attention")));
        for (int i = 1; i < lines.length; i++) {
            String row = lines[i];
            int at = row.indexOf(" | ", row.indexOf(" | ") + 3);
            assertThat(DisplayWidth.of(row.substring(0, at))).as(row).isEqualTo(separator);
        }
        assertThat(lines[1]).contains("人工智能是");
    }

    @Test
    void scoringThePromptShowsTheChainRule() {
        CliRun explain = CliRun.of("explain", "-m", CliRun.stories260K(), "-p", "Lily and Tom", "-n", "0");
        assertThat(explain.exitCode()).isZero();
        assertThat(explain.out()).contains("\"<s>\"").contains("(start)").contains("log P(prompt | first token) = ");
    }

    @Test
    void jsonToStdoutIsTheTraceAlone() throws Exception {
        CliRun explain = CliRun.of("explain", "-m", CliRun.stories260K(), "-p", "Once upon a time", "-n", "4", "--json", "-", "--lens");
        JsonNode trace = new ObjectMapper().readTree(explain.out());
        assertThat(trace.get("steps")).hasSize(4);
        assertThat(trace.get("steps").get(0).get("lens")).hasSize(5);
    }

    @Test
    void samplingOptionsAreHonouredAndRecorded() throws Exception {
        Path json = dir.resolve("t.json");
        CliRun explain = CliRun.of("explain", "-m", CliRun.stories260K(), "-p", "Once", "-n", "5", "--temp", "0.9", "--top-k", "3",
                "--seed", "4", "--json", json.toString());
        assertThat(explain.exitCode()).as(explain.err()).isZero();
        JsonNode trace = new ObjectMapper().readTree(Files.readString(json));
        assertThat(trace.get("settings").get("top_k").asInt()).isEqualTo(3);
        assertThat(trace.get("steps").get(0).get("sampled").get("candidates_left").asInt()).isLessThanOrEqualTo(3);
        CliRun run = CliRun.of("run", "-m", CliRun.stories260K(), "-p", "Once", "-n", "5", "--temp", "0.9", "--top-k", "3", "--seed", "4");
        StringBuilder text = new StringBuilder("Once");
        for (JsonNode step : trace.get("steps")) {
            text.append(step.get("token").get("text").asText());
        }
        assertThat(run.out()).isEqualTo(text.toString());
    }

    @Test
    void badArgumentsGetOneLine() {
        CliRun bad = CliRun.of("explain", "-m", CliRun.stories260K(), "-p", "x", "-n", "-2");
        assertThat(bad.exitCode()).isEqualTo(1);
        assertThat(bad.errLines()).hasSize(1);
        assertThat(bad.err()).contains("-n must be 0");
    }

    @Test
    void htmlReportOpensInChromiumWithoutErrorsAndShowsTheSteps() throws Exception {
        assertThat(HeadlessChromium.available()).as("Debian's chromium at " + HeadlessChromium.BINARY + " (.ci/run installs it)").isTrue();
        Path html = dir.resolve("report.html");
        CliRun explain = CliRun.of("explain", "-m", CliRun.stories260K(), "-p", "Once upon a time", "-n", "12", "--html", html.toString());
        assertThat(explain.exitCode()).as(explain.err()).isZero();
        String page = Files.readString(html);
        // self-contained: nothing loaded from anywhere (the SVG namespace URI is a name, not a request)
        assertThat(page).doesNotContainPattern("(src|href)\\s*=\\s*\"?https?:").doesNotContain("<script src").doesNotContain("<link")
                .doesNotContain("fetch(").doesNotContain("XMLHttpRequest");
        try (HeadlessChromium browser = new HeadlessChromium()) {
            browser.open(html.toUri().toString());
            assertThat(browser.eval("document.querySelectorAll('#strip .tok[data-step]').length").asInt()).isEqualTo(12);
            assertThat(browser.eval("document.querySelectorAll('#candidates .bar-row').length").asInt()).isEqualTo(5);
            assertThat(browser.eval("document.querySelectorAll('#heatmap rect').length").asInt()).isEqualTo(5 * 8);
            assertThat(browser.eval("document.querySelectorAll('#lens td').length").asInt()).isEqualTo(5 * 12);
            assertThat(browser.eval("document.querySelectorAll('#entropy-chart circle').length").asInt()).isEqualTo(12);
            browser.eval("document.querySelector('#strip [data-step=\"3\"]').click()");
            assertThat(browser.eval("document.getElementById('step-title').textContent").asText()).startsWith("Step 4: chose");
            browser.eval("document.querySelector('#heatmap rect[data-layer=\"2\"][data-head=\"5\"]').dispatchEvent(new Event('click'))");
            assertThat(browser.eval("document.getElementById('positions').textContent").asText()).contains("layer 2, head 5");
            // pieces of characters (as the trace names their bytes) are grouped back into characters
            assertThat(browser.eval("groupTokens(['<0xE6><0x99>', '<0xBA><0xE8>', '<0x83><0xBD>', 'x', '的<0xF0>', '<0x9F><0xA4>', '<0x96>']"
                    + ".map(text => ({text}))).map(g => g.text + ':' + g.items.length).join('|')").asText())
                    .isEqualTo("智能:3|x:1|的🤖:3");
            browser.screenshot(Path.of("target", "browser", "explain-report.png"));
            assertThat(browser.errors()).isEmpty();
        }
    }
}
