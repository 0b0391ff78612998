package lucid.huggingface;

import com.fasterxml.jackson.databind.JsonNode;
import lucid.LucidException;
import lucid.tokenizer.Tokenizer;
import lucid.tokenizer.Tokenizers;
import lucid.tokenizer.Vocabulary;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * The tokenizer of a Hugging Face folder: tokenizer.json's tokens and merges, with the special
 * tokens decided as llama.cpp's converter decides them — tokenizer_config.json's
 * {@code bos_token} / {@code eos_token} / {@code pad_token} first, then what tokenizer.json's
 * post-processor adds, then config.json's {@code bos_token_id} / {@code eos_token_id};
 * {@code add_bos_token} / {@code add_eos_token} from tokenizer_config.json override the
 * post-processor.
 */
final class FolderTokenizer {
    private FolderTokenizer() {}

    static Tokenizer load(Path folder, ConfigFile config, Optional<ConfigFile> tokenizerConfig) {
        Path file = folder.resolve("tokenizer.json");
        if (!Files.isRegularFile(file)) {
            throw new LucidException(folder + " has no tokenizer.json, which Lucid reads the tokenizer from"
                    + " (tokenizer.model or vocab.json alone are not enough)");
        }
        Tokenizer tokenizer = Tokenizers.fromHuggingFace(file);
        Vocabulary v = tokenizer.vocabulary();
        Vocabulary.Settings s = v.settings();
        int bos = named(tokenizerConfig, "bos_token", v, true).orElse(s.bosId() >= 0 ? s.bosId() : firstId(config, "bos_token_id", v));
        int eos = named(tokenizerConfig, "eos_token", v, true).orElse(s.eosId() >= 0 ? s.eosId() : firstId(config, "eos_token_id", v));
        // padding never reaches generation: a pad token tokenizer.json lacks is left out
        int padding = named(tokenizerConfig, "pad_token", v, false).orElse(s.paddingId());
        boolean addBos = tokenizerConfig.flatMap(t -> t.bool("add_bos_token")).orElse(s.addBos());
        boolean addEos = tokenizerConfig.flatMap(t -> t.bool("add_eos_token")).orElse(s.addEos());
        return tokenizer.withSettings(new Vocabulary.Settings(bos, eos, s.unknownId(), padding, addBos, addEos, s.addSpacePrefix()));
    }

    /**
     * The token tokenizer_config.json names in {@code field}: a string, or an AddedToken object with
     * its {@code content}; empty when the field is absent or null.
     *
     * @param required a text tokenizer.json does not have is an error, else absent
     */
    private static OptionalInt named(Optional<ConfigFile> tokenizerConfig, String field, Vocabulary v, boolean required) {
        if (tokenizerConfig.isEmpty() || !tokenizerConfig.get().has(field)) {
            return OptionalInt.empty();
        }
        ConfigFile t = tokenizerConfig.get();
        JsonNode node = t.root().get(field);
        JsonNode content = node.isObject() ? node.get("content") : node;
        if (content == null || !content.isTextual()) {
            throw t.problem("has " + field + " = " + ConfigFile.shortText(node) + ", which should be a token's text");
        }
        int id = v.id(content.asText());
        if (id < 0 && !required) {
            return OptionalInt.empty();
        }
        if (id < 0) {
            throw t.problem("names " + field + " " + ConfigFile.shortText(content) + ", which tokenizer.json does not have");
        }
        return OptionalInt.of(id);
    }

    /** config.json's id (the first, if it lists several), or -1. */
    private static int firstId(ConfigFile config, String field, Vocabulary v) {
        int[] ids = config.ids(field);
        return ids.length == 0 ? -1 : checked(config, field, ids[0], v);
    }

    static int checked(ConfigFile file, String field, int id, Vocabulary v) {
        if (id >= v.size()) {
            throw file.problem("has " + field + " " + id + ", outside the " + v.size() + " tokens of tokenizer.json");
        }
        return id;
    }
}
