package lucid.tokenizer;

import lucid.SharedAssets;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import java.io.IOException;
import java.util.List;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;

import static org.assertj.core.api.Assertions.assertThat;

/** The stories260K model's 512-token vocabulary against ids recorded from llama.cpp. */
class Stories260KTokenizerTest {
    private final Tokenizer tokenizer = TestTokenizers.stories260K();

    @TestFactory
    Stream<DynamicTest> encodesLikeLlamaCppWithAndWithoutBos() throws IOException {
        return cases("testdata/stories260K/tokenize.json").map(c -> DynamicTest.dynamicTest(
                LlamaCppTestVectorsTest.printable(c.get("text").asText()), () -> {
                    String text = c.get("text").asText();
                    assertThat(tokenizer.encode(text, false)).containsExactly(ids(c.get("ids_no_bos")));
                    assertThat(tokenizer.encode(text, true)).containsExactly(ids(c.get("ids_with_bos")));
                }));
    }

    @TestFactory
    Stream<DynamicTest> greedyPromptsEncodeToTheirPromptIds() throws IOException {
        return cases("testdata/stories260K/greedy-prompts.json").map(c -> DynamicTest.dynamicTest(
                c.get("prompt").asText(),
                () -> assertThat(tokenizer.encode(c.get("prompt").asText(), true)).containsExactly(ids(c.get("prompt_ids")))));
    }

    @Test
    void vocabularyComesFromTheModelFile() {
        Vocabulary vocab = tokenizer.vocabulary();
        assertThat(vocab.size()).isEqualTo(512);
        assertThat(vocab.model()).isEqualTo("llama");
        assertThat(List.of(vocab.bosId(), vocab.eosId(), vocab.unknownId(), vocab.paddingId())).containsExactly(1, 2, 0, -1);
        assertThat(vocab.addBos()).isTrue();
        assertThat(vocab.addEos()).isFalse();
        assertThat(vocab.addSpacePrefix()).isTrue();
        assertThat(vocab.type(1)).isEqualTo(TokenType.CONTROL);
        assertThat(vocab.type(3)).isEqualTo(TokenType.BYTE);
        assertThat(vocab.id("<0x0A>")).isEqualTo(13);
    }

    @Test
    void chineseNeedsByteFallbackInThisSmallVocabulary() {
        int[] ids = tokenizer.encode("人", false);
        // "▁" then the three UTF-8 bytes E4 BA BA as <0xNN> tokens.
        assertThat(ids).hasSize(4);
        assertThat(tokenizer.vocabulary().text(ids[1])).isEqualTo("<0xE4>");
        assertThat(tokenizer.vocabulary().text(ids[2])).isEqualTo("<0xBA>");
        assertThat(tokenizer.vocabulary().text(ids[3])).isEqualTo("<0xBA>");
    }

    private static Stream<JsonNode> cases(String file) throws IOException {
        JsonNode root = new ObjectMapper().readTree(SharedAssets.path(file).toFile());
        return StreamSupport.stream(root.get("cases").spliterator(), false);
    }

    private static int[] ids(JsonNode array) {
        return StreamSupport.stream(array.spliterator(), false).mapToInt(JsonNode::asInt).toArray();
    }
}
