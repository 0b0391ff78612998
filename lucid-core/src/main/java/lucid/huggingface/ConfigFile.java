package lucid.huggingface;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import lucid.LucidException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * One of a Hugging Face folder's JSON objects (config.json, tokenizer_config.json,
 * generation_config.json, the shard index, or an object inside one), with accessors whose errors
 * name the file and the field. A field that is {@code null} counts as absent, as in transformers.
 */
final class ConfigFile {
    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    private final String name;
    private final JsonNode root;

    private ConfigFile(String name, JsonNode root) {
        this.name = name;
        this.root = root;
    }

    /** Reads a JSON object; a missing file, bad JSON or anything but an object is one line naming the file. */
    static ConfigFile read(Path file) {
        String name = file.getFileName().toString();
        JsonNode root;
        try {
            root = JSON.readTree(Files.readAllBytes(file));
        } catch (NoSuchFileException e) {
            throw new LucidException("no such file: " + file);
        } catch (JsonProcessingException e) {
            var at = e.getLocation();
            throw new LucidException(file + " is not valid JSON (" + oneLine(e.getOriginalMessage())
                    + (at == null ? "" : " at line " + at.getLineNr() + ", column " + at.getColumnNr()) + "); the file is damaged");
        } catch (IOException e) {
            throw new LucidException("cannot read " + file + ": " + oneLine(e.getMessage()), e);
        }
        if (root == null || !root.isObject()) {
            throw new LucidException(file + " should hold a JSON object, found " + (root == null ? "nothing" : root.getNodeType()));
        }
        return new ConfigFile(name, root);
    }

    /** The file if the folder has it. */
    static Optional<ConfigFile> readIfPresent(Path file) {
        return Files.exists(file) ? Optional.of(read(file)) : Optional.empty();
    }

    /** The file's name, for messages. */
    String name() {
        return name;
    }

    JsonNode root() {
        return root;
    }

    boolean has(String field) {
        JsonNode n = root.get(field);
        return n != null && !n.isNull();
    }

    private JsonNode node(String field) {
        JsonNode n = root.get(field);
        return n == null || n.isNull() ? null : n;
    }

    /** A field that must be a positive integer (a size or a count). */
    int requirePositive(String field) {
        return positive(field).orElseThrow(() -> problem("has no " + field + ", which Lucid needs"));
    }

    OptionalInt positive(String field) {
        OptionalInt v = integer(field);
        if (v.isPresent() && v.getAsInt() <= 0) {
            throw problem("has " + field + " = " + v.getAsInt() + ", which should be positive");
        }
        return v;
    }

    OptionalInt integer(String field) {
        JsonNode n = node(field);
        if (n == null) {
            return OptionalInt.empty();
        }
        if (!n.isIntegralNumber() || !n.canConvertToInt()) {
            throw problem("has " + field + " = " + shortText(n) + ", which should be an integer");
        }
        return OptionalInt.of(n.asInt());
    }

    Optional<Double> number(String field) {
        JsonNode n = node(field);
        if (n == null) {
            return Optional.empty();
        }
        if (!n.isNumber() || !Double.isFinite(n.asDouble())) {
            throw problem("has " + field + " = " + shortText(n) + ", which should be a number");
        }
        return Optional.of(n.asDouble());
    }

    Optional<String> string(String field) {
        JsonNode n = node(field);
        if (n == null) {
            return Optional.empty();
        }
        if (!n.isTextual()) {
            throw problem("has " + field + " = " + shortText(n) + ", which should be a string");
        }
        return Optional.of(n.asText());
    }

    Optional<Boolean> bool(String field) {
        JsonNode n = node(field);
        if (n == null) {
            return Optional.empty();
        }
        if (!n.isBoolean()) {
            throw problem("has " + field + " = " + shortText(n) + ", which should be true or false");
        }
        return Optional.of(n.asBoolean());
    }

    /** A nested object, with this file's name in its messages. */
    Optional<ConfigFile> object(String field) {
        JsonNode n = node(field);
        if (n == null) {
            return Optional.empty();
        }
        if (!n.isObject()) {
            throw problem("has " + field + " = " + shortText(n) + ", which should be an object");
        }
        return Optional.of(new ConfigFile(name + " " + field, n));
    }

    /** An integer or a list of integers (token ids such as {@code eos_token_id}); empty when absent. */
    int[] ids(String field) {
        JsonNode n = node(field);
        if (n == null) {
            return new int[0];
        }
        JsonNode[] items = n.isArray() ? new JsonNode[n.size()] : new JsonNode[] {n};
        for (int i = 0; n.isArray() && i < items.length; i++) {
            items[i] = n.get(i);
        }
        int[] ids = new int[items.length];
        for (int i = 0; i < ids.length; i++) {
            if (!items[i].isIntegralNumber() || !items[i].canConvertToInt() || items[i].asInt() < 0) {
                throw problem("has " + field + " = " + shortText(n) + ", which should be a token id or a list of them");
            }
            ids[i] = items[i].asInt();
        }
        return ids;
    }

    /** An error about this file: "config.json " + what. */
    LucidException problem(String what) {
        return new LucidException(name + " " + what);
    }

    /** A value as it appears in the file, cut short and on one line. */
    static String shortText(JsonNode n) {
        return oneLine(n.toString());
    }

    static String oneLine(String text) {
        String s = String.valueOf(text).replaceAll("[\\s\\p{Cntrl}]+", " ").strip();
        return s.length() > 120 ? s.substring(0, 120) + "..." : s;
    }
}
