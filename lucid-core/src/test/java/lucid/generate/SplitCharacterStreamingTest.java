package lucid.generate;

import lucid.gguf.GgufFile;
import lucid.model.Model;
import lucid.sampling.SamplerSettings;
import lucid.tensor.WorkerPool;
import lucid.tokenizer.SplitCharacterModels;
import lucid.tokenizer.SplitCharacterModels.Kind;
import lucid.tokenizer.Tokenizer;
import lucid.tokenizer.Utf8StreamDecoder;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Generation whose tokens split characters (see {@link SplitCharacterModels}), streamed through
 * {@link Utf8StreamDecoder} as the CLI, the chat and the server do: every piece is whole
 * characters, and the pieces joined are the text the tokens decode to.
 */
class SplitCharacterStreamingTest {

    @ParameterizedTest
    @EnumSource(Kind.class)
    void streamedPiecesAreWholeCharactersAndJoinToTheDecodedText(Kind kind) {
        try (Model model = Model.load(SplitCharacterModels.path(kind), GgufFile.Loading.READ); WorkerPool pool = new WorkerPool(1)) {
            Tokenizer tokenizer = model.tokenizer();
            Session session = model.newSession(64, pool);
            Utf8StreamDecoder decoder = new Utf8StreamDecoder(tokenizer, true);
            List<String> pieces = new ArrayList<>();
            GenerationResult result = Generator.generate(session, new int[] {tokenizer.vocabulary().bosId()}, -1,
                    SamplerSettings.greedy().toChain(model.config().vocabularySize()), model::isEndOfGeneration,
                    token -> pieces.add(decoder.feed(token)));
            pieces.add(decoder.flush());

            int[] generated = result.generated();
            // BOS leads to the chat anchor, which leads to the planted text and EOS
            assertThat(generated[0]).isEqualTo(tokenizer.vocabulary().id(SplitCharacterModels.ANCHOR));
            assertThat(java.util.Arrays.copyOfRange(generated, 1, generated.length)).containsExactly(SplitCharacterModels.continuation(kind));
            assertThat(result.stopReason()).isEqualTo(StopReason.END_OF_SEQUENCE);
            // the tokens do split characters: decoded one by one they give U+FFFD
            assertThat(SplitCharacterModels.naiveDecode(tokenizer, generated)).contains("\uFFFD");

            assertThat(pieces).allSatisfy(p -> assertThat(SplitCharacterModels.wholeCharacters(p)).as("piece \"%s\"", p).isTrue());
            assertThat(pieces).filteredOn(String::isEmpty).as("tokens that only start a character").isNotEmpty();
            assertThat(String.join("", pieces)).isEqualTo(tokenizer.decode(generated)).isEqualTo(SplitCharacterModels.TEXT);
        }
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void piecesOfCharactersAreShownAsTheirBytes(Kind kind) {
        try (Model model = Model.load(SplitCharacterModels.path(kind), GgufFile.Loading.READ)) {
            Tokenizer tokenizer = model.tokenizer();
            StringBuilder shown = new StringBuilder();
            for (int id : SplitCharacterModels.continuation(kind)) {
                String display = tokenizer.displayPiece(id);
                assertThat(SplitCharacterModels.wholeCharacters(display)).as("token %d shown as \"%s\"", id, display).isTrue();
                shown.append(display).append('|');
            }
            assertThat(shown.toString()).isEqualTo(switch (kind) {
                case SENTENCE_PIECE -> "人|<0xE5>|<0xB7>|<0xA5>|<0xE6>|<0x99>|<0xBA>|<0xE8>|<0x83>|<0xBD>|是|<0xE4>|<0xB8>|<0x80>|个|"
                        + "<0xE9>|<0x87>|<0x8D>|要|<0xE7>|<0x9A>|<0x84>|<0xF0>|<0x9F>|<0xA4>|<0x96>|。|</s>|";
                case BYTE_LEVEL -> "<0xE4><0xBA>|<0xBA><0xE5>|<0xB7>|<0xA5>|<0xE6><0x99>|<0xBA><0xE8>|<0x83><0xBD>|是|<0xE4>|<0xB8><0x80>|个|"
                        + "<0xE9>|<0x87><0x8D><0xE8>|<0xA6><0x81>|的<0xF0>|<0x9F><0xA4>|<0x96>|。|<|end_of_text|>|";
            });
        }
    }
}
