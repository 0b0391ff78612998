package lucid.tokenizer;

import lucid.SharedAssets;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Encodes War and Peace (English, 3.2 MB) and 三国演义 (Chinese, 1.8 MB) with GPT-2 and Llama 3 and
 * prints the speed (no timing asserts: the machine is shared).
 */
class ByteLevelEncodeSpeedTest {

    @Test
    void encodesWholeNovelsAndDecodesThemBack() throws IOException {
        Map<String, Tokenizer> tokenizers = Map.of("gpt2", TestTokenizers.gpt2(), "llama3", TestTokenizers.llama3());
        for (String file : List.of("text/war-and-peace.txt", "text/sanguoyanyi-zh.txt")) {
            String text = Files.readString(SharedAssets.path(file), StandardCharsets.UTF_8);
            long bytes = text.getBytes(StandardCharsets.UTF_8).length;
            for (String name : List.of("gpt2", "llama3")) {
                Tokenizer tokenizer = tokenizers.get(name);
                int[] ids = null;
                double best = Double.MAX_VALUE;
                for (int run = 1; run <= 3; run++) {
                    long t0 = System.nanoTime();
                    ids = tokenizer.encode(text, false);
                    best = Math.min(best, (System.nanoTime() - t0) / 1e9);
                }
                System.out.printf("%s with %s: %d bytes -> %d tokens, best of 3 %.3f s = %.1f MB/s%n",
                        file, name, bytes, ids.length, best, bytes / 1e6 / best);
                assertThat(tokenizer.decode(ids)).isEqualTo(text);
            }
        }
    }
}
