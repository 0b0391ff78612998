package lucid.tokenizer;

import lucid.LucidException;
import lucid.gguf.GgufArray;
import lucid.gguf.GgufFile;
import lucid.gguf.GgufValueType;
import lucid.gguf.GgufWriter;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Small hand-made GGUF and tokenizer.json files: defaults, options and the errors for what is not supported. */
class ByteLevelFilesTest {
    @TempDir
    Path dir;

    /** The 256 byte tokens, then "ab" (256) and "abc" (257), made by the merges "a b" and "ab c". */
    private static List<String> tokens() {
        List<String> tokens = new ArrayList<>();
        for (int b = 0; b < 256; b++) {
            tokens.add(String.valueOf(ByteLevel.charOf(b)));
        }
        tokens.add("ab");
        tokens.add("abc");
        return tokens;
    }

    private Tokenizer gguf(String pre, Boolean addBos, boolean withMerges) {
        GgufWriter w = new GgufWriter();
        List<String> tokens = tokens();
        w.put("tokenizer.ggml.model", "gpt2");
        if (pre != null) {
            w.put("tokenizer.ggml.pre", pre);
        }
        w.putArray("tokenizer.ggml.tokens", new GgufArray(GgufValueType.STRING, tokens.toArray(String[]::new)));
        if (withMerges) {
            w.putArray("tokenizer.ggml.merges", new GgufArray(GgufValueType.STRING, new String[] {"a b", "ab c"}));
        }
        w.putUInt32("tokenizer.ggml.bos_token_id", 'x');
        if (addBos != null) {
            w.putBool("tokenizer.ggml.add_bos_token", addBos);
        }
        Path file = dir.resolve("vocab.gguf");
        w.write(file);
        try (GgufFile g = GgufFile.open(file)) {
            return Tokenizer.fromGguf(g.metadata());
        }
    }

    @Test
    void ggufMergesApplyByRank() {
        Tokenizer t = gguf("gpt-2", null, true);
        assertThat(t.encode("abc abd", false)).containsExactly(257, ' ', 256, 'd');
    }

    @Test
    void ggufWithoutPreTokenizerKeyUsesGpt2sRuleAndAddsNoBos() {
        Tokenizer t = gguf(null, null, true);
        assertThat(((ByteLevelBpeTokenizer) t).preTokenizer().name()).isEqualTo("gpt-2");
        assertThat(t.encode("abc", true)).containsExactly(257);
    }

    @Test
    void llamaBpeAddsBosUnlessTheFileSaysOtherwise() {
        assertThat(gguf("llama-bpe", null, true).encode("abc", true)).containsExactly('x', 257);
        assertThat(gguf("llama-bpe", false, true).encode("abc", true)).containsExactly(257);
    }

    @Test
    void unknownPreTokenizerIsRefusedWithTheSupportedOnes() {
        assertThatThrownBy(() -> gguf("tekken", null, true))
                .isInstanceOf(LucidException.class)
                .hasMessageContaining("tokenizer.ggml.pre")
                .hasMessageContaining("\"tekken\"")
                .hasMessageContaining("gpt-2, gpt2, mpt");
    }

    @Test
    void missingMergesAreRefused() {
        assertThatThrownBy(() -> gguf("gpt-2", null, false))
                .isInstanceOf(LucidException.class).hasMessageContaining("tokenizer.ggml.merges");
    }

    /** A Llama-3-shaped tokenizer.json: Split regex, ByteLevel without regex, NFC, BOS/EOS template, array merges. */
    private Path tokenizerJson(boolean ignoreMerges) throws IOException {
        ObjectMapper json = new ObjectMapper();
        ObjectNode root = json.createObjectNode();
        ObjectNode model = root.putObject("model");
        model.put("type", "BPE").put("ignore_merges", ignoreMerges);
        ObjectNode vocab = model.putObject("vocab");
        List<String> tokens = tokens();
        for (int id = 0; id < tokens.size(); id++) {
            vocab.put(tokens.get(id), id);
        }
        vocab.put("bc", 258);
        ArrayNode merges = model.putArray("merges");
        merges.addArray().add("a").add("b");
        merges.addArray().add("b").add("c");
        ArrayNode added = root.putArray("added_tokens");
        added.addObject().put("id", 300).put("content", "<s>").put("special", true);
        added.addObject().put("id", 301).put("content", "</s>").put("special", true);
        added.addObject().put("id", 302).put("content", "@@").put("special", false);
        root.putObject("normalizer").put("type", "NFC");
        ObjectNode pre = root.putObject("pre_tokenizer").put("type", "Sequence");
        ArrayNode steps = pre.putArray("pretokenizers");
        steps.addObject().put("type", "Split").put("behavior", "Isolated").put("invert", false)
                .putObject("pattern").put("Regex", "\\p{L}+|\\s+|[^\\s\\p{L}]+");
        steps.addObject().put("type", "ByteLevel").put("add_prefix_space", false).put("use_regex", false);
        ObjectNode post = root.putObject("post_processor").put("type", "TemplateProcessing");
        ArrayNode single = post.putArray("single");
        single.addObject().putObject("SpecialToken").put("id", "<s>");
        single.addObject().putObject("Sequence").put("id", "A");
        single.addObject().putObject("SpecialToken").put("id", "</s>");
        Path file = dir.resolve("tokenizer.json");
        Files.writeString(file, json.writeValueAsString(root));
        return file;
    }

    @Test
    void tokenizerJsonReadsSplitRulesTemplateAndAddedTokens() throws IOException {
        Tokenizer t = Tokenizers.fromHuggingFace(tokenizerJson(false));
        // "abc": "a b" (rank 0) first, then "ab"+"c" has no rule: ab, c.
        assertThat(t.encode("abc", true)).containsExactly(300, 256, 'c', 301);
        assertThat(t.encode("x@@y", false)).containsExactly('x', 302, 'y');
        assertThat(t.encode("<s>", false)).doesNotContain(300);
        assertThat(t.encode("<s>", false, true)).containsExactly(300);
    }

    @Test
    void tokenizerJsonIgnoreMergesTakesAWholeTokenFirst() throws IOException {
        // The merges reach only "ab" + "c"; with ignore_merges the pre-token "abc", itself a token, is taken whole.
        Tokenizer t = Tokenizers.fromHuggingFace(tokenizerJson(true));
        assertThat(t.encode("abc", false)).containsExactly(257);
        assertThat(Tokenizers.fromHuggingFace(tokenizerJson(false)).encode("abc", false)).containsExactly(256, 'c');
    }

    @Test
    void tokenizerJsonNfcNormalizerComposesAccents() throws IOException {
        Tokenizer t = Tokenizers.fromHuggingFace(tokenizerJson(false));
        // "e" + combining acute becomes "é", whose UTF-8 bytes are C3 A9.
        assertThat(t.encode("e\u0301", false)).containsExactly(0xC3, 0xA9);
    }

    @Test
    void vocabAndMergesFilesSkipTheVersionLine() throws IOException {
        Path vocab = dir.resolve("vocab.json");
        Path merges = dir.resolve("merges.txt");
        ObjectNode v = new ObjectMapper().createObjectNode();
        List<String> tokens = tokens();
        for (int id = 0; id < tokens.size(); id++) {
            v.put(tokens.get(id), id);
        }
        Files.writeString(vocab, v.toString());
        Files.writeString(merges, "#version: 0.2\na b\nab c\n");
        Tokenizer t = Tokenizers.fromVocabAndMerges(vocab, merges, "gpt2", Map.of("<|endoftext|>", 258));
        assertThat(t.encode("abc<|endoftext|>", false, true)).containsExactly(257, 258);
    }
}
