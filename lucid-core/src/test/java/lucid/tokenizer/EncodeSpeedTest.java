package lucid.tokenizer;

import lucid.SharedAssets;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.Arrays;

import static org.assertj.core.api.Assertions.assertThat;

/** Encodes a megabyte of War and Peace with the 32000-token vocabulary and prints the speed (no timing asserts). */
class EncodeSpeedTest {

    @Test
    void encodesAMegabyteOfProseAndDecodesItBack() throws IOException {
        byte[] all = Files.readAllBytes(SharedAssets.path("text/war-and-peace.txt"));
        int end = 1 << 20;
        while ((all[end] & 0xC0) == 0x80) {
            end--; // do not cut a character in two
        }
        String text = new String(Arrays.copyOf(all, end), StandardCharsets.UTF_8);
        Tokenizer tokenizer = TestTokenizers.llamaSpm();

        int[] ids = null;
        for (int run = 1; run <= 3; run++) {
            long t0 = System.nanoTime();
            ids = tokenizer.encode(text, true);
            double seconds = (System.nanoTime() - t0) / 1e9;
            System.out.printf("encode run %d: %d bytes -> %d tokens in %.3f s = %.2f MB/s%n",
                    run, end, ids.length, seconds, end / 1e6 / seconds);
        }
        assertThat(tokenizer.decode(ids)).isEqualTo(text);
    }
}
