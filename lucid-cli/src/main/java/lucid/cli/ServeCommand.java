package lucid.cli;

import lucid.model.Model;
import lucid.server.ChatPrompt;
import lucid.server.LucidServer;
import lucid.server.ServerConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.util.concurrent.CountDownLatch;

/** {@code lucid serve}: the OpenAI-compatible API and the explorer page. */
@Command(name = "serve",
        mixinStandardHelpOptions = true,
        header = "OpenAI-compatible HTTP API and the generation explorer page.",
        description = "Serve the model over HTTP: GET /v1/models, POST /v1/completions and /v1/chat/completions (streamed or not, with logprobs and Lucid's \"trace\" extension), GET /health and /metrics, and the explorer page at /. Requests share the model: --parallel slots decode together, --queue more may wait, beyond that the server answers 429.",
        footerHeading = "%nExamples:%n",
        footer = {
                "  lucid serve -m stories260K --port 8080",
                "  curl localhost:8080/v1/completions -d '{\"prompt\":\"Once upon a time\",\"max_tokens\":30,\"logprobs\":5}'",
                "  curl -N localhost:8080/v1/chat/completions -d '{\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}],\"stream\":true}'",
                "  lucid serve -m model.gguf --host 0.0.0.0 --api-key secret --parallel 4"})
final class ServeCommand extends LucidCommand {
    @Mixin
    ModelOption modelOption;

    @Option(names = "--host", paramLabel = "HOST", defaultValue = "127.0.0.1", description = "interface to listen on (default: ${DEFAULT-VALUE}; 0.0.0.0 for all)")
    String host;

    @Option(names = "--port", paramLabel = "PORT", defaultValue = "8080", description = "port (default: ${DEFAULT-VALUE}; 0 = any free port)")
    int port;

    @Option(names = "--parallel", paramLabel = "N", defaultValue = "4", description = "sequences decoded at once, each with its own KV cache (default: ${DEFAULT-VALUE})")
    int parallel;

    @Option(names = "--queue", paramLabel = "N", defaultValue = "12", description = "requests that may wait for a slot; more get 429 (default: ${DEFAULT-VALUE})")
    int queue;

    @Option(names = "--api-key", paramLabel = "KEY", description = "require \"Authorization: Bearer KEY\" on /v1 routes")
    String apiKey;

    @Option(names = "--max-tokens", paramLabel = "N", defaultValue = "4096", description = "the largest max_tokens a request may ask for (default: ${DEFAULT-VALUE})")
    int maxTokens;

    @Option(names = "--timeout", paramLabel = "SECONDS", defaultValue = "600", description = "cut a generation off after this long (default: ${DEFAULT-VALUE})")
    int timeout;

    @Mixin
    ContextOption contextOption;

    @Mixin
    ThreadsOption threads;

    @Override
    public Integer call() throws Exception {
        Model model = Model.load(modelOption.resolve(), modelOption.loading());
        int context = contextOption.length(model.config(), console);
        ServerConfig config = new ServerConfig(host, port, parallel, queue, apiKey, context, Math.max(1, maxTokens), 1 << 20,
                Math.max(1, timeout), threads.count(), modelOption.cacheType());
        CountDownLatch stopped = new CountDownLatch(1);
        // the model's own chat template (or the built-in one its vocabulary suggests)
        lucid.chat.ChatTemplate template = lucid.chat.ChatTemplate.forModel(model.file().metadata(), model.tokenizer().vocabulary());
        ChatPrompt chat = messages -> template.render(messages.stream()
                .map(m -> new lucid.chat.Message(m.role(), m.content())).toList(), true);
        try (LucidServer server = new LucidServer(model, config, chat).start()) {
            console.err().printf("lucid: serving %s on http://%s:%d/ (%d slots of %d tokens, queue %d%s)%n", model.name(), host, server.port(),
                    parallel, context, queue, apiKey == null ? "" : ", API key required");
            Runtime.getRuntime().addShutdownHook(new Thread(stopped::countDown));
            stopped.await();
        } finally {
            model.close();
        }
        return 0;
    }
}
