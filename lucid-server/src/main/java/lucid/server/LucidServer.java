package lucid.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.javalin.Javalin;
import io.javalin.http.Context;
import io.javalin.http.staticfiles.Location;
import lucid.model.Model;
import lucid.trace.TraceJson;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.UUID;

/**
 * The HTTP server: OpenAI's /v1/models, /v1/completions and /v1/chat/completions (streamed as
 * server-sent events or not), GET /health and /metrics, and the explorer page at /.
 */
public final class LucidServer implements AutoCloseable {
    private final Model model;
    private final ServerConfig config;
    private final Metrics metrics = new Metrics();
    private final Engine engine;
    private final Requests requests;
    private final Responses responses;
    private final Javalin app;
    private final long started = System.currentTimeMillis() / 1000;

    public LucidServer(Model model, ServerConfig config, ChatPrompt chatPrompt) {
        this.model = model;
        this.config = config;
        this.engine = new Engine(model, config, metrics);
        this.requests = new Requests(model, config, chatPrompt);
        this.responses = new Responses(model.name());
        this.app = Javalin.create(c -> {
            c.jetty.host = config.host();
            c.jetty.port = config.port();
            c.http.maxRequestSize = config.maxRequestBytes();
            c.concurrency.useVirtualThreads = true;
            c.startup.showJavalinBanner = false;
            c.staticFiles.add(s -> {
                s.hostedPath = "/";
                s.directory = "/lucid/server/explorer";
                s.location = Location.CLASSPATH;
            });
            c.routes.before("/v1/*", this::authorize);
            c.routes.get("/health", ctx -> ctx.json(java.util.Map.of("status", "ok", "model", model.name())));
            c.routes.get("/metrics", ctx -> ctx.contentType("text/plain; version=0.0.4")
                    .result(metrics.render(engine::queueDepth, engine::busySlots, config.parallel())));
            c.routes.get("/v1/models", this::models);
            c.routes.post("/v1/completions", ctx -> generate(ctx, false));
            c.routes.post("/v1/chat/completions", ctx -> generate(ctx, true));
            c.routes.exception(ApiError.class, (e, ctx) -> fail(ctx, e));
            c.routes.exception(Exception.class, (e, ctx) -> fail(ctx, new ApiError(500, "server_error", null, null,
                    "internal error: " + e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage()))));
            c.routes.error(404, "*", ctx -> {
                if (ctx.path().startsWith("/v1/") && ctx.attribute("lucid-error") == null) { // not our own 404s
                    fail(ctx, new ApiError(404, "invalid_request_error", null, "unknown_url", "no such endpoint: " + ctx.method() + " " + ctx.path()));
                }
            });
            c.routes.error(413, "*", ctx -> fail(ctx, new ApiError(413, "invalid_request_error", null, "request_too_large",
                    "the request body is larger than " + config.maxRequestBytes() + " bytes")));
        });
    }

    public LucidServer start() {
        app.start();
        return this;
    }

    /** The port the server listens on (useful with port 0). */
    public int port() {
        return app.port();
    }

    /** Whether a request's "model" names this server's model (its name, its file name, or "lucid"). */
    static boolean servesModel(Model model, String name) {
        String n = name.toLowerCase(Locale.ROOT);
        return n.equals(model.name().toLowerCase(Locale.ROOT)) || n.equals(model.file().path().getFileName().toString().toLowerCase(Locale.ROOT))
                || n.equals("lucid");
    }

    private void authorize(Context ctx) {
        if (config.apiKey() == null) {
            return;
        }
        String header = ctx.header("Authorization");
        if (header == null || !header.equals("Bearer " + config.apiKey())) {
            throw new ApiError(401, "invalid_request_error", null, "invalid_api_key",
                    header == null ? "missing API key: send \"Authorization: Bearer KEY\"" : "incorrect API key");
        }
    }

    private void models(Context ctx) {
        ObjectNode root = TraceJson.mapper().createObjectNode();
        root.put("object", "list");
        ObjectNode m = root.putArray("data").addObject();
        m.put("id", model.name());
        m.put("object", "model");
        m.put("created", started);
        m.put("owned_by", "lucid");
        ctx.contentType("application/json").result(responses.write(root));
        metrics.request("/v1/models", 200);
    }

    private void fail(Context ctx, ApiError e) {
        ctx.attribute("lucid-error", e.status);
        ctx.status(e.status).contentType("application/json").result(responses.write(responses.error(e)));
        if (e.status == 429) {
            ctx.header("Retry-After", "1");
        }
        metrics.request(ctx.path(), e.status);
    }

    private void generate(Context ctx, boolean chat) throws Exception {
        JsonNode body;
        try {
            body = TraceJson.mapper().readTree(ctx.bodyAsBytes());
        } catch (IOException e) {
            throw ApiError.invalid(null, "the body is not valid JSON: " + firstLine(e.getMessage()));
        }
        GenerationRequest request = chat ? requests.chat(body) : requests.completion(body);
        metrics.prompt(request.prompt().length);
        Job job = engine.submit(request);
        String id = (chat ? "chatcmpl-" : "cmpl-") + UUID.randomUUID().toString().replace("-", "");
        long created = System.currentTimeMillis() / 1000;
        boolean logprobs = request.logprobs() >= 0;
        boolean steps = request.trace() != null;
        if (request.stream()) {
            stream(ctx, job, id, created, chat, logprobs, steps);
        } else {
            whole(ctx, job, id, created, chat, logprobs, steps);
        }
        metrics.request(chat ? "/v1/chat/completions" : "/v1/completions", 200);
    }

    private void whole(Context ctx, Job job, String id, long created, boolean chat, boolean logprobs, boolean steps) throws InterruptedException {
        StringBuilder text = new StringBuilder();
        List<Event.Token> tokens = new ArrayList<>();
        while (true) {
            for (Event e : job.next(60_000)) {
                switch (e) {
                    case Event.Token t -> {
                        text.append(t.text());
                        tokens.add(t);
                    }
                    case Event.Done d -> {
                        text.append(d.trailingText());
                        ObjectNode root = chat ? responses.chat(id, created, text.toString(), tokens, logprobs, d, steps)
                                : responses.completion(id, created, false, text.toString(), tokens, 0, d.finishReason(), logprobs, d, steps);
                        ctx.contentType("application/json").result(responses.write(root));
                        return;
                    }
                    case Event.Failed f -> throw new ApiError(500, "server_error", null, null, "generation failed: " + f.message());
                }
            }
        }
    }

    /** Server-sent events: a chunk per token, the finish reason, optionally usage, then [DONE]. */
    private void stream(Context ctx, Job job, String id, long created, boolean chat, boolean logprobs, boolean steps) throws InterruptedException {
        ctx.status(200);
        ctx.contentType("text/event-stream");
        ctx.header("Cache-Control", "no-cache");
        ctx.header("X-Accel-Buffering", "no");
        OutputStream out = ctx.outputStream();
        int offset = 0;
        boolean promptSent = false;
        try {
            if (chat) {
                write(out, responses.chatChunk(id, created, "assistant", "", List.of(), false, null, false));
                out.flush();
            }
            while (true) {
                List<Event> batch = job.next(15_000);
                if (batch.isEmpty()) {
                    out.write(": keep-alive\n\n".getBytes(StandardCharsets.UTF_8)); // also notices a client that left
                    out.flush();
                    continue;
                }
                for (Event e : batch) { // tokens that came while the last ones were being written go out together
                    switch (e) {
                        case Event.Token t -> {
                            List<Event.Token> one = List.of(t);
                            ObjectNode chunk = chat ? responses.chatChunk(id, created, null, t.text(), one, logprobs, null, steps)
                                    : responses.completion(id, created, true, t.text(), one, offset, null, logprobs, null, steps);
                            if (steps && offset == 0 && !promptSent) {
                                chunk.set("trace_prompt", promptTokens(job.request.prompt())); // the explorer needs the prompt's tokens once
                                promptSent = true;
                            }
                            write(out, chunk);
                            offset += t.text().length();
                        }
                        case Event.Done d -> {
                            String tail = d.trailingText();
                            write(out, chat ? responses.chatChunk(id, created, null, tail.isEmpty() ? null : tail, List.of(), false, d.finishReason(), false)
                                    : responses.completion(id, created, true, tail, List.of(), offset, d.finishReason(), logprobs, null, false));
                            if (job.request.includeUsage()) {
                                write(out, responses.usageChunk(id, created, chat ? "chat.completion.chunk" : "text_completion", d));
                            }
                            out.write("data: [DONE]\n\n".getBytes(StandardCharsets.UTF_8));
                            out.flush();
                            return;
                        }
                        case Event.Failed f -> {
                            write(out, responses.error(new ApiError(500, "server_error", null, null, "generation failed: " + f.message())));
                            out.flush();
                            return;
                        }
                    }
                }
                out.flush();
            }
        } catch (IOException clientGone) {
            job.cancelled = true; // the engine frees the slot at its next step
        }
    }

    /** The prompt's tokens as the trace shows them: [{id, text}], pieces of characters as their bytes ({@code <0xE4>}). */
    private JsonNode promptTokens(int[] ids) {
        var array = TraceJson.mapper().createArrayNode();
        for (int id : ids) {
            ObjectNode t = array.addObject();
            t.put("id", id);
            t.put("text", model.tokenizer().displayPiece(id));
        }
        return array;
    }

    /** One server-sent event; the caller flushes. */
    private void write(OutputStream out, JsonNode chunk) throws IOException {
        out.write(("data: " + responses.write(chunk) + "\n\n").getBytes(StandardCharsets.UTF_8));
    }

    private static String firstLine(String s) {
        if (s == null) {
            return "";
        }
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }

    @Override
    public void close() {
        app.stop();
        engine.close();
    }
}
