package lucid.huggingface;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import lucid.LucidException;
import lucid.gguf.GgufFile;
import lucid.model.Model;
import lucid.model.TestModels;
import lucid.safetensors.Dtype;
import lucid.safetensors.SafetensorsFile;
import lucid.safetensors.SafetensorsWriter;
import lucid.tensor.GgmlType;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.function.BiPredicate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Every way a Hugging Face folder can be broken gets one line saying what is wrong and what to do. */
class MalformedFolderTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;
    Path single;
    Path sharded;

    @BeforeEach
    void writeFolders() {
        Path gguf = TestModels.writeLlama(dir.resolve("m.gguf"), new TestModels.Shape(32, 2, 4, 2, 64, 300, 64), GgmlType.F32, 3);
        single = HuggingFaceFolders.write(gguf, dir.resolve("single"), HuggingFaceFolders.Options.of(Dtype.BF16, 1));
        sharded = HuggingFaceFolders.write(gguf, dir.resolve("sharded"), HuggingFaceFolders.Options.of(Dtype.F16, 2));
    }

    private static void assertFails(Path folder, String... fragments) {
        for (GgufFile.Loading loading : GgufFile.Loading.values()) {
            assertThatThrownBy(() -> Model.load(folder, loading).close()).isInstanceOf(LucidException.class)
                    .satisfies(e -> assertThat(e.getMessage()).contains(fragments).doesNotContain("\n"));
        }
    }

    /** Rewrites a safetensors file, keeping the tensors {@code keep} accepts (name, dtype) and adding {@code extra}. */
    private static void rewrite(Path file, BiPredicate<String, Dtype> keep, Map<String, byte[]> extra) throws IOException {
        SafetensorsWriter w = new SafetensorsWriter();
        try (SafetensorsFile f = SafetensorsFile.open(file, GgufFile.Loading.READ)) {
            for (SafetensorsFile.Entry e : f.entries()) {
                if (keep.test(e.name(), e.dtype())) {
                    w.add(e.name(), e.dtype(), e.shape(), f.data(e).toArray(ValueLayout.JAVA_BYTE));
                }
            }
        }
        extra.forEach((name, bytes) -> w.add(name, Dtype.U8, new long[] {bytes.length}, bytes));
        w.write(file);
    }

    private static void editJson(Path file, java.util.function.Consumer<ObjectNode> edit) throws IOException {
        ObjectNode root = (ObjectNode) JSON.readTree(file.toFile());
        edit.accept(root);
        JSON.writeValue(file.toFile(), root);
    }

    @Test
    void theFoldersAsWrittenLoad() {
        for (Path folder : new Path[] {single, sharded}) {
            try (Model m = Model.load(folder, GgufFile.Loading.MMAP)) {
                assertThat(m.config().blockCount()).isEqualTo(2);
            }
        }
    }

    @Test
    void missingOrBrokenJsonFiles() throws IOException {
        Files.delete(single.resolve("config.json"));
        assertFails(single, "has no config.json, so it is not a Hugging Face model folder");
        Files.writeString(single.resolve("config.json"), "{\"hidden_size\": 64,,}");
        assertFails(single, "config.json is not valid JSON (", "line 1, column");
        assertFails(dir.resolve("nowhere"), "no such file");
        assertThatThrownBy(() -> HuggingFaceFolder.open(dir.resolve("nowhere"), GgufFile.Loading.MMAP)).hasMessageContaining("no such folder");

        Files.writeString(sharded.resolve("tokenizer_config.json"), "{\"bos_token\": }");
        assertFails(sharded, "tokenizer_config.json is not valid JSON");
        Files.writeString(sharded.resolve("tokenizer_config.json"), "{\"bos_token\": \"<never>\"}");
        assertFails(sharded, "tokenizer_config.json names bos_token \"<never>\", which tokenizer.json does not have");
        Files.delete(sharded.resolve("tokenizer_config.json"));
        Files.writeString(sharded.resolve("tokenizer.json"), "{\"model\": {\"type\": \"BPE\", \"vocab\": ");
        assertFails(sharded, "tokenizer.json is not valid JSON");
        Files.writeString(sharded.resolve("tokenizer.json"), "{\"model\": {\"type\": \"BPE\", \"vocab\": {\"a\": 2000000000}, \"merges\": []},"
                + " \"pre_tokenizer\": {\"type\": \"ByteLevel\"}}");
        assertFails(sharded, "gives the token \"a\" the id 2000000000, more than any vocabulary has");
        Files.delete(sharded.resolve("tokenizer.json"));
        assertFails(sharded, "has no tokenizer.json");
    }

    @Test
    void missingWeights() throws IOException {
        Files.delete(single.resolve("model.safetensors"));
        assertFails(single, "has neither model.safetensors nor model.safetensors.index.json");
        Files.writeString(single.resolve("pytorch_model.bin"), "x");
        assertFails(single, "PyTorch .bin files, which Lucid does not read");
    }

    @Test
    void shardIndexProblems() throws IOException {
        Path index = sharded.resolve("model.safetensors.index.json");
        String original = Files.readString(index);
        Path second = sharded.resolve("model-00002-of-00002.safetensors");
        byte[] secondBytes = Files.readAllBytes(second);
        Files.delete(second);
        assertFails(sharded, "model.safetensors.index.json names the shard model-00002-of-00002.safetensors",
                "has no such file; the download is incomplete");
        Files.write(second, secondBytes);

        Files.writeString(index, original);
        editJson(index, root -> ((ObjectNode) root.get("weight_map")).put("model.norm.weight", "../single/model.safetensors"));
        assertFails(sharded, "names \"../single/model.safetensors\" as the file of model.norm.weight");

        Files.writeString(index, original);
        editJson(index, root -> ((ObjectNode) root.get("weight_map")).put("model.norm.weight", "model-00001-of-00002.safetensors"));
        assertFails(sharded, "model.safetensors.index.json puts model.norm.weight in model-00001-of-00002.safetensors, but that file does not hold it");

        Files.writeString(index, "{\"metadata\": {}}");
        assertFails(sharded, "model.safetensors.index.json has no weight_map");
        Files.writeString(index, "{\"weight_map\": {\"model.norm.weight\": 3}}");
        assertFails(sharded, "names 3 as the file of model.norm.weight");
    }

    @Test
    void missingUnknownAndUncomputableTensors() throws IOException {
        Path weights = single.resolve("model.safetensors");
        byte[] original = Files.readAllBytes(weights);
        rewrite(weights, (name, dtype) -> !name.equals("model.layers.1.mlp.down_proj.weight"), Map.of());
        assertFails(single, "has no tensor model.layers.1.mlp.down_proj.weight (blk.1.ffn_down.weight), which LlamaForCausalLM needs");

        Files.write(weights, original);
        rewrite(weights, (name, dtype) -> true, Map.of("model.layers.0.self_attn.rotary_emb.scale", new byte[4]));
        assertFails(single, "holds the tensor model.layers.0.self_attn.rotary_emb.scale, which Lucid does not know for LlamaForCausalLM");

        Files.write(weights, original);
        rewrite(weights, (name, dtype) -> true, Map.of("model.layers.2.input_layernorm.weight", new byte[4]));
        assertFails(single, "model.layers.2.input_layernorm.weight, which Lucid does not know for LlamaForCausalLM (with 2 layers)");

        Files.write(weights, original);
        rewrite(weights, (name, dtype) -> !name.equals("lm_head.weight"), Map.of());
        assertFails(single, "tie_word_embeddings false, but no file holds lm_head.weight");

        Files.write(weights, original);
        rewrite(weights, (name, dtype) -> !name.equals("model.norm.weight"), Map.of("model.norm.weight", new byte[32]));
        assertFails(single, "tensor model.norm.weight in model.safetensors is U8, which Lucid does not compute with");

    }

    @Test
    void shapesThatDisagreeWithConfigJson() throws IOException {
        editJson(single.resolve("config.json"), root -> root.put("intermediate_size", 96));
        assertFails(single, "tensor blk.0.ffn_gate.weight has shape [32, 64], but the model's metadata implies [32, 96]");
    }

    @Test
    void eosIdsOutsideTheVocabulary() throws IOException {
        HuggingFaceFolders.json(single.resolve("generation_config.json"), Map.of("eos_token_id", java.util.List.of(2, 300)));
        assertFails(single, "generation_config.json has eos_token_id 300, outside the 300 tokens of tokenizer.json");
        HuggingFaceFolders.json(single.resolve("generation_config.json"), Map.of("eos_token_id", "2"));
        assertFails(single, "generation_config.json has eos_token_id = \"2\", which should be a token id or a list of them");
    }

    @Test
    void aWeightFileCutShortNamesTheFile() throws IOException {
        Path weights = sharded.resolve("model-00001-of-00002.safetensors");
        byte[] bytes = Files.readAllBytes(weights);
        Files.write(weights, java.util.Arrays.copyOf(bytes, bytes.length - 10));
        assertFails(sharded, "model-00001-of-00002.safetensors: tensor", "outside the");
    }
}
