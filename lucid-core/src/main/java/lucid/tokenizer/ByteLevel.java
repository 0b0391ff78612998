package lucid.tokenizer;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * GPT-2's byte-level alphabet: every byte value has one printable character, so any byte string
 * can be written as text. Printable Latin-1 bytes ({@code !..~}, {@code ¡..¬}, {@code ®..ÿ}) stand
 * for themselves; the other 68 (controls, space, DEL, NBSP, soft hyphen) become U+0100, U+0101, ...
 * in byte order, so a space is {@code Ġ} and a newline {@code Ċ}. Byte-level vocabularies
 * (vocab.json, GGUF {@code gpt2}) store their tokens in this form.
 */
final class ByteLevel {
    /** (bytes) The character for each byte value. */
    private static final char[] CHAR_OF_BYTE = new char[256];
    /** (chars U+0000..U+0143) The byte each character stands for, or -1. */
    private static final int[] BYTE_OF_CHAR = new int[0x144];

    static {
        java.util.Arrays.fill(BYTE_OF_CHAR, -1);
        int next = 0x100;
        for (int b = 0; b < 256; b++) {
            boolean printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
            char c = printable ? (char) b : (char) next++;
            CHAR_OF_BYTE[b] = c;
            BYTE_OF_CHAR[c] = b;
        }
    }

    private ByteLevel() {}

    static char charOf(int b) {
        return CHAR_OF_BYTE[b & 0xFF];
    }

    /** The byte {@code c} stands for, or -1 when it is not in the alphabet. */
    static int byteOf(char c) {
        return c < BYTE_OF_CHAR.length ? BYTE_OF_CHAR[c] : -1;
    }

    /** The bytes written in the alphabet: one character per byte. */
    static String encode(byte[] bytes, int from, int to) {
        char[] chars = new char[to - from];
        for (int i = from; i < to; i++) {
            chars[i - from] = CHAR_OF_BYTE[bytes[i] & 0xFF];
        }
        return new String(chars);
    }

    static String encode(byte[] bytes) {
        return encode(bytes, 0, bytes.length);
    }

    /** The bytes a token text stands for, or null if a character is outside the alphabet. */
    static byte[] decode(String text) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(text.length());
        for (int i = 0; i < text.length(); i++) {
            int b = byteOf(text.charAt(i));
            if (b < 0) {
                return null;
            }
            out.write(b);
        }
        return out.toByteArray();
    }

    /** The token text's bytes: decoded from the alphabet, or its UTF-8 when it is not in that form. */
    static byte[] decodeOrUtf8(String text) {
        byte[] bytes = decode(text);
        return bytes != null ? bytes : text.getBytes(StandardCharsets.UTF_8);
    }
}
