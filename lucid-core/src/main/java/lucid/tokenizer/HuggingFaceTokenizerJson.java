package lucid.tokenizer;

import lucid.LucidException;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Reads a Hugging Face {@code tokenizer.json} with a BPE model. Two shapes are understood:
 * byte-level BPE (a {@code ByteLevel} pre-tokenizer, optionally after {@code Split} and
 * {@code Digits} steps) and SentencePiece-style BPE with byte fallback (a {@code ▁} normalizer
 * or {@code Metaspace} pre-tokenizer, as in Llama 2 and Phi-3). Anything else is refused with a
 * message that names the unsupported step.
 */
final class HuggingFaceTokenizerJson {
    private HuggingFaceTokenizerJson() {}

    static Tokenizer load(JsonNode root, String source) {
        JsonNode model = root.path("model");
        String type = modelType(model);
        if (!type.equals("BPE")) {
            throw new LucidException(source + " uses the " + type + " model; Lucid reads BPE tokenizer.json files only");
        }
        if (hasStep(root.path("pre_tokenizer"), "ByteLevel")) {
            return byteLevel(root, model, source);
        }
        if (model.path("byte_fallback").asBoolean(false)) {
            return sentencePiece(root, model, source);
        }
        throw new LucidException(source + " is a BPE tokenizer that is neither byte-level nor SentencePiece-style"
                + " with byte fallback, which Lucid does not support");
    }

    private static ByteLevelBpeTokenizer byteLevel(JsonNode root, JsonNode model, String source) {
        VocabularyBuilder builder = new VocabularyBuilder(source);
        model.path("vocab").properties().forEach(e -> builder.put(e.getValue().asInt(), e.getKey(), TokenType.NORMAL));
        Map<String, Integer> added = putAddedTokens(root, builder, null);
        Vocabulary vocab = builder.build("gpt2", settings(root, added));

        List<String> regexes = new ArrayList<>();
        boolean[] prefixSpace = {false};
        collectPreTokenizer(root.path("pre_tokenizer"), regexes, prefixSpace, source);
        PreTokenizer pre = PreTokenizer.fromRegexes(source, regexes);
        boolean nfc = switch (normalizerType(root.path("normalizer"))) {
            case "" -> false;
            case "NFC" -> true;
            default -> throw new LucidException(source + " uses the normalizer "
                    + normalizerType(root.path("normalizer")) + ", which Lucid does not support for byte-level BPE");
        };
        var options = new ByteLevelBpeTokenizer.Options(model.path("ignore_merges").asBoolean(false), prefixSpace[0], nfc);
        return new ByteLevelBpeTokenizer(vocab, MergeTable.fromMerges(vocab, merges(model)), pre, options);
    }

    /**
     * Llama 2 / Phi-3 style: the same merges run by {@link SentencePieceTokenizer}, which merges the
     * highest-scoring pair; a token's score is minus the rank of the first merge that makes it, so
     * both orders agree.
     */
    private static SentencePieceTokenizer sentencePiece(JsonNode root, JsonNode model, String source) {
        VocabularyBuilder builder = new VocabularyBuilder(source);
        Map<String, Integer> vocabIds = new HashMap<>();
        model.path("vocab").properties().forEach(e -> {
            String text = e.getKey();
            boolean isByte = text.length() == 6 && text.startsWith("<0x") && text.endsWith(">");
            builder.put(e.getValue().asInt(), text, isByte ? TokenType.BYTE : TokenType.NORMAL);
            vocabIds.put(text, e.getValue().asInt());
        });
        String unk = model.path("unk_token").asText("");
        Integer unkId = vocabIds.get(unk);
        if (unkId != null) {
            builder.put(unkId, unk, TokenType.UNKNOWN);
        }
        Map<String, Integer> added = putAddedTokens(root, builder, unk);
        List<String> merges = merges(model);
        // Tokens no merge makes rank below all others.
        float[] scores = new float[builder.size()];
        Arrays.fill(scores, -(merges.size() + 1));
        for (int rank = merges.size() - 1; rank >= 0; rank--) {
            String merge = merges.get(rank);
            int space = merge.indexOf(' ', 1);
            Integer id = space < 0 ? null : vocabIds.get(merge.substring(0, space) + merge.substring(space + 1));
            if (id != null) {
                scores[id] = -rank; // walking down, the first (lowest) rank is written last
            }
        }
        Vocabulary.Settings s = settings(root, added);
        boolean prefix = spacePrefix(root, source);
        Vocabulary vocab = builder.build("llama", new Vocabulary.Settings(s.bosId(), s.eosId(),
                unkId == null ? -1 : unkId, s.paddingId(), s.addBos(), s.addEos(), prefix), scores);
        return new SentencePieceTokenizer(vocab);
    }

    /** Puts {@code added_tokens}: special ones as control tokens, others as user-defined; returns text to id. */
    private static Map<String, Integer> putAddedTokens(JsonNode root, VocabularyBuilder builder, String unk) {
        Map<String, Integer> added = new HashMap<>();
        for (JsonNode t : root.path("added_tokens")) {
            String content = t.path("content").asText();
            int id = t.path("id").asInt();
            TokenType type = content.equals(unk) ? TokenType.UNKNOWN
                    : t.path("special").asBoolean(false) ? TokenType.CONTROL : TokenType.USER_DEFINED;
            builder.put(id, content, type);
            added.put(content, id);
        }
        return added;
    }

    /** BOS and EOS from a TemplateProcessing post-processor: a special token before or after the text. */
    private static Vocabulary.Settings settings(JsonNode root, Map<String, Integer> added) {
        JsonNode template = findStep(root.path("post_processor"), "TemplateProcessing");
        int bos = -1;
        int eos = -1;
        if (template != null) {
            JsonNode single = template.path("single");
            if (!single.isEmpty()) {
                bos = specialId(single.get(0), added);
                eos = single.size() > 1 ? specialId(single.get(single.size() - 1), added) : -1;
            }
        }
        return new Vocabulary.Settings(bos, eos, -1, -1, bos >= 0, eos >= 0, false);
    }

    private static int specialId(JsonNode item, Map<String, Integer> added) {
        JsonNode special = item.path("SpecialToken");
        return special.isMissingNode() ? -1 : added.getOrDefault(special.path("id").asText(), -1);
    }

    /** Collects split regexes from ByteLevel, Split and Digits steps; anything else is refused. */
    private static void collectPreTokenizer(JsonNode step, List<String> regexes, boolean[] prefixSpace, String source) {
        if (step.isMissingNode() || step.isNull()) {
            return;
        }
        switch (step.path("type").asText()) {
            case "Sequence" -> step.path("pretokenizers").forEach(s -> collectPreTokenizer(s, regexes, prefixSpace, source));
            case "ByteLevel" -> {
                if (step.path("use_regex").asBoolean(true)) {
                    regexes.add(PreTokenizerRules.GPT2);
                }
                prefixSpace[0] |= step.path("add_prefix_space").asBoolean(false);
            }
            case "Split" -> {
                JsonNode pattern = step.path("pattern");
                String regex = pattern.has("Regex") ? pattern.path("Regex").asText()
                        : Pattern.quote(pattern.path("String").asText());
                if (!step.path("behavior").asText("Isolated").equals("Isolated") || step.path("invert").asBoolean(false)) {
                    throw new LucidException(source + " splits with behavior " + step.path("behavior").asText()
                            + (step.path("invert").asBoolean(false) ? " inverted" : "")
                            + "; Lucid supports only Isolated splits");
                }
                regexes.add(regex);
            }
            case "Digits" -> regexes.add(step.path("individual_digits").asBoolean(false) ? "\\p{N}" : "\\p{N}+");
            default -> throw new LucidException(source + " uses the pre-tokenizer step " + step.path("type").asText()
                    + ", which Lucid does not support for byte-level BPE");
        }
    }

    /** Whether SentencePiece-style text gets a leading ▁: a Prepend normalizer or a Metaspace that prepends. */
    private static boolean spacePrefix(JsonNode root, String source) {
        JsonNode prepend = findStep(root.path("normalizer"), "Prepend");
        if (prepend != null) {
            return true;
        }
        JsonNode metaspace = findStep(root.path("pre_tokenizer"), "Metaspace");
        if (metaspace != null) {
            return !metaspace.path("prepend_scheme").asText("always").equals("never");
        }
        if (findStep(root.path("normalizer"), "Replace") == null) {
            throw new LucidException(source + " has byte fallback but neither a ▁ normalizer nor a Metaspace"
                    + " pre-tokenizer, which Lucid does not support");
        }
        return false;
    }

    /** The model type; older files leave it out, and then the fields tell. */
    private static String modelType(JsonNode model) {
        if (model.has("type")) {
            return model.path("type").asText();
        }
        if (model.has("merges")) {
            return "BPE";
        }
        if (model.path("vocab").isArray()) {
            return "Unigram"; // [piece, score] pairs
        }
        return model.has("max_input_chars_per_word") ? "WordPiece" : "unknown";
    }

    private static List<String> merges(JsonNode model) {
        List<String> merges = new ArrayList<>();
        for (JsonNode m : model.path("merges")) {
            // Older files write "a b", newer ones ["a", "b"].
            merges.add(m.isArray() ? m.get(0).asText() + " " + m.get(1).asText() : m.asText());
        }
        return merges;
    }

    private static String normalizerType(JsonNode normalizer) {
        if (normalizer.isMissingNode() || normalizer.isNull()) {
            return "";
        }
        if (normalizer.path("type").asText().equals("Sequence") && normalizer.path("normalizers").isEmpty()) {
            return "";
        }
        return normalizer.path("type").asText();
    }

    private static boolean hasStep(JsonNode node, String type) {
        return findStep(node, type) != null;
    }

    /** The first step of the given type in a step or a Sequence of steps (any nesting), or null. */
    private static JsonNode findStep(JsonNode node, String type) {
        if (node == null || node.isMissingNode() || node.isNull()) {
            return null;
        }
        if (node.path("type").asText().equals(type)) {
            return node;
        }
        for (String list : new String[] {"pretokenizers", "normalizers", "processors", "decoders"}) {
            for (JsonNode child : node.path(list)) {
                JsonNode found = findStep(child, type);
                if (found != null) {
                    return found;
                }
            }
        }
        return null;
    }
}
