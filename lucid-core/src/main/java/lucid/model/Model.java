package lucid.model;

import lucid.gguf.GgufFile;
import lucid.tokenizer.Tokenizer;
import lucid.tokenizer.Vocabulary;

import java.lang.foreign.Arena;
import java.nio.file.Path;

/**
 * A model ready to run: its file, configuration, weights (bound to the file's memory), forward
 * pass and tokenizer. Closing it releases the file's memory.
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
    private final GgufFile file;
    private final Arena arena;
    private final ModelConfig config;
    private final Transformer transformer;
    private final Tokenizer tokenizer;

    private Model(GgufFile file, Arena arena, ModelConfig config, Transformer transformer, Tokenizer tokenizer) {
        this.file = file;
        this.arena = arena;
        this.config = config;
        this.transformer = transformer;
        this.tokenizer = tokenizer;
    }

    /** Opens a GGUF model file; any problem with it is a one-line {@link lucid.LucidException}. */
    public static Model load(Path path, GgufFile.Loading loading) {
        GgufFile file = GgufFile.open(path, loading);
        Arena arena = Arena.ofShared();
        try {
            ModelConfig config = ModelConfig.fromGguf(file);
            ModelWeights weights = ModelWeights.load(file, config, arena);
            Tokenizer tokenizer = Tokenizer.fromGguf(file.metadata());
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

    public GgufFile file() {
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

    /** The model's name: the file name without {@code .gguf}. */
    public String name() {
        String fileName = file.path().getFileName().toString();
        return fileName.toLowerCase(java.util.Locale.ROOT).endsWith(".gguf") ? fileName.substring(0, fileName.length() - 5) : fileName;
    }

    /** Whether {@code token} ends a generation (end of sequence or of a turn). */
    public boolean isEndOfGeneration(int token) {
        Vocabulary v = tokenizer.vocabulary();
        return token == v.eosId();
    }

    /** A new empty sequence with room for {@code contextLength} tokens. */
    public lucid.generate.Session newSession(int contextLength, lucid.tensor.WorkerPool pool) {
        return new lucid.generate.Session(transformer, contextLength, pool);
    }

    @Override
    public void close() {
        arena.close();
        file.close();
    }
}
