package lucid.huggingface;

import com.fasterxml.jackson.databind.JsonNode;
import lucid.LucidException;
import lucid.gguf.GgufFile;
import lucid.gguf.GgufMetadata;
import lucid.gguf.GgufValueType;
import lucid.gguf.ModelFile;
import lucid.gguf.TensorInfo;
import lucid.safetensors.SafetensorsFile;
import lucid.tensor.Tensor;
import lucid.tokenizer.Tokenizer;
import lucid.tokenizer.Vocabulary;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * A Hugging Face model folder — config.json, model.safetensors (or model.safetensors.index.json
 * and its shards), tokenizer.json, tokenizer_config.json, generation_config.json — presented in
 * GGUF's terms, so that the engine reads it as it reads a GGUF file: config.json becomes the
 * metadata keys llama.cpp's converter writes, tensors get llama.cpp's names and ggml's shape
 * order, and tokenizer_config.json's {@code chat_template} becomes {@code tokenizer.chat_template}.
 *
 * <p>Tensors are views of the safetensors files' memory (mapped or read, as {@link GgufFile.Loading}
 * says), never copied or rearranged. In particular Q and K stay as trained: llama.cpp permutes
 * them so that RoPE rotates adjacent pairs, while here the model runs with NeoX-style RoPE, which
 * rotates the halves of each head the way transformers does (see {@link ModelFile#ROPE_STYLE_KEY}).
 */
public final class HuggingFaceFolder implements ModelFile {
    public static final String CONFIG = "config.json";
    private static final String SINGLE = "model.safetensors";
    private static final String INDEX = "model.safetensors.index.json";

    private final Path folder;
    private final String architecture;
    private final GgufMetadata metadata;
    private final ConfigFile config;
    private final Optional<ConfigFile> tokenizerConfig;
    private final List<SafetensorsFile> files;
    private final Map<String, Tensor> tensors;
    private final List<TensorInfo> infos;

    private HuggingFaceFolder(Path folder, String architecture, GgufMetadata metadata, ConfigFile config,
                              Optional<ConfigFile> tokenizerConfig, List<SafetensorsFile> files,
                              Map<String, Tensor> tensors, List<TensorInfo> infos) {
        this.folder = folder;
        this.architecture = architecture;
        this.metadata = metadata;
        this.config = config;
        this.tokenizerConfig = tokenizerConfig;
        this.files = List.copyOf(files);
        this.tensors = tensors;
        this.infos = List.copyOf(infos);
    }

    /** Whether {@code path} is a folder with a config.json: what Lucid takes for a Hugging Face model. */
    public static boolean isModelFolder(Path path) {
        return Files.isDirectory(path) && Files.isRegularFile(path.resolve(CONFIG));
    }

    /** The transformers classes Lucid runs from a folder ({@code architectures[0]} of config.json). */
    public static Set<String> supportedArchitectures() {
        return HuggingFaceConfig.FAMILIES.keySet();
    }

    /**
     * Reads config.json, the shard index and every safetensors header, and maps the weights.
     *
     * @throws LucidException (one line) for a missing or malformed file, an unsupported
     *                        architecture, an unknown or missing tensor, or an unsupported dtype
     */
    public static HuggingFaceFolder open(Path folder, GgufFile.Loading loading) {
        if (!Files.isDirectory(folder)) {
            throw new LucidException("no such folder: " + folder);
        }
        if (!Files.isRegularFile(folder.resolve(CONFIG))) {
            throw new LucidException(folder + " has no " + CONFIG + ", so it is not a Hugging Face model folder;"
                    + " give a .gguf file or a folder with config.json, model.safetensors and tokenizer.json");
        }
        ConfigFile config = ConfigFile.read(folder.resolve(CONFIG));
        HuggingFaceConfig.Translation t = HuggingFaceConfig.translate(config, name(folder));
        Optional<ConfigFile> tokenizerConfig = ConfigFile.readIfPresent(folder.resolve("tokenizer_config.json"));
        Map<String, GgufMetadata.Entry> keys = new LinkedHashMap<>(t.metadata());
        chatTemplate(folder, tokenizerConfig).ifPresent(template ->
                keys.put("tokenizer.chat_template", new GgufMetadata.Entry(GgufValueType.STRING, template)));

        List<SafetensorsFile> files = new ArrayList<>();
        try {
            Map<String, String> index = openWeights(folder, loading, files);
            Map<String, Tensor> tensors = new LinkedHashMap<>();
            List<TensorInfo> infos = new ArrayList<>();
            for (SafetensorsFile file : files) {
                for (SafetensorsFile.Entry e : file.entries()) {
                    String shard = index.get(e.name());
                    if (index.isEmpty() || file.path().getFileName().toString().equals(shard)) {
                        map(file, e, t, tensors, infos);
                    }
                }
            }
            checkIndexed(index, tensors, t.layers());
            if (!t.tied() && !tensors.containsKey("output.weight")) {
                throw new LucidException(folder + ": " + CONFIG + " has tie_word_embeddings false, but no file holds lm_head.weight;"
                        + " the weights are incomplete");
            }
            return new HuggingFaceFolder(folder, t.architecture(), GgufMetadata.of(keys), config, tokenizerConfig, files, tensors, infos);
        } catch (RuntimeException | Error e) {
            files.forEach(SafetensorsFile::close);
            throw e;
        }
    }

    /** Opens model.safetensors, or every shard the index names; returns the index (tensor → shard), empty for one file. */
    private static Map<String, String> openWeights(Path folder, GgufFile.Loading loading, List<SafetensorsFile> files) {
        Path indexFile = folder.resolve(INDEX);
        if (!Files.isRegularFile(indexFile)) {
            if (!Files.isRegularFile(folder.resolve(SINGLE))) {
                boolean pytorch = Files.exists(folder.resolve("pytorch_model.bin")) || Files.exists(folder.resolve("pytorch_model.bin.index.json"));
                throw new LucidException(folder + " has neither " + SINGLE + " nor " + INDEX
                        + (pytorch ? "; its weights are PyTorch .bin files, which Lucid does not read: save them as safetensors" : ""));
            }
            files.add(SafetensorsFile.open(folder.resolve(SINGLE), loading));
            return Map.of();
        }
        ConfigFile index = ConfigFile.read(indexFile);
        JsonNode weightMap = index.root().path("weight_map");
        if (!weightMap.isObject() || weightMap.isEmpty()) {
            throw index.problem("has no weight_map of tensor names to shard files");
        }
        Map<String, String> shardOf = new LinkedHashMap<>();
        Set<String> shards = new TreeSet<>(); // model-00001-of-00004 first, as they were written
        for (var e : weightMap.properties()) {
            String shard = e.getValue().asText("");
            if (!e.getValue().isTextual() || !shard.matches("[^/\\\\]+") || shard.equals("..") || shard.equals(".")) {
                throw index.problem("names " + ConfigFile.shortText(e.getValue()) + " as the file of " + ConfigFile.oneLine(e.getKey())
                        + "; expected the name of a .safetensors file in the folder");
            }
            if (!Files.isRegularFile(folder.resolve(shard))) {
                throw index.problem("names the shard " + ConfigFile.oneLine(shard) + " (for " + ConfigFile.oneLine(e.getKey())
                        + "), but " + folder + " has no such file; the download is incomplete");
            }
            shardOf.put(e.getKey(), shard);
            shards.add(shard);
        }
        for (String shard : shards) {
            files.add(SafetensorsFile.open(folder.resolve(shard), loading));
        }
        return shardOf;
    }

    /**
     * Adds one checkpoint tensor under its llama.cpp name, or refuses a tensor this architecture
     * does not have. Each name comes once: a file's header has no duplicates, and with shards only
     * the one the index names is read.
     */
    private static void map(SafetensorsFile file, SafetensorsFile.Entry e, HuggingFaceConfig.Translation t,
                            Map<String, Tensor> tensors, List<TensorInfo> infos) {
        if (TensorNames.isBuffer(e.name())) {
            return;
        }
        String name = TensorNames.toGguf(e.name(), t.layers()).orElseThrow(() -> new LucidException(file.path().getFileName()
                + " holds the tensor " + ConfigFile.oneLine(e.name()) + ", which Lucid does not know for " + t.architecture()
                + " (with " + t.layers() + " layers); the model is not a plain " + t.architecture()));
        if (t.tied() && name.equals("output.weight")) {
            return; // the head is the embedding; some checkpoints store a copy
        }
        Tensor tensor = file.tensor(e, name);
        tensors.put(name, tensor);
        infos.add(new TensorInfo(name, tensor.type(), tensor.shape(), e.begin(), e.byteSize()));
    }

    /** Every tensor of the index must be in the shard it names. */
    private static void checkIndexed(Map<String, String> index, Map<String, Tensor> tensors, int layers) {
        for (var e : index.entrySet()) {
            if (TensorNames.isBuffer(e.getKey())) {
                continue;
            }
            String name = TensorNames.toGguf(e.getKey(), layers).orElse(null);
            if (name != null && !tensors.containsKey(name) && !name.equals("output.weight")) {
                throw new LucidException(INDEX + " puts " + ConfigFile.oneLine(e.getKey()) + " in " + e.getValue()
                        + ", but that file does not hold it; the shards do not match the index");
            }
        }
    }

    /** tokenizer_config.json's {@code chat_template} (a string, or named templates of which "default"), else chat_template.jinja. */
    private static Optional<String> chatTemplate(Path folder, Optional<ConfigFile> tokenizerConfig) {
        JsonNode template = tokenizerConfig.map(c -> c.root().path("chat_template")).orElse(null);
        if (template != null && template.isTextual()) {
            return Optional.of(template.asText());
        }
        if (template != null && template.isArray()) {
            String chosen = null;
            for (JsonNode named : template) {
                if (chosen == null || "default".equals(named.path("name").asText())) {
                    chosen = named.path("template").isTextual() ? named.path("template").asText() : chosen;
                }
            }
            return Optional.ofNullable(chosen);
        }
        Path jinja = folder.resolve("chat_template.jinja");
        if (Files.isRegularFile(jinja)) {
            try {
                return Optional.of(Files.readString(jinja));
            } catch (IOException e) {
                throw new LucidException("cannot read " + jinja + ": " + e.getMessage(), e);
            }
        }
        return Optional.empty();
    }

    private static String name(Path folder) {
        Path name = folder.toAbsolutePath().normalize().getFileName();
        return name == null ? folder.toString() : name.toString();
    }

    /** The transformers class config.json names, e.g. {@code LlamaForCausalLM}. */
    public String architecture() {
        return architecture;
    }

    /** The safetensors files the weights come from. */
    public List<Path> weightFiles() {
        return files.stream().map(SafetensorsFile::path).toList();
    }

    /** tokenizer.json with the special tokens of tokenizer_config.json and config.json. */
    public Tokenizer tokenizer() {
        return FolderTokenizer.load(folder, config, tokenizerConfig);
    }

    /**
     * Tokens that end a generation besides the vocabulary's EOS: generation_config.json's and
     * config.json's {@code eos_token_id} (a number or a list, as Llama 3's end-of-turn tokens are).
     */
    public int[] endOfGenerationIds(Vocabulary vocabulary) {
        List<Integer> ids = new ArrayList<>();
        List<ConfigFile> sources = new ArrayList<>(List.of(config));
        ConfigFile.readIfPresent(folder.resolve("generation_config.json")).ifPresent(sources::add);
        for (ConfigFile source : sources) {
            for (int id : source.ids("eos_token_id")) {
                ids.add(FolderTokenizer.checked(source, "eos_token_id", id, vocabulary));
            }
        }
        return ids.stream().mapToInt(Integer::intValue).toArray();
    }

    @Override
    public Path path() {
        return folder;
    }

    @Override
    public GgufMetadata metadata() {
        return metadata;
    }

    @Override
    public List<TensorInfo> tensorInfos() {
        return infos;
    }

    @Override
    public Optional<Tensor> tensor(String name) {
        return Optional.ofNullable(tensors.get(name));
    }

    @Override
    public Tensor requireTensor(String name) {
        return tensor(name).orElseThrow(() -> new LucidException(folder + " has no tensor " + TensorNames.toHuggingFace(name)
                + " (" + name + "), which " + architecture + " needs; the weights are incomplete"));
    }

    @Override
    public long fileSize() {
        return files.stream().mapToLong(SafetensorsFile::fileSize).sum();
    }

    @Override
    public void close() {
        files.forEach(SafetensorsFile::close);
    }
}
