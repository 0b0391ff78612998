package lucid.tokenizer;

import lucid.SharedAssets;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The fast merge (priority queue, text cut where no token can cross) against the plain
 * definition: scan all adjacent pairs, merge the best, repeat.
 */
class NaiveMergeTest {

    @Test
    void fastMergeEqualsNaiveMergeOnProseAndRandomStrings() throws IOException {
        List<String> texts = new ArrayList<>();
        String prose = Files.readString(SharedAssets.path("text/war-and-peace.txt"));
        String chinese = Files.readString(SharedAssets.path("text/sanguoyanyi-zh.txt"));
        Random random = new Random(1);
        for (int i = 0; i < 40; i++) {
            int at = random.nextInt(prose.length() - 600);
            texts.add(prose.substring(at, at + random.nextInt(1, 600)));
            at = random.nextInt(chinese.length() - 200);
            texts.add(chinese.substring(at, at + random.nextInt(1, 200)));
        }
        int[] alphabet = "  \n\tabcxyz.,'<>/s0éü中文😀▁".codePoints().toArray();
        for (int i = 0; i < 500; i++) {
            int[] codePoints = random.ints(random.nextInt(0, 25), 0, alphabet.length).map(k -> alphabet[k]).toArray();
            texts.add(new String(codePoints, 0, codePoints.length));
        }
        for (Tokenizer tokenizer : List.of(TestTokenizers.llamaSpm(), TestTokenizers.stories260K())) {
            SentencePieceTokenizer spm = (SentencePieceTokenizer) tokenizer;
            for (String text : texts) {
                assertThat(spm.encode(text, false)).as(LlamaCppTestVectorsTest.printable(text)).containsExactly(naiveEncode(spm, text));
            }
        }
    }

    private static int[] naiveEncode(SentencePieceTokenizer t, String text) {
        if (text.isEmpty()) {
            return new int[0];
        }
        String prepared = (t.vocabulary().addSpacePrefix() ? "▁" : "") + text.replace(' ', '▁');
        List<String> symbols = new ArrayList<>(prepared.codePoints().mapToObj(Character::toString).toList());
        while (true) {
            int best = -1;
            float bestScore = Float.NEGATIVE_INFINITY;
            for (int i = 0; i + 1 < symbols.size(); i++) {
                int id = t.tokenFromText(symbols.get(i) + symbols.get(i + 1));
                if (id >= 0 && (best < 0 || t.score(id) > bestScore)) {
                    best = i;
                    bestScore = t.score(id);
                }
            }
            if (best < 0) {
                break;
            }
            symbols.set(best, symbols.get(best) + symbols.remove(best + 1));
        }
        IntStream.Builder out = IntStream.builder();
        for (String symbol : symbols) {
            int id = t.tokenFromText(symbol);
            if (id >= 0) {
                out.add(id);
            } else {
                t.appendFallback(symbol, out);
            }
        }
        return out.build().toArray();
    }
}
