package lucid.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.util.Arrays;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

class TokenizeAndInspectTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void tokenizePrintsLlamaCppsIdsOnOneLine() throws IOException {
        JsonNode cases = JSON.readTree(Files.readAllBytes(CliRun.shared("testdata/stories260K/tokenize.json"))).get("cases");
        for (JsonNode c : cases) {
            String text = c.get("text").asText();
            CliRun withBos = CliRun.of("tokenize", "-m", CliRun.stories260K(), text);
            assertThat(withBos.exitCode()).isZero();
            assertThat(withBos.out()).isEqualTo(ids(c.get("ids_with_bos")) + "\n");
            CliRun noBos = CliRun.of("tokenize", "-m", CliRun.stories260K(), "--no-bos", text);
            assertThat(noBos.out()).isEqualTo(ids(c.get("ids_no_bos")) + "\n");
        }
    }

    private static String ids(JsonNode array) {
        return java.util.stream.StreamSupport.stream(array.spliterator(), false).map(JsonNode::asText).collect(Collectors.joining(" "));
    }

    @Test
    void piecesAreOneLinePerToken() {
        CliRun run = CliRun.of("tokenize", "-m", CliRun.stories260K(), "--pieces", "Hello\nworld 人");
        assertThat(run.exitCode()).isZero();
        String[] lines = run.out().split("\n");
        assertThat(lines[0]).isEqualTo("1\t<s>");
        assertThat(run.out()).contains("13\t<0x0A>").contains("231\t<0xE4>");
        assertThat(Arrays.stream(lines)).allMatch(l -> l.matches("\\d+\t.*"));
    }

    @Test
    void tokenizeWorksOnAVocabularyOnlyFile() {
        CliRun run = CliRun.of("tokenize", "-m", CliRun.shared("tokenizers/llamacpp-vocab/ggml-vocab-llama-spm.gguf").toString(), "--no-bos", "Hello world");
        assertThat(run.out()).isEqualTo("15043 3186\n");
    }

    @Test
    void inspectListsMetadataTensorsAndArchitecture() {
        CliRun run = CliRun.of("inspect", CliRun.stories260K());
        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.out())
                .contains("GGUF v3")
                .contains("architecture: llama · 5 layers · dim 64 · 8 heads (4 KV, head size 8) · FFN 172 · vocab 512")
                .contains("llama.rope.dimension_count")
                .contains("tokenizer.ggml.tokens")
                .contains("blk.4.ffn_down.weight")
                .containsPattern("parameters: +2\\d\\d\\.\\d K in 48 tensors \\(48 F32\\)");
    }

    @Test
    void inspectJsonHasTheSameFacts() throws IOException {
        CliRun run = CliRun.of("inspect", CliRun.stories260K(), "--json");
        JsonNode root = JSON.readTree(run.out());
        assertThat(root.get("gguf_version").asInt()).isEqualTo(3);
        assertThat(root.get("architecture").get("layers").asInt()).isEqualTo(5);
        assertThat(root.get("tensors")).hasSize(48);
        assertThat(root.get("tensors").get(0).get("shape")).hasSize(2);
        assertThat(root.get("metadata").get("tokenizer.ggml.tokens").get("length").asInt()).isEqualTo(512);
        assertThat(root.get("metadata").get("tokenizer.ggml.seperator_token_id").asLong()).isEqualTo(4294967295L);
        long params = 0;
        for (JsonNode t : root.get("tensors")) {
            long n = 1;
            for (JsonNode d : t.get("shape")) {
                n *= d.asLong();
            }
            params += n;
        }
        assertThat(root.get("parameters").asLong()).isEqualTo(params);
    }

    @Test
    void inspectOfAVocabularyOnlyFileSaysSo() {
        CliRun run = CliRun.of("inspect", CliRun.shared("tokenizers/llamacpp-vocab/ggml-vocab-gpt-2.gguf").toString());
        assertThat(run.exitCode()).isZero();
        assertThat(run.out()).contains("vocabulary-only");
    }

    @Test
    void everyCommandHasHelpWithExamples() {
        for (String command : new String[] {"run", "explain", "heads", "embed", "bench", "perplexity", "score", "calibrate", "serve", "tokenize", "inspect"}) {
            CliRun run = CliRun.of(command, "--help");
            assertThat(run.exitCode()).isZero();
            assertThat(run.out()).contains("Usage: lucid " + command).contains("Examples:");
        }
        assertThat(CliRun.of("--help").out()).contains("run").contains("tokenize").contains("inspect").contains("LUCID_MODELS");
    }
}
