package lucid.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class BenchCommandTest {

    @Test
    void jsonHasLlamaBenchsFieldsForEachTestAndThreadCount() throws Exception {
        CliRun run = CliRun.of("bench", "-m", CliRun.stories260K(), "-p", "40", "-n", "8", "-t", "1,2", "-r", "2", "--json");
        assertThat(run.exitCode()).as(run.err()).isZero();
        JsonNode rows = new ObjectMapper().readTree(run.out());
        assertThat(rows).hasSize(4);
        assertThat(rows.get(0).get("test").asText()).isEqualTo("pp40");
        assertThat(rows.get(1).get("test").asText()).isEqualTo("tg8");
        assertThat(rows.get(2).get("threads").asInt()).isEqualTo(2);
        for (JsonNode row : rows) {
            assertThat(row.get("avg_ts").asDouble()).isPositive();
            assertThat(row.get("stddev_ts").asDouble()).isNotNegative();
            assertThat(row.get("samples_ts")).hasSize(2);
            assertThat(row.has("n_prompt") && row.has("n_gen")).isTrue();
        }
    }

    @Test
    void tableCurveAndNoKvCacheModesRun() {
        CliRun table = CliRun.of("bench", "-m", CliRun.stories260K(), "-p", "0", "-n", "4", "-t", "1", "-r", "1", "--no-kv-cache");
        assertThat(table.out()).contains("| llama 293K F32").contains("tg4*").contains("without a KV cache");
        CliRun curve = CliRun.of("bench", "-m", CliRun.stories260K(), "--curve", "40", "--points", "3", "-r", "1", "-t", "1");
        assertThat(curve.exitCode()).as(curve.err()).isZero();
        assertThat(curve.out()).contains("position | with KV cache (ms) | no KV cache (ms)");
        assertThat(curve.out().lines().filter(l -> l.matches("\\s+\\d+ \\|.*")).count()).isEqualTo(3);
    }

    @Test
    void badChoicesAreExplained() {
        CliRun both = CliRun.of("bench", "-m", CliRun.stories260K(), "--synthetic", "tiny:f32");
        assertThat(both.exitCode()).isEqualTo(1);
        assertThat(both.err()).contains("one of them");
        CliRun shape = CliRun.of("bench", "--synthetic", "huge:f32");
        assertThat(shape.err()).contains("unknown synthetic shape \"huge\"").contains("llama-1b");
        CliRun type = CliRun.of("bench", "--synthetic", "tiny:q9_9");
        assertThat(type.err()).contains("unknown tensor type \"q9_9\"");
    }
}
