package lucid.tokenizer;

import lucid.LucidException;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The merge order and fallbacks on tiny hand-made vocabularies. */
class MergeRulesTest {

    /** A vocabulary of <unk>, <s>, </s>, then the given normal tokens with their scores. */
    private static SentencePieceTokenizer tokenizer(boolean byteTokens, boolean spacePrefix, Object... textAndScore) {
        List<String> texts = new ArrayList<>(List.of("<unk>", "<s>", "</s>"));
        List<Float> scores = new ArrayList<>(List.of(0f, 0f, 0f));
        List<TokenType> types = new ArrayList<>(List.of(TokenType.UNKNOWN, TokenType.CONTROL, TokenType.CONTROL));
        if (byteTokens) {
            for (int b = 0; b < 256; b++) {
                texts.add(String.format("<0x%02X>", b));
                scores.add(0f);
                types.add(TokenType.BYTE);
            }
        }
        for (int i = 0; i < textAndScore.length; i += 2) {
            texts.add((String) textAndScore[i]);
            scores.add(((Number) textAndScore[i + 1]).floatValue());
            types.add(TokenType.NORMAL);
        }
        float[] s = new float[scores.size()];
        for (int i = 0; i < s.length; i++) {
            s[i] = scores.get(i);
        }
        Vocabulary vocab = new Vocabulary("llama", texts, s, types.toArray(TokenType[]::new),
                new Vocabulary.Settings(1, 2, 0, -1, true, false, spacePrefix));
        return new SentencePieceTokenizer(vocab);
    }

    private static List<String> pieces(Tokenizer t, String text) {
        return Arrays.stream(t.encode(text, false)).mapToObj(t.vocabulary()::text).toList();
    }

    @Test
    void highestScoringPairMergesFirst() {
        var t = tokenizer(true, false, "a", -1, "b", -1, "c", -1, "ab", -5, "bc", -2);
        assertThat(pieces(t, "abc")).containsExactly("a", "bc");
    }

    @Test
    void leftmostPairWinsATie() {
        var t = tokenizer(true, false, "a", -1, "b", -1, "c", -1, "ab", -2, "bc", -2);
        assertThat(pieces(t, "abc")).containsExactly("ab", "c");
    }

    @Test
    void mergesBuildOnEarlierMerges() {
        var t = tokenizer(true, true, "▁", -1, "a", -1, "b", -1, "ab", -3, "▁ab", -4, "▁a", -9);
        // "ab" first (-3), then "▁" + "ab" (-4); "▁a" (-9) never gets its turn.
        assertThat(pieces(t, "ab")).containsExactly("▁ab");
    }

    @Test
    void mergingNeverProducesControlTokens() {
        var t = tokenizer(true, false, "<", -1, "s", -1, ">", -1, "<s", -1);
        // "<s" + ">" would spell the control token <s>, which text must not produce.
        assertThat(pieces(t, "<s>")).containsExactly("<s", ">");
    }

    @Test
    void charactersWithoutATokenBecomeByteTokens() {
        var t = tokenizer(true, false, "a", -1);
        assertThat(pieces(t, "aé")).containsExactly("a", "<0xC3>", "<0xA9>");
        assertThat(t.decode(t.encode("aé", false))).isEqualTo("aé");
    }

    @Test
    void withoutByteTokensEachUnknownCharacterIsOneUnknownToken() {
        var t = tokenizer(false, false, "a", -1);
        assertThat(t.encode("a😀é", false)).containsExactly(3, 0, 0);
    }

    @Test
    void withoutByteOrUnknownTokensAnUnknownCharacterIsAnError() {
        Vocabulary vocab = new Vocabulary("llama", List.of("<s>", "a"), new float[2],
                new TokenType[] {TokenType.CONTROL, TokenType.NORMAL},
                new Vocabulary.Settings(0, -1, -1, -1, true, false, false));
        Tokenizer t = new SentencePieceTokenizer(vocab);
        assertThat(t.encode("aa", true)).containsExactly(0, 1, 1);
        assertThatThrownBy(() -> t.encode("b", false))
                .isInstanceOf(LucidException.class).hasMessageContaining("U+0062");
    }
}
