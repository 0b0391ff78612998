package lucid.huggingface;

import lucid.SharedAssets;
import lucid.generate.GenerationResult;
import lucid.generate.Generator;
import lucid.generate.Session;
import lucid.generate.StopReason;
import lucid.gguf.GgufFile;
import lucid.model.ArchitectureOptions;
import lucid.model.Model;
import lucid.model.SyntheticArchitectures;
import lucid.model.TestModels;
import lucid.safetensors.Dtype;
import lucid.sampling.SamplerSettings;
import lucid.tensor.GgmlType;
import lucid.tensor.WorkerPool;
import lucid.tokenizer.Tokenizer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A Hugging Face folder runs exactly as the GGUF file llama.cpp would convert it to: the same
 * weights written both ways ({@link HuggingFaceFolders}) give the same logits at every position
 * and the same greedy tokens, for each architecture, dtype and file layout. For llama the folder
 * holds Q and K as transformers does and runs with NeoX rope, the GGUF permuted rows with
 * adjacent-pair rope: equal up to the order of float sums in the attention scores.
 */
class HuggingFaceFolderTest {
    /** Logits agree to float rounding: they reach about 60 in the tied model, where one ulp is 4e-6. */
    static final double TOLERANCE = 1e-5;
    static final int POSITIONS = 40;
    static final int GREEDY = 64;

    @TempDir
    Path dir;

    /** The F32 GGUF of a test model: llama (GQA, separate or tied head), Mistral (llama with a window), qwen2, qwen3. */
    static Path source(String model, Path dir) {
        Path file = dir.resolve(model + ".gguf");
        var llama = new TestModels.Shape(64, 2, 4, 2, 128, 320, 256);
        return switch (model) {
            case "llama" -> TestModels.writeLlama(file, llama, GgmlType.F32, 11);
            case "llama-tied" -> TestModels.writeLlama(file, llama, GgmlType.F32, 12, true);
            case "mistral" -> SyntheticArchitectures.write(file, "llama-swa", 13);
            case "qwen2", "qwen3" -> SyntheticArchitectures.write(file, model, 14);
            default -> throw new IllegalArgumentException(model);
        };
    }

    static Stream<Arguments> cases() {
        List<Arguments> cases = new ArrayList<>();
        for (String model : List.of("llama", "llama-tied", "mistral", "qwen2", "qwen3")) {
            for (Dtype dtype : List.of(Dtype.F32, Dtype.F16, Dtype.BF16)) {
                for (int shards : new int[] {1, 3}) {
                    cases.add(Arguments.of(model, dtype, shards));
                }
            }
        }
        return cases.stream();
    }

    @ParameterizedTest(name = "{0} {1} in {2} file(s)")
    @MethodSource("cases")
    void aFolderGivesTheLogitsAndGreedyTokensOfItsGguf(String model, Dtype dtype, int shards) {
        Path source = source(model, dir);
        Path gguf = HuggingFaceFolders.roundedGguf(source, dtype, dir.resolve("rounded.gguf"));
        Path folder = HuggingFaceFolders.write(source, dir.resolve(model), HuggingFaceFolders.Options.of(dtype, shards));
        GgufFile.Loading loading = shards == 1 ? GgufFile.Loading.MMAP : GgufFile.Loading.READ;
        try (Model a = Model.load(gguf, GgufFile.Loading.READ); Model b = Model.load(folder, loading); WorkerPool pool = new WorkerPool(2)) {
            assertThat(b.config().architecture()).isEqualTo(a.config().architecture());
            assertThat(b.config().vocabularySize()).isEqualTo(a.config().vocabularySize());
            assertThat(b.config().attention().slidingWindow()).isEqualTo(a.config().attention().slidingWindow());
            assertThat(b.transformer().weights().matrixType()).isEqualTo(dtype.ggmlType().orElseThrow());
            boolean tied = b.transformer().weights().output() == b.transformer().weights().tokenEmbedding();
            assertThat(tied).isEqualTo(a.transformer().weights().output() == a.transformer().weights().tokenEmbedding());
            if (a.config().architecture().equals("llama")) {
                assertThat(a.config().options().rope()).isEqualTo(ArchitectureOptions.RopeStyle.ADJACENT);
                assertThat(b.config().options().rope()).isEqualTo(ArchitectureOptions.RopeStyle.NEOX);
            }

            int vocab = a.config().vocabularySize();
            SplittableRandom random = new SplittableRandom(model.hashCode() + 31L * dtype.ordinal() + shards);
            Session sa = a.newSession(POSITIONS, pool);
            Session sb = b.newSession(POSITIONS, pool);
            double worst = 0;
            double largest = 0;
            for (int position = 0; position < POSITIONS; position++) {
                int token = position == 0 ? 1 : 3 + random.nextInt(vocab - 3);
                float[] la = sa.evaluate(token);
                float[] lb = sb.evaluate(token);
                double here = 0;
                for (int v = 0; v < vocab; v++) {
                    here = Math.max(here, Math.abs(la[v] - lb[v]));
                    largest = Math.max(largest, Math.abs(la[v]));
                }
                assertThat(here).as("max |logit difference| at position %d", position).isLessThan(TOLERANCE);
                worst = Math.max(worst, here);
            }
            int[] greedyGguf = greedy(a, pool);
            System.out.printf("%s %s, %d file(s): max |logit GGUF - folder| over %d positions %.2e (largest |logit| %.1f)%n",
                    model, dtype, shards, POSITIONS, worst, largest);
            assertThat(greedy(b, pool)).as("greedy tokens").containsExactly(greedyGguf);
        }
    }

    private static int[] greedy(Model model, WorkerPool pool) {
        Session session = model.newSession(GREEDY + 1, pool);
        var chain = SamplerSettings.greedy().toChain(model.config().vocabularySize());
        return Generator.generate(session, new int[] {1}, GREEDY, chain, t -> false, t -> { }).generated();
    }

    @Test
    void mappedWeightsAreViewsOfTheFilesAndReadOnesAreOffHeap() {
        Path folder = HuggingFaceFolders.write(source("qwen2", dir), dir.resolve("qwen2"), HuggingFaceFolders.Options.of(Dtype.BF16, 2));
        try (HuggingFaceFolder mapped = HuggingFaceFolder.open(folder, GgufFile.Loading.MMAP);
             HuggingFaceFolder read = HuggingFaceFolder.open(folder, GgufFile.Loading.READ)) {
            for (String name : List.of("token_embd.weight", "blk.1.attn_q.weight", "blk.0.attn_k.bias", "output.weight")) {
                assertThat(mapped.requireTensor(name).data().isMapped()).as(name).isTrue();
                assertThat(read.requireTensor(name).data().isNative()).as(name).isTrue();
                assertThat(read.requireTensor(name).data().isMapped()).as(name).isFalse();
            }
            // ggml order: a row of the embedding is one token's dim values
            assertThat(mapped.requireTensor("token_embd.weight").shape()).containsExactly(64, 320);
            assertThat(mapped.tensorInfos()).extracting(t -> t.name()).doesNotHaveDuplicates().contains("blk.1.ffn_down.weight");
            assertThat(mapped.weightFiles()).hasSize(2);
            assertThat(mapped.fileSize()).isEqualTo(read.fileSize()).isPositive();
        }
    }

    @Test
    void theFolderNamesTheModelAndTheLocatorFindsIt() throws Exception {
        Path folder = HuggingFaceFolders.write(source("llama-tied", dir), dir.resolve("SmolLM2-Test"), HuggingFaceFolders.Options.of(Dtype.BF16, 1));
        try (Model model = Model.load(Path.of(folder + "/"), GgufFile.Loading.MMAP)) {
            assertThat(model.name()).isEqualTo("SmolLM2-Test");
            assertThat(model.file().metadata().requireString("general.name")).isEqualTo("SmolLM2-Test");
        }
        var locator = new lucid.model.ModelLocator(List.of(dir));
        assertThat(locator.resolve("smollm2-test")).isEqualTo(folder);
        assertThat(locator.resolve(folder.toString())).isEqualTo(folder);
    }

    /** The same vocabulary as tokenizer.json (with tokenizer_config.json) and as GGUF keys encodes every text alike. */
    @Test
    void theFolderTokenizerEncodesLikeTheGgufVocabulary() {
        String[] texts = {"Once upon a time", " Hello world", "Ich liebe München! 你好 🙂", "<s>spelled out</s>", "\n\n  tabs\tand spaces  ",
                "3.14159 + 2 = 5.14159", ""};
        for (String name : List.of("llama2", "phi-3-mini")) {
            Path vocab = SharedAssets.path("tokenizers/llamacpp-vocab/" + (name.equals("llama2") ? "ggml-vocab-llama-spm.gguf" : "ggml-vocab-phi-3.gguf"));
            Path source = TestModels.writeLlama(dir.resolve(name + "-random.gguf"), new TestModels.Shape(16, 1, 2, 1, 32, 32064, 64), GgmlType.F32, 5);
            Path gguf = HuggingFaceFolders.withVocabulary(source, vocab, dir.resolve(name + ".gguf"));
            Path folder = HuggingFaceFolders.write(gguf, dir.resolve(name), HuggingFaceFolders.Options.of(Dtype.F16, 1)
                    .withTokenizerFiles(SharedAssets.path("tokenizers/hf-tokenizers/" + name)));
            try (GgufFile g = GgufFile.open(gguf); HuggingFaceFolder f = HuggingFaceFolder.open(folder, GgufFile.Loading.MMAP)) {
                Tokenizer fromGguf = Tokenizer.fromGguf(g.metadata());
                Tokenizer fromFolder = f.tokenizer();
                assertThat(fromFolder.vocabulary().bosId()).isEqualTo(fromGguf.vocabulary().bosId());
                assertThat(fromFolder.vocabulary().eosId()).as(name).isEqualTo(fromGguf.vocabulary().eosId());
                for (String text : texts) {
                    // Phi-3's tokenizer_config.json says add_bos_token false; llama.cpp's Phi-3 vocabulary adds it
                    boolean bos = name.equals("llama2");
                    assertThat(fromFolder.encode(text, bos)).as("%s: %s", name, text).containsExactly(fromGguf.encode(text, bos));
                }
                assertThat(fromFolder.encode("<|user|>hi<|end|>", false, true)).containsExactly(fromGguf.encode("<|user|>hi<|end|>", false, true));
            }
        }
    }

    @Test
    void tokenizerConfigDecidesBosEosAndTheChatTemplate() throws Exception {
        Path folder = HuggingFaceFolders.write(source("qwen2", dir), dir.resolve("qwen2"), HuggingFaceFolders.Options.of(Dtype.F32, 1));
        String template = "{% for m in messages %}<s>{{ m['role'] }}: {{ m['content'] }}</s>{% endfor %}";
        HuggingFaceFolders.json(folder.resolve("tokenizer_config.json"), Map.of("add_bos_token", false, "bos_token", "</s>",
                "eos_token", Map.of("content", "<unk>", "__type", "AddedToken"),
                "chat_template", List.of(Map.of("name", "tool_use", "template", "tools!"), Map.of("name", "default", "template", template))));
        try (Model model = Model.load(folder, GgufFile.Loading.MMAP)) {
            var v = model.tokenizer().vocabulary();
            assertThat(v.bosId()).isEqualTo(2);
            assertThat(v.eosId()).isZero();
            assertThat(model.tokenizer().encode("x", true)[0]).isNotEqualTo(2);
            assertThat(model.file().metadata().requireString("tokenizer.chat_template")).isEqualTo(template);
        }
        HuggingFaceFolders.json(folder.resolve("tokenizer_config.json"), Map.of("chat_template", "plain {{ messages }}"));
        try (HuggingFaceFolder f = HuggingFaceFolder.open(folder, GgufFile.Loading.MMAP)) {
            assertThat(f.metadata().requireString("tokenizer.chat_template")).isEqualTo("plain {{ messages }}");
            // tokenizer.json's post-processor then decides: BOS <s> added
            assertThat(f.tokenizer().encode("x", true)[0]).isEqualTo(1);
        }
        Files.delete(folder.resolve("tokenizer_config.json"));
        Files.writeString(folder.resolve("chat_template.jinja"), "from the jinja file");
        try (HuggingFaceFolder f = HuggingFaceFolder.open(folder, GgufFile.Loading.MMAP)) {
            assertThat(f.metadata().requireString("tokenizer.chat_template")).isEqualTo("from the jinja file");
        }
    }

    /** generation_config.json's eos_token_id list ends a generation at any of its tokens. */
    @Test
    void generationConfigEosListEndsTheGeneration() {
        Path folder = HuggingFaceFolders.write(source("qwen2", dir), dir.resolve("qwen2"), HuggingFaceFolders.Options.of(Dtype.F32, 1));
        int[] free;
        try (Model model = Model.load(folder, GgufFile.Loading.MMAP); WorkerPool pool = new WorkerPool(1)) {
            free = greedy(model, pool);
        }
        // the planted successor cycle makes the greedy tokens distinct: stop at the sixth
        int stop = free[5];
        assertThat(free).doesNotContain(2);
        assertThat(java.util.Arrays.stream(free, 0, 5)).doesNotContain(stop);
        HuggingFaceFolders.json(folder.resolve("generation_config.json"), Map.of("eos_token_id", List.of(2, stop, 299)));
        try (Model model = Model.load(folder, GgufFile.Loading.MMAP); WorkerPool pool = new WorkerPool(1)) {
            assertThat(model.isEndOfGeneration(stop)).isTrue();
            assertThat(model.isEndOfGeneration(299)).isTrue();
            assertThat(model.isEndOfGeneration(298)).isFalse();
            Session session = model.newSession(GREEDY + 1, pool);
            GenerationResult result = Generator.generate(session, new int[] {1}, GREEDY,
                    SamplerSettings.greedy().toChain(model.config().vocabularySize()), model::isEndOfGeneration, t -> { });
            assertThat(result.stopReason()).isEqualTo(StopReason.END_OF_SEQUENCE);
            assertThat(result.generated()).containsExactly(java.util.Arrays.copyOf(free, 6));
        }
    }
}
