package lucid.tokenizer;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/** Streaming detokenization: whole characters only, nothing lost. */
class Utf8StreamDecoderTest {
    private final Tokenizer stories = TestTokenizers.stories260K();

    @Test
    void chineseAndEmojiComeOutWholeWhenFedOneByteTokenAtATime() {
        String text = "人工智能是一个重要的 🤖🎉 ok";
        int[] ids = stories.encode(text, true);
        assertThat(ids).as("the 512-token vocabulary spells these with byte tokens")
                .contains(stories.vocabulary().id("<0xE4>"), stories.vocabulary().id("<0xF0>"));

        Utf8StreamDecoder stream = new Utf8StreamDecoder(stories, true);
        List<String> outputs = new ArrayList<>();
        for (int id : ids) {
            outputs.add(stream.feed(id));
        }
        outputs.add(stream.flush());

        assertThat(String.join("", outputs)).isEqualTo(text);
        assertThat(outputs).allSatisfy(out -> {
            assertThat(out).doesNotContain("\uFFFD");
            assertThat(hasUnpairedSurrogate(out)).as("partial emoji in %s", out).isFalse();
        });
        assertThat(outputs).contains("人", "🤖", "🎉");
    }

    @Test
    void aSplitCharacterIsHeldUntilItsLastByte() {
        Vocabulary vocab = stories.vocabulary();
        Utf8StreamDecoder stream = new Utf8StreamDecoder(stories, false);
        assertThat(stream.feed(vocab.id("<0xE4>"))).isEmpty();
        assertThat(stream.feed(vocab.id("<0xBA>"))).isEmpty();
        assertThat(stream.feed(vocab.id("<0xBA>"))).isEqualTo("人");
        assertThat(stream.flush()).isEmpty();
    }

    @Test
    void bytesThatCannotFormACharacterBecomeReplacementCharacters() {
        Vocabulary vocab = stories.vocabulary();
        Utf8StreamDecoder stream = new Utf8StreamDecoder(stories, false);
        assertThat(stream.feed(vocab.id("<0xE4>"))).isEmpty();
        assertThat(stream.feed(vocab.id("<0x41>"))).isEqualTo("\uFFFDA");
        assertThat(stream.feed(vocab.id("<0xBA>"))).isEqualTo("\uFFFD");
        assertThat(stream.feed(vocab.id("<0xF0>"))).isEmpty();
        assertThat(stream.flush()).as("an unfinished character at the end").isEqualTo("\uFFFD");
    }

    @Test
    void continuingAPromptKeepsTheLeadingSpace() {
        int[] ids = stories.encode("Once upon", false);
        StringBuilder continued = new StringBuilder();
        StringBuilder fromStart = new StringBuilder();
        Utf8StreamDecoder a = new Utf8StreamDecoder(stories, false);
        Utf8StreamDecoder b = new Utf8StreamDecoder(stories, true);
        for (int id : ids) {
            continued.append(a.feed(id));
            fromStart.append(b.feed(id));
        }
        assertThat(continued.toString()).isEqualTo(" Once upon");
        assertThat(fromStart.toString()).isEqualTo("Once upon");
    }

    @Test
    void streamingAnySequenceGivesTheSameTextAsDecode() {
        Random random = new Random(42);
        int n = stories.vocabulary().size();
        for (int round = 0; round < 500; round++) {
            int[] ids = random.ints(random.nextInt(1, 30), 0, n).toArray();
            Utf8StreamDecoder stream = new Utf8StreamDecoder(stories, true);
            StringBuilder text = new StringBuilder();
            for (int id : ids) {
                text.append(stream.feed(id));
            }
            text.append(stream.flush());
            assertThat(text.toString()).isEqualTo(stories.decode(ids));
        }
    }

    @Test
    void bytesThatAreNotWholeCharactersAreShownByValue() {
        assertThat(Utf8StreamDecoder.escapeBrokenCharacters(bytes(0xE4, 0xBA, 0xBA, 0x20, 0x41))).isEqualTo("人 A");
        assertThat(Utf8StreamDecoder.escapeBrokenCharacters(bytes(0xE6, 0x99))).isEqualTo("<0xE6><0x99>");
        assertThat(Utf8StreamDecoder.escapeBrokenCharacters(bytes(0xBA, 0xE8, 0x83))).isEqualTo("<0xBA><0xE8><0x83>");
        assertThat(Utf8StreamDecoder.escapeBrokenCharacters(bytes(0xE7, 0x9A, 0x84, 0xF0))).isEqualTo("的<0xF0>");
        assertThat(Utf8StreamDecoder.escapeBrokenCharacters(bytes(0xF0, 0x9F, 0xA4, 0x96))).isEqualTo("🤖");
        // never valid: FF, an overlong NUL, an encoded surrogate
        assertThat(Utf8StreamDecoder.escapeBrokenCharacters(bytes(0xFF, 0xC0, 0x80, 0xED, 0xA0, 0x80)))
                .isEqualTo("<0xFF><0xC0><0x80><0xED><0xA0><0x80>");
        assertThat(Utf8StreamDecoder.escapeBrokenCharacters(new byte[0])).isEmpty();
    }

    @Test
    void byteTokensAreShownByNameAndOtherPiecesAsText() {
        Vocabulary vocab = stories.vocabulary();
        assertThat(stories.displayPiece(vocab.id("<0xE4>"))).isEqualTo("<0xE4>");
        assertThat(stories.displayPiece(vocab.id("<0x0A>"))).isEqualTo("<0x0A>");
        assertThat(stories.displayPiece(vocab.id("▁Once"))).isEqualTo(" Once");
        assertThat(stories.displayPiece(vocab.bosId())).isEqualTo("<s>");
    }

    private static byte[] bytes(int... values) {
        byte[] b = new byte[values.length];
        for (int i = 0; i < b.length; i++) {
            b[i] = (byte) values[i];
        }
        return b;
    }

    private static boolean hasUnpairedSurrogate(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                i++;
            } else if (Character.isSurrogate(c)) {
                return true;
            }
        }
        return false;
    }
}
