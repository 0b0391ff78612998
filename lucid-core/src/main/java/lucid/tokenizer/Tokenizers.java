package lucid.tokenizer;

import lucid.LucidException;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Tokenizers from files other than GGUF: Hugging Face {@code tokenizer.json}, GPT-2 style
 * {@code vocab.json} + {@code merges.txt}, and tiktoken rank files.
 *
 * {@snippet :
 * Tokenizer qwen = Tokenizers.fromVocabAndMerges(vocabJson, mergesTxt, "qwen2",
 *         Map.of("<|endoftext|>", 151643, "<|im_start|>", 151644, "<|im_end|>", 151645));
 * int[] ids = qwen.encode("<|im_start|>hello<|im_end|>", false, true); // [151644, 14990, 151645]
 * }
 *
 * <p>Special tokens passed in are control tokens: read from text only with {@code parseSpecial}.
 * These files name no BOS or EOS; set them with {@link ByteLevelBpeTokenizer#withSettings}.
 */
public final class Tokenizers {
    private static final ObjectMapper JSON = new ObjectMapper();

    private Tokenizers() {}

    /**
     * A Hugging Face {@code tokenizer.json}: byte-level BPE (GPT-2, Llama 3, Qwen2, Phi-2 style)
     * gives a {@link ByteLevelBpeTokenizer}, SentencePiece-style BPE with byte fallback (Llama 2,
     * Phi-3) a {@link SentencePieceTokenizer}.
     *
     * @throws LucidException if the file cannot be read or uses a model or step Lucid does not support
     */
    public static Tokenizer fromHuggingFace(Path tokenizerJson) {
        return HuggingFaceTokenizerJson.load(readJson(tokenizerJson), tokenizerJson.toString());
    }

    /** GPT-2 style {@code vocab.json} and {@code merges.txt}, with no special tokens. */
    public static ByteLevelBpeTokenizer fromVocabAndMerges(Path vocabJson, Path mergesTxt, String preTokenizer) {
        return fromVocabAndMerges(vocabJson, mergesTxt, preTokenizer, Map.of());
    }

    /**
     * GPT-2 style {@code vocab.json} (token text in byte alphabet to id) and {@code merges.txt}
     * (one merge per line by rank, an optional {@code #version} first line), split by the named
     * {@link PreTokenizer}. As in llama.cpp, Llama 3 pre-tokenizers take whole tokens before merging.
     *
     * @param specials control tokens by text, e.g. {@code <|im_start|>}; they may reuse ids of vocab.json
     */
    public static ByteLevelBpeTokenizer fromVocabAndMerges(Path vocabJson, Path mergesTxt, String preTokenizer,
                                                           Map<String, Integer> specials) {
        PreTokenizer pre = PreTokenizer.named(preTokenizer);
        JsonNode root = readJson(vocabJson);
        VocabularyBuilder builder = new VocabularyBuilder(vocabJson.toString());
        root.properties().forEach(e -> builder.put(e.getValue().asInt(), e.getKey(), TokenType.NORMAL));
        specials.forEach((text, id) -> builder.put(id, text, TokenType.CONTROL));
        Vocabulary vocab = builder.build("gpt2", VocabularyBuilder.plainSettings());
        List<String> lines = readLines(mergesTxt);
        if (!lines.isEmpty() && lines.getFirst().startsWith("#version")) {
            lines = lines.subList(1, lines.size());
        }
        List<String> merges = lines.stream().filter(l -> !l.isEmpty()).toList();
        return new ByteLevelBpeTokenizer(vocab, MergeTable.fromMerges(vocab, merges), pre,
                ByteLevelBpeTokenizer.takesWholeTokensFirst(preTokenizer)
                        ? ByteLevelBpeTokenizer.Options.WHOLE_TOKENS_FIRST : ByteLevelBpeTokenizer.Options.PLAIN);
    }

    /**
     * A tiktoken rank file (one {@code base64-bytes rank} per line: r50k_base, cl100k_base,
     * o200k_base, Llama 3's tokenizer.model, Qwen's qwen.tiktoken). Ranks are ids; two tokens
     * merge iff their joined bytes have a rank, lowest rank first, and a pre-token that has a rank
     * is taken whole, as tiktoken does.
     *
     * @param preTokenizer a {@link PreTokenizer#named} name: {@code cl100k_base}, {@code o200k_base}, {@code qwen2}...
     * @param specials     control tokens by text and id, e.g. {@code <|endoftext|>} = 100257
     */
    public static ByteLevelBpeTokenizer fromTiktoken(Path ranks, String preTokenizer, Map<String, Integer> specials) {
        PreTokenizer pre = PreTokenizer.named(preTokenizer);
        VocabularyBuilder builder = new VocabularyBuilder(ranks.toString());
        Base64.Decoder base64 = Base64.getDecoder();
        List<String> lines = readLines(ranks);
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).strip();
            if (line.isEmpty()) {
                continue;
            }
            int space = line.indexOf(' ');
            try {
                byte[] bytes = base64.decode(line.substring(0, space));
                builder.put(Integer.parseInt(line.substring(space + 1)), ByteLevel.encode(bytes), TokenType.NORMAL);
            } catch (IllegalArgumentException | IndexOutOfBoundsException e) {
                throw new LucidException(ranks + " line " + (i + 1) + " is not \"base64 rank\": " + line, e);
            }
        }
        specials.forEach((text, id) -> builder.put(id, text, TokenType.CONTROL));
        Vocabulary vocab = builder.build("gpt2", VocabularyBuilder.plainSettings());
        return new ByteLevelBpeTokenizer(vocab, MergeTable.fromRanks(vocab), pre,
                ByteLevelBpeTokenizer.Options.WHOLE_TOKENS_FIRST);
    }

    /**
     * Llama 3's 256 special tokens as Meta's tokenizer defines them in code (they are not in
     * tokenizer.model): ids 128000.. for {@code <|begin_of_text|>}, {@code <|end_of_text|>},
     * reserved tokens, header markers, {@code <|eot_id|>} and so on.
     */
    public static Map<String, Integer> llama3Specials() {
        List<String> names = new ArrayList<>(List.of("<|begin_of_text|>", "<|end_of_text|>",
                "<|reserved_special_token_0|>", "<|reserved_special_token_1|>", "<|finetune_right_pad_id|>",
                "<|step_id|>", "<|start_header_id|>", "<|end_header_id|>", "<|eom_id|>", "<|eot_id|>",
                "<|python_tag|>", "<|image|>"));
        for (int i = 2; names.size() < 256; i++) {
            names.add("<|reserved_special_token_" + i + "|>");
        }
        Map<String, Integer> specials = new LinkedHashMap<>();
        for (int i = 0; i < names.size(); i++) {
            specials.put(names.get(i), 128000 + i);
        }
        return specials;
    }

    static JsonNode readJson(Path path) {
        try {
            JsonNode root = JSON.readTree(Files.readAllBytes(path));
            if (root == null || !root.isObject()) {
                throw new LucidException(path + " should hold a JSON object, found " + (root == null ? "nothing" : root.getNodeType()));
            }
            return root;
        } catch (JsonProcessingException e) {
            // Jackson's own message runs over several lines and quotes the input
            var at = e.getLocation();
            throw new LucidException(path + " is not valid JSON (" + e.getOriginalMessage().replaceAll("\\s+", " ")
                    + (at == null ? "" : " at line " + at.getLineNr() + ", column " + at.getColumnNr()) + ")", e);
        } catch (IOException e) {
            throw new LucidException("cannot read " + path + ": " + e.getMessage(), e);
        }
    }

    private static List<String> readLines(Path path) {
        try {
            return Files.readAllLines(path, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new LucidException("cannot read " + path + ": " + e.getMessage(), e);
        }
    }
}
