package lucid.model;

import lucid.gguf.GgufFile;
import lucid.gguf.ModelFile;
import lucid.huggingface.HuggingFaceFolder;
import lucid.tokenizer.Tokenizer;
import lucid.tokenizer.Vocabulary;

import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A model ready to run: its file (a GGUF file or a Hugging Face folder), configuration, weights
 * (bound to the file's memory), forward pass and tokenizer. Closing it releases the file's memory.
 *
 * {@snippet :
 * try (Model model = Model.load(Path.of("stories260K.gguf"), GgufFile.Loading.READ);
 *      WorkerPool pool = new WorkerPool(2)) {
 *     Session session = model.newSession(512, pool);
 *     int[] prompt = model.tokenizer().encode("Once upon a time", true);
 *     ...
 * }
 * }
 */
public final class Model implements AutoCloseable {
    private final ModelFile file;
    private final Arena arena;
    private final ModelConfig config;
    private final Transformer transformer;
    private final Tokenizer tokenizer;
    /** Tokens that end a generation: EOS, end-of-turn and end-of-message tokens. */
    private final java.util.BitSet endOfGeneration;

    /** Texts of control tokens that end a turn in common chat formats (as llama.cpp treats them). */
    private static final java.util.Set<String> END_OF_TURN_TEXTS = java.util.Set.of(
            "<|eot_id|>", "<|eom_id|>", "<|im_end|>", "<|end|>", "<end_of_turn>", "<|endoftext|>", "<|end_of_text|>");

    private Model(ModelFile file, Arena arena, ModelConfig config, Transformer transformer, Tokenizer tokenizer) {
        this.file = file;
        this.arena = arena;
        this.config = config;
        this.transformer = transformer;
        this.tokenizer = tokenizer;
        this.endOfGeneration = endOfGeneration(file, tokenizer.vocabulary());
    }

    private static java.util.BitSet endOfGeneration(ModelFile file, Vocabulary v) {
        java.util.BitSet ends = new java.util.BitSet(v.size());
        if (v.eosId() >= 0) {
            ends.set(v.eosId());
        }
        if (file instanceof HuggingFaceFolder folder) {
            for (int id : folder.endOfGenerationIds(v)) {
                ends.set(id);
            }
        }
        for (String key : new String[] {"tokenizer.ggml.eot_token_id", "tokenizer.ggml.eom_token_id"}) {
            // absent ids are often stored as 2^32 - 1
            file.metadata().longValue(key).filter(id -> id >= 0 && id < v.size()).ifPresent(id -> ends.set(id.intValue()));
        }
        for (int id = 0; id < v.size(); id++) {
            if (v.type(id) == lucid.tokenizer.TokenType.CONTROL && END_OF_TURN_TEXTS.contains(v.text(id))) {
                ends.set(id);
            }
        }
        return ends;
    }

    /**
     * Opens a GGUF model file or a Hugging Face model folder; any problem with it is a one-line
     * {@link lucid.LucidException}.
     */
    public static Model load(Path path, GgufFile.Loading loading) {
        ModelFile file = openFile(path, loading);
        Arena arena = Arena.ofShared();
        try {
            ModelConfig config = ModelConfig.fromGguf(file);
            ModelWeights weights = ModelWeights.load(file, config, arena);
            Tokenizer tokenizer = tokenizer(file);
            if (tokenizer.vocabulary().size() > config.vocabularySize()) {
                throw new lucid.LucidException("the tokenizer has " + tokenizer.vocabulary().size()
                        + " tokens but the model's output has only " + config.vocabularySize());
            }
            return new Model(file, arena, config, new Transformer(config, weights), tokenizer);
        } catch (RuntimeException | Error e) {
            arena.close();
            file.close();
            throw e;
        }
    }

    /** A GGUF file, or a Hugging Face folder when {@code path} is a folder, without building the model. */
    public static ModelFile openFile(Path path, GgufFile.Loading loading) {
        return Files.isDirectory(path) ? HuggingFaceFolder.open(path, loading) : GgufFile.open(path, loading);
    }

    /** The tokenizer a model file describes: GGUF's tokenizer keys, or a folder's tokenizer.json. */
    public static Tokenizer tokenizer(ModelFile file) {
        return file instanceof HuggingFaceFolder folder ? folder.tokenizer() : Tokenizer.fromGguf(file.metadata());
    }

    /** The GGUF file or Hugging Face folder the model was read from, in GGUF's terms. */
    public ModelFile file() {
        return file;
    }

    public ModelConfig config() {
        return config;
    }

    public Transformer transformer() {
        return transformer;
    }

    public Tokenizer tokenizer() {
        return tokenizer;
    }

    /** The model's name: the file name without {@code .gguf}, or the folder's name. */
    public String name() {
        Path name = file.path().toAbsolutePath().normalize().getFileName();
        String fileName = name == null ? file.path().toString() : name.toString();
        return fileName.toLowerCase(java.util.Locale.ROOT).endsWith(".gguf") ? fileName.substring(0, fileName.length() - 5) : fileName;
    }

    /** Whether {@code token} ends a generation (end of sequence, of a turn or of a message). */
    public boolean isEndOfGeneration(int token) {
        return token >= 0 && endOfGeneration.get(token);
    }

    /** A new empty sequence with room for {@code contextLength} tokens (F32 KV cache). */
    public lucid.generate.Session newSession(int contextLength, lucid.tensor.WorkerPool pool) {
        return new lucid.generate.Session(transformer, contextLength, pool, CacheType.F32);
    }

    /** A new empty sequence whose KV cache stores {@code cacheType}. */
    public lucid.generate.Session newSession(int contextLength, lucid.tensor.WorkerPool pool, CacheType cacheType) {
        return new lucid.generate.Session(transformer, contextLength, pool, cacheType);
    }

    @Override
    public void close() {
        arena.close();
        file.close();
    }
}
