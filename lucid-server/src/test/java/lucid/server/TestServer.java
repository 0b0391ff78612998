package lucid.server;

import lucid.gguf.GgufFile;
import lucid.model.CacheType;
import lucid.model.Model;

import java.nio.file.Path;

/** A real Lucid server on a free loopback port, with stories260K (or another model). */
final class TestServer implements AutoCloseable {
    final Model model;
    final LucidServer server;
    final String base;

    TestServer(int parallel, int queue, String apiKey) {
        this(parallel, queue, apiKey, 512);
    }

    TestServer(int parallel, int queue, String apiKey, int context) {
        this(stories260K(), parallel, queue, apiKey, context, null);
    }

    /** A server of the model in {@code file} with one slot, rendering chats with {@code chat} (null: the fallback). */
    TestServer(Path file, ChatPrompt chat) {
        this(file, 1, 0, null, 512, chat);
    }

    private TestServer(Path file, int parallel, int queue, String apiKey, int context, ChatPrompt chat) {
        model = Model.load(file, GgufFile.Loading.READ);
        ServerConfig config = new ServerConfig("127.0.0.1", 0, parallel, queue, apiKey, context, 4096, 1 << 20, 120, 2, CacheType.F16);
        server = new LucidServer(model, config, chat != null ? chat : ChatPrompt.fallback(model.tokenizer().vocabulary())).start();
        base = "http://127.0.0.1:" + server.port();
    }

    static Path shared(String relative) {
        return Path.of(System.getProperty("lucid.shared", "../../shared")).resolve(relative);
    }

    static Path stories260K() {
        return shared("models/stories260K.gguf");
    }

    @Override
    public void close() {
        server.close();
        model.close();
    }
}
