package lucid.server;

import com.fasterxml.jackson.databind.JsonNode;
import lucid.LucidException;
import lucid.model.Model;
import lucid.sampling.SamplerSettings;
import lucid.trace.TraceOptions;

import java.util.ArrayList;
import java.util.List;

/**
 * Reads and validates the JSON of /v1/completions and /v1/chat/completions requests. Every field
 * is checked for its type and range; anything wrong is a 400 naming the field. Unset sampling
 * fields take OpenAI's defaults (temperature 1, top_p 1, no top-k, no min-p).
 */
final class Requests {
    private final Model model;
    private final ServerConfig config;
    private final ChatPrompt chatPrompt;

    Requests(Model model, ServerConfig config, ChatPrompt chatPrompt) {
        this.model = model;
        this.config = config;
        this.chatPrompt = chatPrompt;
    }

    GenerationRequest completion(JsonNode body) {
        checkCommon(body);
        JsonNode prompt = body.get("prompt");
        int[] tokens;
        if (prompt == null || prompt.isNull()) {
            throw ApiError.invalid("prompt", "prompt is required");
        } else if (prompt.isTextual()) {
            tokens = model.tokenizer().encode(prompt.asText(), true);
        } else if (prompt.isArray() && prompt.size() == 1 && prompt.get(0).isTextual()) {
            tokens = model.tokenizer().encode(prompt.get(0).asText(), true);
        } else if (prompt.isArray() && !prompt.isEmpty() && allInts(prompt)) {
            tokens = new int[prompt.size()];
            for (int i = 0; i < tokens.length; i++) {
                int id = prompt.get(i).asInt();
                if (id < 0 || id >= model.config().vocabularySize()) {
                    throw ApiError.invalid("prompt", "token id " + id + " is outside the vocabulary of " + model.config().vocabularySize());
                }
                tokens[i] = id;
            }
        } else {
            throw ApiError.invalid("prompt", "prompt must be a string, a list of one string, or a list of token ids");
        }
        int maxTokens = intField(body, "max_tokens", 16, 0, config.maxTokens());
        int logprobs = body.has("logprobs") && !body.get("logprobs").isNull() ? intField(body, "logprobs", 0, 0, 20) : -1;
        return build(body, tokens, maxTokens, logprobs, false);
    }

    GenerationRequest chat(JsonNode body) {
        checkCommon(body);
        JsonNode messages = body.get("messages");
        if (messages == null || !messages.isArray() || messages.isEmpty()) {
            throw ApiError.invalid("messages", "messages must be a non-empty list of {role, content}");
        }
        List<ChatPrompt.Message> list = new ArrayList<>();
        for (int i = 0; i < messages.size(); i++) {
            JsonNode m = messages.get(i);
            String where = "messages[" + i + "]";
            if (!m.isObject() || !m.path("role").isTextual()) {
                throw ApiError.invalid(where, where + " must be an object with a string role");
            }
            String role = m.get("role").asText();
            if (!List.of("system", "developer", "user", "assistant").contains(role)) {
                throw ApiError.invalid(where + ".role", "role \"" + role + "\" is not supported (system, developer, user, assistant)");
            }
            list.add(new ChatPrompt.Message(role.equals("developer") ? "system" : role, content(m.get("content"), where)));
        }
        String text;
        try {
            text = chatPrompt.render(list);
        } catch (LucidException e) {
            throw ApiError.invalid("messages", "the model's chat template could not render these messages: " + e.getMessage());
        }
        int[] tokens = model.tokenizer().encode(text, true, true);
        int maxTokens = intField(body, body.has("max_completion_tokens") ? "max_completion_tokens" : "max_tokens",
                config.maxTokens(), 0, config.maxTokens());
        boolean wantLogprobs = boolField(body, "logprobs", false);
        int top = intField(body, "top_logprobs", 0, 0, 20);
        if (body.has("top_logprobs") && !wantLogprobs) {
            throw ApiError.invalid("top_logprobs", "top_logprobs needs logprobs: true");
        }
        return build(body, tokens, maxTokens, wantLogprobs ? top : -1, true);
    }

    private static String content(JsonNode content, String where) {
        if (content == null || content.isNull()) {
            return "";
        }
        if (content.isTextual()) {
            return content.asText();
        }
        if (content.isArray()) {
            StringBuilder sb = new StringBuilder();
            for (JsonNode part : content) {
                if (!"text".equals(part.path("type").asText()) || !part.path("text").isTextual()) {
                    throw ApiError.invalid(where + ".content", "only text content parts are supported");
                }
                sb.append(part.get("text").asText());
            }
            return sb.toString();
        }
        throw ApiError.invalid(where + ".content", where + ".content must be a string or a list of text parts");
    }

    private GenerationRequest build(JsonNode body, int[] tokens, int maxTokens, int logprobs, boolean chat) {
        if (tokens.length == 0) {
            throw ApiError.invalid("prompt", "the prompt is empty and the model has no BOS token");
        }
        if (tokens.length >= config.context()) {
            throw ApiError.invalid("prompt", "context_length_exceeded", "the prompt is " + tokens.length
                    + " tokens; this server's context holds " + config.context() + " (shorten the prompt or start the server with a larger -c)");
        }
        maxTokens = Math.min(maxTokens, config.context() - tokens.length);
        SamplerSettings settings;
        try {
            settings = new SamplerSettings(
                    floatField(body, "temperature", 1f, 0f, 100f),
                    intField(body, "top_k", 0, 0, Integer.MAX_VALUE),
                    floatField(body, "top_p", 1f, 0f, 1f),
                    floatField(body, "min_p", 0f, 0f, 1f),
                    floatField(body, "repeat_penalty", 1f, 0.01f, 100f),
                    intField(body, "repeat_last_n", SamplerSettings.DEFAULT_REPEAT_LAST_N, 0, 1 << 20),
                    floatField(body, "frequency_penalty", 0f, -2f, 2f),
                    floatField(body, "presence_penalty", 0f, -2f, 2f),
                    longField(body, "seed"));
        } catch (LucidException e) {
            throw ApiError.invalid(null, e.getMessage());
        }
        boolean stream = boolField(body, "stream", false);
        boolean includeUsage = body.path("stream_options").path("include_usage").asBoolean(false);
        return new GenerationRequest(tokens, maxTokens, settings, stops(body.get("stop")), logprobs, stream, includeUsage,
                trace(body.get("trace")), chat);
    }

    private void checkCommon(JsonNode body) {
        if (body == null || !body.isObject()) {
            throw ApiError.invalid(null, "the request body must be a JSON object");
        }
        JsonNode modelName = body.get("model");
        if (modelName != null && !modelName.isNull()) {
            if (!modelName.isTextual()) {
                throw ApiError.invalid("model", "model must be a string");
            }
            if (!LucidServer.servesModel(model, modelName.asText())) {
                throw new ApiError(404, "invalid_request_error", "model", "model_not_found",
                        "the model \"" + modelName.asText() + "\" is not served here; this server runs \"" + model.name() + "\"");
            }
        }
        if (body.has("n") && body.get("n").asInt(-1) != 1) {
            throw ApiError.invalid("n", "only n = 1 is supported");
        }
    }

    private static boolean allInts(JsonNode array) {
        for (JsonNode n : array) {
            if (!n.isIntegralNumber()) {
                return false;
            }
        }
        return true;
    }

    private static List<String> stops(JsonNode stop) {
        if (stop == null || stop.isNull()) {
            return List.of();
        }
        if (stop.isTextual()) {
            return stop.asText().isEmpty() ? List.of() : List.of(stop.asText());
        }
        if (stop.isArray() && stop.size() <= 16) {
            List<String> list = new ArrayList<>();
            for (JsonNode s : stop) {
                if (!s.isTextual()) {
                    throw ApiError.invalid("stop", "stop must be a string or a list of strings");
                }
                if (!s.asText().isEmpty()) {
                    list.add(s.asText());
                }
            }
            return List.copyOf(list);
        }
        throw ApiError.invalid("stop", "stop must be a string or a list of at most 16 strings");
    }

    private TraceOptions trace(JsonNode trace) {
        if (trace == null || trace.isNull() || (trace.isBoolean() && !trace.asBoolean())) {
            return null;
        }
        if (trace.isBoolean()) {
            return TraceOptions.defaults();
        }
        if (!trace.isObject()) {
            throw ApiError.invalid("trace", "trace must be true or an object {top, attention, full_attention, lens}");
        }
        int top = intField(trace, "top", 5, 1, 100);
        boolean attention = boolField(trace, "attention", true);
        return new TraceOptions(top, attention ? 3 : 0, boolField(trace, "full_attention", false), boolField(trace, "lens", false),
                3, false);
    }

    private static int intField(JsonNode body, String name, int fallback, int min, int max) {
        JsonNode v = body.get(name);
        if (v == null || v.isNull()) {
            return fallback;
        }
        if (!v.isIntegralNumber() || !v.canConvertToInt()) {
            throw ApiError.invalid(name, name + " must be an integer, got " + v);
        }
        int i = v.asInt();
        if (i < min || i > max) {
            throw ApiError.invalid(name, name + " must be between " + min + " and " + max + ", got " + i);
        }
        return i;
    }

    private static float floatField(JsonNode body, String name, float fallback, float min, float max) {
        JsonNode v = body.get(name);
        if (v == null || v.isNull()) {
            return fallback;
        }
        if (!v.isNumber()) {
            throw ApiError.invalid(name, name + " must be a number, got " + v);
        }
        double d = v.asDouble();
        if (!(d >= min && d <= max)) {
            throw ApiError.invalid(name, name + " must be between " + min + " and " + max + ", got " + v);
        }
        return (float) d;
    }

    private static long longField(JsonNode body, String name) {
        JsonNode v = body.get(name);
        if (v == null || v.isNull()) {
            return System.nanoTime() ^ 0x5DEECE66DL;
        }
        if (!v.isIntegralNumber() || !v.canConvertToLong()) {
            throw ApiError.invalid(name, name + " must be an integer, got " + v);
        }
        return v.asLong();
    }

    private static boolean boolField(JsonNode body, String name, boolean fallback) {
        JsonNode v = body.get(name);
        if (v == null || v.isNull()) {
            return fallback;
        }
        if (!v.isBoolean()) {
            throw ApiError.invalid(name, name + " must be true or false, got " + v);
        }
        return v.asBoolean();
    }
}
