package lucid.huggingface;

import lucid.LucidException;
import lucid.gguf.GgufMetadata;
import lucid.gguf.ModelFile;
import lucid.gguf.TensorInfo;
import lucid.model.ArchitectureOptions;
import lucid.model.ModelConfig;
import lucid.model.RopeConfig;
import lucid.tensor.GgmlType;
import lucid.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

/** Real models' config.json files read into the configuration transformers would build from them. */
class HuggingFaceConfigTest {
    @TempDir
    Path dir;

    /** Only the metadata, and an embedding for its shape: what {@link ModelConfig#fromGguf} reads. */
    private record MetadataOnly(GgufMetadata metadata, int dim, int vocab) implements ModelFile {
        @Override
        public Path path() {
            return Path.of("config.json");
        }

        @Override
        public List<TensorInfo> tensorInfos() {
            return List.of();
        }

        @Override
        public Optional<Tensor> tensor(String name) {
            return name.equals("token_embd.weight")
                    ? Optional.of(new Tensor(name, GgmlType.BF16, new long[] {dim, vocab}, MemorySegment.ofArray(new byte[0])))
                    : Optional.empty();
        }

        @Override
        public long fileSize() {
            return 0;
        }

        @Override
        public void close() {}
    }

    private ModelConfig read(String json) throws IOException {
        Path file = Files.writeString(dir.resolve("config.json"), json);
        HuggingFaceConfig.Translation t = HuggingFaceConfig.translate(ConfigFile.read(file), "test");
        GgufMetadata m = GgufMetadata.of(t.metadata());
        String p = t.family() + ".";
        return ModelConfig.fromGguf(new MetadataOnly(m, m.requireInt(p + "embedding_length"), m.intValue(p + "vocab_size", 1000)));
    }

    @Test
    void smolLm2IsLlamaWithATiedHeadAndNeoxRope() throws IOException {
        String json = """
                {"architectures": ["LlamaForCausalLM"], "attention_bias": false, "attention_dropout": 0.0, "bos_token_id": 0,
                 "eos_token_id": 0, "hidden_act": "silu", "hidden_size": 576, "initializer_range": 0.02, "intermediate_size": 1536,
                 "is_llama_config": true, "max_position_embeddings": 8192, "model_type": "llama", "num_attention_heads": 9,
                 "num_hidden_layers": 30, "num_key_value_heads": 3, "pretraining_tp": 1, "rms_norm_eps": 1e-05,
                 "rope_interleaved": false, "rope_scaling": null, "rope_theta": 100000, "tie_word_embeddings": true,
                 "torch_dtype": "bfloat16", "transformers_version": "4.42.3", "use_cache": true, "vocab_size": 49152}""";
        ModelConfig c = read(json);
        assertThat(c.architecture()).isEqualTo("llama");
        assertThat(c.embeddingLength()).isEqualTo(576);
        assertThat(c.blockCount()).isEqualTo(30);
        assertThat(c.headCount()).isEqualTo(9);
        assertThat(c.headCountKv()).isEqualTo(3);
        assertThat(c.headSize()).isEqualTo(64);
        assertThat(c.feedForwardLength()).isEqualTo(1536);
        assertThat(c.vocabularySize()).isEqualTo(49152);
        assertThat(c.contextLength()).isEqualTo(8192);
        assertThat(c.normEpsilon()).isEqualTo(1e-5f);
        assertThat(c.rope().base()).isEqualTo(100000.0);
        assertThat(c.rope().scaling()).isEqualTo(RopeConfig.Scaling.NONE);
        assertThat(c.options().rope()).isEqualTo(ArchitectureOptions.RopeStyle.NEOX);
        assertThat(c.attention().hasWindow()).isFalse();
        Path file = Files.writeString(dir.resolve("config.json"), json);
        assertThat(HuggingFaceConfig.translate(ConfigFile.read(file), "x").tied()).isTrue();
    }

    @Test
    void llama32ScalesRopeTheLlama3Way() throws IOException {
        ModelConfig c = read("""
                {"architectures": ["LlamaForCausalLM"], "bos_token_id": 128000, "eos_token_id": [128001, 128008, 128009],
                 "head_dim": 64, "hidden_act": "silu", "hidden_size": 2048, "intermediate_size": 8192,
                 "max_position_embeddings": 131072, "model_type": "llama", "num_attention_heads": 32, "num_hidden_layers": 16,
                 "num_key_value_heads": 8, "rms_norm_eps": 1e-05,
                 "rope_scaling": {"factor": 32.0, "high_freq_factor": 4.0, "low_freq_factor": 1.0,
                                  "original_max_position_embeddings": 8192, "rope_type": "llama3"},
                 "rope_theta": 500000.0, "tie_word_embeddings": true, "torch_dtype": "bfloat16", "vocab_size": 128256}""");
        RopeConfig r = c.rope();
        assertThat(r.scaling()).isEqualTo(RopeConfig.Scaling.LLAMA3);
        assertThat(r.factor()).isEqualTo(32.0);
        assertThat(r.originalContext()).isEqualTo(8192);
        assertThat(r.lowFreqFactor()).isEqualTo(1.0);
        assertThat(r.highFreqFactor()).isEqualTo(4.0);
        assertThat(r.base()).isEqualTo(500000.0);
        assertThat(r.dimensions()).isEqualTo(64);
        assertThat(c.contextLength()).isEqualTo(131072);
    }

    @Test
    void qwen25WithYarnAndQwen3WithItsOwnHeadSize() throws IOException {
        ModelConfig qwen25 = read("""
                {"architectures": ["Qwen2ForCausalLM"], "hidden_act": "silu", "hidden_size": 896, "intermediate_size": 4864,
                 "max_position_embeddings": 32768, "max_window_layers": 21, "model_type": "qwen2", "num_attention_heads": 14,
                 "num_hidden_layers": 24, "num_key_value_heads": 2, "rms_norm_eps": 1e-06, "rope_theta": 1000000.0,
                 "rope_scaling": {"factor": 4.0, "original_max_position_embeddings": 32768, "type": "yarn"},
                 "sliding_window": 32768, "tie_word_embeddings": true, "use_sliding_window": false, "vocab_size": 151936}""");
        assertThat(qwen25.options()).isEqualTo(ArchitectureOptions.QWEN2);
        assertThat(qwen25.rope().scaling()).isEqualTo(RopeConfig.Scaling.YARN);
        assertThat(qwen25.rope().factor()).isEqualTo(4.0);
        assertThat(qwen25.rope().originalContext()).isEqualTo(32768);
        assertThat(qwen25.rope().attentionFactor()).isEqualTo(1.0);
        assertThat(qwen25.attention().hasWindow()).as("llama.cpp runs Qwen without its window").isFalse();
        assertThat(qwen25.normEpsilon()).isEqualTo(1e-6f);

        ModelConfig qwen3 = read("""
                {"architectures": ["Qwen3ForCausalLM"], "head_dim": 128, "hidden_act": "silu", "hidden_size": 1024,
                 "intermediate_size": 3072, "max_position_embeddings": 40960, "num_attention_heads": 16, "num_hidden_layers": 28,
                 "num_key_value_heads": 8, "rms_norm_eps": 1e-06, "rope_scaling": null, "rope_theta": 1000000,
                 "tie_word_embeddings": true, "vocab_size": 151936}""");
        assertThat(qwen3.options()).isEqualTo(ArchitectureOptions.QWEN3);
        assertThat(qwen3.headSize()).isEqualTo(128);
        assertThat(qwen3.queryDim()).isEqualTo(2048);
        assertThat(qwen3.rope().dimensions()).isEqualTo(128);
    }

    @Test
    void mistralHasItsSlidingWindowAndTransformers5KeepsRopeInRopeParameters() throws IOException {
        ModelConfig mistral = read("""
                {"architectures": ["MistralForCausalLM"], "hidden_size": 4096, "intermediate_size": 14336,
                 "max_position_embeddings": 32768, "num_attention_heads": 32, "num_hidden_layers": 32, "num_key_value_heads": 8,
                 "rms_norm_eps": 1e-05, "rope_theta": 10000.0, "sliding_window": 4096, "vocab_size": 32000}""");
        assertThat(mistral.attention().slidingWindow()).isEqualTo(4096);
        assertThat(mistral.attention().isWindowed(31)).isTrue();
        assertThat(mistral.options().rope()).isEqualTo(ArchitectureOptions.RopeStyle.NEOX);

        ModelConfig v5 = read("""
                {"model_type": "llama", "hidden_size": 64, "intermediate_size": 128, "num_attention_heads": 4,
                 "num_hidden_layers": 2, "vocab_size": 300,
                 "rope_parameters": {"rope_theta": 250000.0, "rope_type": "linear", "factor": 2.0}}""");
        assertThat(v5.rope().base()).isEqualTo(250000.0);
        assertThat(v5.rope().scaling()).isEqualTo(RopeConfig.Scaling.LINEAR);
        assertThat(v5.rope().factor()).isEqualTo(2.0);
        assertThat(v5.headCountKv()).as("num_key_value_heads defaults to the head count").isEqualTo(4);
        assertThat(v5.contextLength()).isEqualTo(2048);
        assertThat(v5.normEpsilon()).as("transformers' default rms_norm_eps").isEqualTo(1e-6f);
    }

    @Test
    void yarnAttentionFactorIsTheWholeMagnitude() throws IOException {
        ModelConfig c = read("""
                {"architectures": ["Qwen3ForCausalLM"], "hidden_size": 64, "intermediate_size": 128, "num_attention_heads": 4,
                 "num_hidden_layers": 2, "vocab_size": 300, "max_position_embeddings": 4096,
                 "rope_scaling": {"rope_type": "yarn", "factor": 4.0, "attention_factor": 1.5, "beta_fast": 16, "beta_slow": 2}}""");
        // ggml multiplies attn_factor by 1 + 0.1 ln(factor): together they give transformers' 1.5
        assertThat(c.rope().attentionFactor() * (1 + 0.1 * Math.log(4))).isCloseTo(1.5, within(1e-9));
        assertThat(c.rope().yarnBetaFast()).isEqualTo(16.0);
        assertThat(c.rope().yarnBetaSlow()).isEqualTo(2.0);
        assertThat(c.rope().originalContext()).isEqualTo(4096);
    }

    @Test
    void whatLucidCannotRunIsOneLineThatSaysWhatItRuns() {
        assertProblem("{\"architectures\": [\"GPT2LMHeadModel\"], \"n_embd\": 768}",
                "the architecture GPT2LMHeadModel in config.json is not supported in Hugging Face folders; Lucid runs LlamaForCausalLM,"
                        + " MistralForCausalLM, Qwen2ForCausalLM, Qwen3ForCausalLM");
        String llama = "\"architectures\": [\"LlamaForCausalLM\"], \"hidden_size\": 64, \"intermediate_size\": 128,"
                + " \"num_attention_heads\": 4, \"num_hidden_layers\": 2, \"vocab_size\": 300";
        assertProblem("{" + llama + ", \"rope_scaling\": {\"type\": \"dynamic\", \"factor\": 2}}", "\"dynamic\", which Lucid does not support");
        assertProblem("{" + llama + ", \"hidden_act\": \"gelu\"}", "hidden_act = \"gelu\"");
        assertProblem("{" + llama.replace("\"hidden_size\": 64", "\"hidden_size\": \"64\"") + "}", "config.json has hidden_size = \"64\", which should be an integer");
        assertProblem("{" + llama.replace("\"hidden_size\": 64, ", "") + "}", "config.json has no hidden_size");
        assertProblem("{" + llama.replace("\"num_hidden_layers\": 2", "\"num_hidden_layers\": -2") + "}", "num_hidden_layers = -2, which should be positive");
        assertProblem("{\"hidden_size\": 64}", "names no architectures");
        assertProblem("{\"architectures\": \"LlamaForCausalLM\"}", "which should be a list");
        assertProblem("{" + llama + ", \"rope_scaling\": {\"rope_type\": \"llama3\", \"factor\": 8}}", "no original_max_position_embeddings");
        assertProblem("{" + llama + ", \"rope_scaling\": {\"rope_type\": \"linear\", \"factor\": -1}}", "factor = -1.0");
        assertProblem("[1, 2]", "should hold a JSON object, found ARRAY");
        assertProblem("{\"hidden_size\": 64,\n \"oops\"\n}", "config.json is not valid JSON");
        assertProblem("{\"hidden_size\": 64} trailing", "config.json is not valid JSON");
    }

    private void assertProblem(String json, String expected) {
        assertThatThrownBy(() -> read(json)).isInstanceOf(LucidException.class)
                .hasMessageContaining(expected).message().doesNotContain("\n");
    }
}
