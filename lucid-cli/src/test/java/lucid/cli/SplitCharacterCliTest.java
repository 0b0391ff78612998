package lucid.cli;

import lucid.tokenizer.SplitCharacterModels;
import lucid.tokenizer.SplitCharacterModels.Kind;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What the commands print when the generated tokens split characters ({@link SplitCharacterModels}):
 * everything written to the terminal up to each flush is whole characters, never U+FFFD.
 */
class SplitCharacterCliTest {

    /** stdout cut where it was flushed: what a terminal had to show at each moment. */
    private static final class FlushedOutput extends ByteArrayOutputStream {
        private final List<Integer> flushedAt = new ArrayList<>(List.of(0));

        @Override
        public synchronized void flush() {
            if (size() > flushedAt.getLast()) {
                flushedAt.add(size());
            }
        }

        /** The bytes written between one flush and the next, each strictly decoded as UTF-8. */
        List<String> segments() {
            byte[] all = toByteArray();
            List<String> segments = new ArrayList<>();
            for (int i = 1; i < flushedAt.size(); i++) {
                segments.add(strictUtf8(Arrays.copyOfRange(all, flushedAt.get(i - 1), flushedAt.get(i))));
            }
            return segments;
        }
    }

    private static String strictUtf8(byte[] bytes) {
        try {
            return StandardCharsets.UTF_8.newDecoder().decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            throw new AssertionError("flushed bytes that are not whole UTF-8 characters: " + java.util.HexFormat.ofDelimiter(" ").formatHex(bytes));
        }
    }

    private static String model(Kind kind) {
        return SplitCharacterModels.path(kind).toString();
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void runFlushesOnlyWholeCharacters(Kind kind) {
        FlushedOutput out = new FlushedOutput();
        CliRun run = CliRun.withInput("", out, "run", "-m", model(kind), "--temp", "0", "-t", "1");
        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.err()).contains("stopped: end of sequence");
        List<String> segments = out.segments();
        assertThat(segments).allSatisfy(s -> assertThat(SplitCharacterModels.wholeCharacters(s)).as("flushed \"%s\"", s).isTrue());
        assertThat(segments.size()).as("flushes while generating").isGreaterThan(5);
        assertThat(String.join("", segments)).isEqualTo(run.out()).isEqualTo(SplitCharacterModels.TEXT);
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void chatFlushesOnlyWholeCharacters(Kind kind) {
        FlushedOutput out = new FlushedOutput();
        CliRun run = CliRun.withInput("你好\n", out, "chat", "-m", model(kind), "--temp", "0", "-t", "1");
        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.err()).contains("chat template: the model's tokenizer.chat_template");
        List<String> segments = out.segments();
        assertThat(segments).allSatisfy(s -> assertThat(SplitCharacterModels.wholeCharacters(s)).as("flushed \"%s\"", s).isTrue());
        assertThat(String.join("", segments)).isEqualTo(run.out()).isEqualTo("> 你好\n" + SplitCharacterModels.TEXT + "\n\n> \n");
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void explainShowsPiecesOfCharactersAsTheirBytes(Kind kind) {
        CliRun explain = CliRun.of("explain", "-m", model(kind), "-n", "40", "-t", "1");
        assertThat(explain.exitCode()).as(explain.err()).isZero();
        String[] lines = explain.out().split("\n");
        assertThat(lines).allSatisfy(l -> assertThat(SplitCharacterModels.wholeCharacters(l)).as(l).isTrue());
        // from BOS: the anchor, the planted tokens, EOS; each row shows the chosen token in brackets
        int[] continuation = SplitCharacterModels.continuation(kind);
        assertThat(lines).hasSize(2 + continuation.length);
        assertThat(lines[1]).contains("[\"" + SplitCharacterModels.ANCHOR + "\"");
        for (int i = 0; i < continuation.length; i++) {
            String row = lines[2 + i];
            assertThat(row).startsWith((i + 2) + " ");
            String chosen = row.substring(row.indexOf("[\"") + 2, row.indexOf("\" ", row.indexOf("[\"")));
            assertThat(chosen).as(row).isEqualTo(switch (kind) {
                case SENTENCE_PIECE -> List.of("人", "<0xE5>", "<0xB7>", "<0xA5>", "<0xE6>", "<0x99>", "<0xBA>", "<0xE8>", "<0x83>", "<0xBD>",
                        "是", "<0xE4>", "<0xB8>", "<0x80>", "个", "<0xE9>", "<0x87>", "<0x8D>", "要", "<0xE7>", "<0x9A>", "<0x84>",
                        "<0xF0>", "<0x9F>", "<0xA4>", "<0x96>", "。", "</s>").get(i);
                case BYTE_LEVEL -> List.of("<0xE4><0xBA>", "<0xBA><0xE5>", "<0xB7>", "<0xA5>", "<0xE6><0x99>", "<0xBA><0xE8>", "<0x83><0xBD>",
                        "是", "<0xE4>", "<0xB8><0x80>", "个", "<0xE9>", "<0x87><0x8D><0xE8>", "<0xA6><0x81>", "的<0xF0>", "<0x9F><0xA4>",
                        "<0x96>", "。", "<|end_of_text|>").get(i);
            });
        }
        // the text so far takes each character once its last byte has come
        List<String> textSoFar = Arrays.stream(lines).skip(1).map(l -> l.split(" \\| ")[1].strip()).toList();
        assertThat(textSoFar).allSatisfy(t -> assertThat(SplitCharacterModels.TEXT).startsWith(t));
        assertThat(textSoFar.getLast()).isEqualTo(SplitCharacterModels.TEXT);
        // steps 3 and 4 follow the first token of the text and the second
        assertThat(textSoFar.subList(2, 4)).isEqualTo(kind == Kind.SENTENCE_PIECE ? List.of("人", "人") : List.of("", "人"));
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void tokenizePiecesShowsPiecesOfCharactersAsTheirBytes(Kind kind) {
        CliRun run = CliRun.of("tokenize", "-m", model(kind), "--pieces", SplitCharacterModels.TEXT);
        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.out().lines()).allSatisfy(l -> assertThat(SplitCharacterModels.wholeCharacters(l)).as(l).isTrue());
        assertThat(run.out()).contains("<0xE5>");
    }
}
