package lucid.tokenizer;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * Decodes generated tokens one at a time into text that can be printed at once. A character whose
 * UTF-8 bytes are spread over several byte tokens (emoji, CJK with small vocabularies) is held
 * back until its last byte arrives; bytes that can never form a character come out as U+FFFD, so
 * nothing is lost and nothing throws. The outputs of {@link #feed} and {@link #flush}, joined,
 * equal {@link Tokenizer#decode} of the same ids when the decoder starts at the start of the text.
 *
 * {@snippet :
 * Utf8StreamDecoder stream = new Utf8StreamDecoder(tokenizer, false);
 * for (int id : generated) {
 *     System.out.print(stream.feed(id));
 * }
 * System.out.print(stream.flush());
 * }
 *
 * <p>Not thread-safe: one per generation.
 */
public final class Utf8StreamDecoder {
    /** Bytes held back: at most three of an unfinished character, plus one token's piece. */
    private ByteBuffer pending = ByteBuffer.allocate(64);
    private final CharsetDecoder utf8 = StandardCharsets.UTF_8.newDecoder()
            .onMalformedInput(CodingErrorAction.REPLACE)
            .onUnmappableCharacter(CodingErrorAction.REPLACE);
    private final Tokenizer tokenizer;
    private boolean atStartOfText;

    /**
     * @param atStartOfText true when the first id fed begins the text (after BOS, say): the
     *                      space prefix is then left out, as {@link Tokenizer#decode} does. False
     *                      when continuing a prompt that has been printed already.
     */
    public Utf8StreamDecoder(Tokenizer tokenizer, boolean atStartOfText) {
        this.tokenizer = tokenizer;
        this.atStartOfText = atStartOfText;
    }

    /** Adds one token and returns the text it completes; often empty, never a partial character. */
    public String feed(int id) {
        byte[] bytes = tokenizer.textBytes(id);
        if (atStartOfText && bytes.length > 0) {
            bytes = tokenizer.withoutSpacePrefix(bytes);
            atStartOfText = false;
        }
        if (pending.remaining() < bytes.length) {
            ByteBuffer bigger = ByteBuffer.allocate(pending.position() + bytes.length + 64);
            pending = bigger.put(pending.flip());
        }
        pending.put(bytes);
        return decode(false);
    }

    /** Ends the stream: bytes still held back (an unfinished character) come out as U+FFFD. */
    public String flush() {
        String text = decode(true);
        utf8.reset();
        return text;
    }

    /**
     * {@code bytes} as text, with each byte that is not part of a whole UTF-8 character written as
     * {@code <0xNN>} (the name SentencePiece gives byte tokens) instead of U+FFFD: for showing
     * pieces of characters, as {@link Tokenizer#displayPiece} does.
     */
    static String escapeBrokenCharacters(byte[] bytes) {
        CharsetDecoder strict = StandardCharsets.UTF_8.newDecoder(); // reports bad input instead of replacing it
        ByteBuffer in = ByteBuffer.wrap(bytes);
        CharBuffer out = CharBuffer.allocate(6 * bytes.length); // at most one escape of 6 chars per byte
        for (CoderResult r = strict.decode(in, out, true); !r.isUnderflow(); r = strict.decode(in, out, true)) {
            for (int i = 0; i < r.length(); i++) {
                out.put(String.format("<0x%02X>", in.get() & 0xFF));
            }
        }
        strict.flush(out);
        return out.flip().toString();
    }

    private String decode(boolean endOfInput) {
        pending.flip();
        CharBuffer chars = CharBuffer.allocate(pending.remaining() + 1);
        // Not at the end, the decoder leaves an unfinished character's bytes in the buffer.
        utf8.decode(pending, chars, endOfInput);
        if (endOfInput) {
            utf8.flush(chars);
        }
        pending.compact();
        return chars.flip().toString();
    }
}
