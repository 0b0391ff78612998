package lucid.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import lucid.huggingface.HuggingFaceFolders;
import lucid.model.TestModels;
import lucid.safetensors.Dtype;
import lucid.tensor.GgmlType;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The commands take a Hugging Face folder wherever they take a GGUF file: a random-weight model
 * with Llama 2's real tokenizer, written as a folder (tokenizer.json and tokenizer_config.json
 * from Llama 2, weights in BF16 and Q/K in transformers' order) and as the GGUF llama.cpp would
 * make of it, prints the same text.
 */
class HuggingFaceFolderCommandsTest {
    @TempDir
    static Path dir;
    static Path gguf;
    static Path folder;

    @BeforeAll
    static void writeModel() {
        Path random = TestModels.writeLlama(dir.resolve("random.gguf"), new TestModels.Shape(64, 2, 4, 2, 128, 32000, 256), GgmlType.F32, 21);
        Path withVocabulary = HuggingFaceFolders.withVocabulary(random,
                CliRun.shared("tokenizers/llamacpp-vocab/ggml-vocab-llama-spm.gguf"), dir.resolve("llama2-vocab.gguf"));
        gguf = HuggingFaceFolders.roundedGguf(withVocabulary, Dtype.BF16, dir.resolve("tiny-llama2.gguf"));
        folder = HuggingFaceFolders.write(withVocabulary, dir.resolve("tiny-llama2"), HuggingFaceFolders.Options.of(Dtype.BF16, 2)
                .withTokenizerFiles(CliRun.shared("tokenizers/hf-tokenizers/llama2")));
    }

    @Test
    void greedyRunOfTheFolderPrintsWhatTheGgufPrints() {
        String prompt = "Once upon a time";
        CliRun fromGguf = CliRun.of("run", "-m", gguf.toString(), "-p", prompt, "-n", "32", "--temp", "0", "-t", "2");
        assertThat(fromGguf.exitCode()).as(fromGguf.err()).isZero();
        assertThat(fromGguf.out()).startsWith(prompt).hasSizeGreaterThan(prompt.length() + 10);
        for (String loading : new String[] {"--no-mmap", "--mmap"}) {
            CliRun fromFolder = CliRun.of("run", "-m", folder + "/", "-p", prompt, "-n", "32", "--temp", "0", "-t", "2", loading);
            assertThat(fromFolder.exitCode()).as(fromFolder.err()).isZero();
            assertThat(fromFolder.out()).isEqualTo(fromGguf.out());
            assertThat(fromFolder.err()).contains("generated 32 tokens");
        }
    }

    @Test
    void tokenizeReadsTheFoldersTokenizer() {
        String text = "Hello world, 你好!";
        CliRun fromGguf = CliRun.of("tokenize", "-m", gguf.toString(), text);
        CliRun fromFolder = CliRun.of("tokenize", "-m", folder.toString(), text);
        assertThat(fromFolder.exitCode()).as(fromFolder.err()).isZero();
        assertThat(fromFolder.out()).isEqualTo(fromGguf.out()).startsWith("1 15043 3186");
    }

    @Test
    void inspectShowsTheFolderAsLucidReadsIt() throws IOException {
        CliRun run = CliRun.of("inspect", folder.toString());
        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.out())
                .contains("Hugging Face LlamaForCausalLM, 2 safetensors files")
                .contains("architecture: llama · 2 layers · dim 64 · 4 heads (2 KV, head size 16) · FFN 128 · vocab 32000")
                .contains("RoPE 16 dims (neox)")
                .contains("lucid.rope.style")
                .contains("blk.1.ffn_down.weight")
                .containsPattern("blk\\.0\\.attn_q\\.weight +BF16 +\\[64, 64\\]");
        JsonNode json = new ObjectMapper().readTree(CliRun.of("inspect", folder.toString(), "--json").out());
        assertThat(json.get("format").asText()).isEqualTo("huggingface");
        assertThat(json.get("hf_architecture").asText()).isEqualTo("LlamaForCausalLM");
        assertThat(json.get("architecture").get("rope_style").asText()).isEqualTo("neox");
        assertThat(json.get("tensors").size()).isEqualTo(2 * 9 + 3);
    }

    @Test
    void aBrokenFolderIsOneLineAndExitCodeOne() throws IOException {
        Path broken = Files.createDirectories(dir.resolve("broken"));
        Files.copy(folder.resolve("config.json"), broken.resolve("config.json"));
        CliRun run = CliRun.of("run", "-m", broken.toString(), "-p", "x");
        assertThat(run.exitCode()).isEqualTo(1);
        assertThat(run.errLines()).hasSize(1);
        assertThat(run.err()).contains("has neither model.safetensors nor model.safetensors.index.json");
        CliRun empty = CliRun.of("run", "-m", dir.toString(), "-p", "x");
        assertThat(empty.exitCode()).isEqualTo(1);
        assertThat(empty.err()).contains("is a folder without config.json");
    }
}
