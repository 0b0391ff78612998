package lucid.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import lucid.trace.TraceJson;

import java.util.List;

/** Builds OpenAI's response objects: whole responses and stream chunks, with logprobs and Lucid's trace. */
final class Responses {
    private final ObjectMapper json = TraceJson.mapper();
    private final String modelName;

    Responses(String modelName) {
        this.modelName = modelName;
    }

    private ObjectNode envelope(String id, String object, long created) {
        ObjectNode root = json.createObjectNode();
        root.put("id", id);
        root.put("object", object);
        root.put("created", created);
        root.put("model", modelName);
        return root;
    }

    /** A /v1/completions response or stream chunk. */
    ObjectNode completion(String id, long created, boolean chunk, String text, List<Event.Token> tokens, int textOffset,
                          String finishReason, boolean logprobs, Event.Done done, boolean withSteps) {
        ObjectNode root = envelope(id, "text_completion", created);
        ObjectNode choice = root.putArray("choices").addObject();
        choice.put("index", 0);
        choice.put("text", text);
        if (logprobs) {
            ObjectNode lp = choice.putObject("logprobs");
            ArrayNode names = lp.putArray("tokens");
            ArrayNode values = lp.putArray("token_logprobs");
            ArrayNode tops = lp.putArray("top_logprobs");
            ArrayNode offsets = lp.putArray("text_offset");
            int offset = textOffset;
            for (Event.Token t : tokens) {
                names.add(t.tokenText());
                values.add(t.logprob());
                ObjectNode top = tops.addObject();
                for (Event.Alternative a : t.alternatives()) {
                    top.put(a.text(), a.logprob());
                }
                offsets.add(offset);
                offset += t.text().length();
            }
        } else {
            choice.putNull("logprobs");
        }
        if (finishReason == null) {
            choice.putNull("finish_reason");
        } else {
            choice.put("finish_reason", finishReason);
        }
        if (withSteps) {
            addSteps(root, tokens, chunk, done);
        }
        if (done != null && !chunk) {
            usage(root, done);
        }
        return root;
    }

    /** A /v1/chat/completions response. */
    ObjectNode chat(String id, long created, String content, List<Event.Token> tokens, boolean logprobs, Event.Done done, boolean withSteps) {
        ObjectNode root = envelope(id, "chat.completion", created);
        ObjectNode choice = root.putArray("choices").addObject();
        choice.put("index", 0);
        ObjectNode message = choice.putObject("message");
        message.put("role", "assistant");
        message.put("content", content);
        if (logprobs) {
            chatLogprobs(choice, tokens);
        } else {
            choice.putNull("logprobs");
        }
        choice.put("finish_reason", done.finishReason());
        if (withSteps) {
            addSteps(root, tokens, false, done);
        }
        usage(root, done);
        return root;
    }

    /** A chat.completion.chunk: the role first, then content deltas, then the finish reason. */
    ObjectNode chatChunk(String id, long created, String role, String content, List<Event.Token> tokens, boolean logprobs,
                         String finishReason, boolean withSteps) {
        ObjectNode root = envelope(id, "chat.completion.chunk", created);
        ObjectNode choice = root.putArray("choices").addObject();
        choice.put("index", 0);
        ObjectNode delta = choice.putObject("delta");
        if (role != null) {
            delta.put("role", role);
        }
        if (content != null) {
            delta.put("content", content);
        }
        if (logprobs && !tokens.isEmpty()) {
            chatLogprobs(choice, tokens);
        } else {
            choice.putNull("logprobs");
        }
        if (finishReason == null) {
            choice.putNull("finish_reason");
        } else {
            choice.put("finish_reason", finishReason);
        }
        if (withSteps) {
            addSteps(root, tokens, true, null);
        }
        return root;
    }

    /** The final chunk of a stream with stream_options.include_usage: no choices, only usage. */
    ObjectNode usageChunk(String id, long created, String object, Event.Done done) {
        ObjectNode root = envelope(id, object, created);
        root.putArray("choices");
        usage(root, done);
        return root;
    }

    private void chatLogprobs(ObjectNode choice, List<Event.Token> tokens) {
        ArrayNode content = choice.putObject("logprobs").putArray("content");
        for (Event.Token t : tokens) {
            ObjectNode item = content.addObject();
            item.put("token", t.tokenText());
            item.put("logprob", t.logprob());
            bytes(item, t.tokenBytes());
            ArrayNode top = item.putArray("top_logprobs");
            for (Event.Alternative a : t.alternatives()) {
                ObjectNode alt = top.addObject();
                alt.put("token", a.text());
                alt.put("logprob", a.logprob());
                bytes(alt, a.bytes());
            }
        }
    }

    private static void bytes(ObjectNode node, byte[] bytes) {
        ArrayNode array = node.putArray("bytes");
        for (byte b : bytes) {
            array.add(b & 0xFF);
        }
    }

    /** Lucid's trace: per token its step (streamed), or the whole trace with the final response. */
    private void addSteps(ObjectNode root, List<Event.Token> tokens, boolean chunk, Event.Done done) {
        if (chunk) {
            ArrayNode steps = root.putArray("trace_steps");
            for (Event.Token t : tokens) {
                if (t.step() != null) {
                    steps.add((JsonNode) json.valueToTree(t.step()));
                }
            }
        } else if (done != null && done.trace() != null) {
            root.set("trace", json.valueToTree(done.trace()));
        }
    }

    private void usage(ObjectNode root, Event.Done done) {
        ObjectNode usage = root.putObject("usage");
        usage.put("prompt_tokens", done.promptTokens());
        usage.put("completion_tokens", done.completionTokens());
        usage.put("total_tokens", done.promptTokens() + done.completionTokens());
    }

    ObjectNode error(ApiError e) {
        ObjectNode root = json.createObjectNode();
        ObjectNode error = root.putObject("error");
        error.put("message", e.getMessage());
        error.put("type", e.type);
        if (e.param == null) {
            error.putNull("param");
        } else {
            error.put("param", e.param);
        }
        if (e.code == null) {
            error.putNull("code");
        } else {
            error.put("code", e.code);
        }
        return root;
    }

    String write(JsonNode node) {
        try {
            return json.writeValueAsString(node);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
