package lucid.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;

import static org.assertj.core.api.Assertions.assertThat;

class RunCommandTest {

    @Test
    void greedyRunPrintsThePromptThenLlamaCppsContinuation() throws IOException {
        JsonNode cases = new ObjectMapper().readTree(Files.readAllBytes(CliRun.shared("testdata/stories260K/greedy-prompts.json"))).get("cases");
        for (JsonNode c : cases) {
            String prompt = c.get("prompt").asText();
            int n = c.get("greedy_ids").size();
            CliRun run = CliRun.of("run", "-m", CliRun.stories260K(), "-p", prompt, "-n", Integer.toString(n), "--temp", "0", "-t", "1");
            assertThat(run.exitCode()).as(run.err()).isZero();
            assertThat(run.out()).startsWith(prompt);
            // llama.cpp detokenized the continuation on its own, which drops its leading space.
            String continuation = run.out().substring(prompt.length());
            assertThat(continuation.stripLeading()).isEqualTo(c.get("text").asText());
            assertThat(run.err()).contains("generated " + n + " tokens").contains("tok/s");
        }
    }

    @Test
    void sameSeedGivesTheSameTextWhateverTheThreadCount() {
        String[] args = {"run", "-m", CliRun.stories260K(), "-p", "Lily", "-n", "40", "--temp", "1.0", "--seed", "1234"};
        CliRun one = CliRun.of(concat(args, "-t", "1"));
        CliRun two = CliRun.of(concat(args, "-t", "2"));
        CliRun again = CliRun.of(concat(args, "-t", "2"));
        assertThat(one.exitCode()).isZero();
        assertThat(two.out()).isEqualTo(one.out());
        assertThat(again.out()).isEqualTo(one.out());
        CliRun otherSeed = CliRun.of("run", "-m", CliRun.stories260K(), "-p", "Lily", "-n", "40", "--temp", "1.0", "--seed", "99");
        assertThat(otherSeed.out()).isNotEqualTo(one.out());
    }

    @Test
    void emptyPromptStartsFromBosWithoutALeadingSpace() {
        CliRun run = CliRun.of("run", "-m", CliRun.stories260K(), "-n", "8", "--temp", "0");
        assertThat(run.exitCode()).isZero();
        assertThat(run.out()).startsWith("Once upon a time");
    }

    @Test
    void fullContextStopsWithAMessage() {
        CliRun run = CliRun.of("run", "-m", CliRun.stories260K(), "-p", "Once upon a time", "-c", "12", "--temp", "0");
        assertThat(run.exitCode()).isZero();
        assertThat(run.err()).contains("the context of 12 tokens is full");
    }

    @Test
    void chineseAndEmojiPromptsStreamAsValidText() {
        String prompt = "人工智能是 🤖";
        CliRun run = CliRun.of("run", "-m", CliRun.stories260K(), "-p", prompt, "-n", "10", "--temp", "0");
        assertThat(run.exitCode()).isZero();
        assertThat(run.out()).startsWith(prompt);
    }

    @Test
    void badInputsGetOneClearLineAndANonZeroExit() {
        expectError(CliRun.of("run", "-m", "no-such-model-name", "-p", "x"), 1, "not found", "LUCID_MODELS");
        expectError(CliRun.of("run", "-m", "/nonexistent/dir/model.gguf"), 1, "no such file: /nonexistent/dir/model.gguf");
        expectError(CliRun.of("run", "-m", CliRun.stories260K(), "-p", "Once upon a time, there was a girl", "-c", "8"),
                1, "the prompt needs", "the context holds 8");
        expectError(CliRun.of("run", "-m", CliRun.stories260K(), "-n", "-5"), 1, "-n must be -1");
        expectError(CliRun.of("run", "-m", CliRun.stories260K(), "--top-p", "3"), 1, "top-p must be between 0 and 1, got 3.0");
        expectError(CliRun.of("run", "-m", CliRun.stories260K(), "--temp", "-1"), 1, "temperature must be 0");
        expectError(CliRun.of("run", "-m", CliRun.stories260K(), "-t", "0"), 1, "-t must be between 1");
        expectError(CliRun.of("run", "-m", CliRun.shared("testdata/stories260K/logits.json").toString()), 1, "bad magic");
        expectError(CliRun.of("run", "-m", CliRun.shared("tokenizers/llamacpp-vocab/ggml-vocab-llama-spm.gguf").toString()),
                1, "has no tensor token_embd.weight");
        expectError(CliRun.of("run", "-m", CliRun.shared("tokenizers/llamacpp-vocab/ggml-vocab-falcon.gguf").toString()),
                1, "architecture \"falcon\" is not supported yet", "llama, qwen2, qwen3, gemma2, gemma3, phi3, gpt2");
        CliRun usage = CliRun.of("run", "-m", CliRun.stories260K(), "--no-such-option");
        assertThat(usage.exitCode()).isEqualTo(2);
        assertThat(usage.err()).contains("Unknown option: '--no-such-option'").contains("lucid run --help");
    }

    private static void expectError(CliRun run, int code, String... fragments) {
        assertThat(run.exitCode()).as(run.err()).isEqualTo(code);
        assertThat(run.out()).isEmpty();
        assertThat(run.errLines()).as("stderr: %s", run.err()).hasSize(1);
        assertThat(run.errLines()[0]).startsWith("error: ").contains(fragments);
    }

    private static String[] concat(String[] a, String... b) {
        String[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
