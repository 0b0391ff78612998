package lucid.tokenizer;

import lucid.SharedAssets;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/** Byte-level BPE loses nothing: decode(encode(text)) is the text, also when decoded token by token. */
class ByteLevelRoundTripTest {
    private static final List<String> TEXTS = List.of(
            "话说天下大势，分久必合，合久必分。周末七国分争，并入于秦。",
            "emoji 😀🤖🎉 family 👨‍👩‍👧‍👦 flags 🇯🇵🇫🇷 skin 👋🏽 end",
            "  two\t\ttabs\n\n\nthree newlines \r\n crlf   trailing   ",
            "\u3000ideographic space\u00A0nbsp\u2003em space\u0085nel",
            "def f(x):\n    return {'a': [1, 2, 3], \"b\": x ** 2}  # comment\n\tif x >= 0 && y != 1 { z++; }",
            "Ünïcödé, русский, ελληνικά, العربية, हिन्दी, ស្វាគមន៍, 한국어, 日本語のテキスト",
            "numbers 1234567890 ½ ² ٣ 3.14159 -42 1e10",
            "contractions: I'm, you're, he'll, we've, it's, THEY'D, O'Neil's",
            "control \u0000\u0001\u001F\u007F and BOM \uFEFF and replacement \uFFFD",
            "<|endoftext|> <s> </s> <|im_start|> look like special tokens but are text",
            " ".repeat(300) + "x" + "\n".repeat(100));

    static Stream<String> vocabularies() {
        return Stream.of("gpt2", "llama3", "qwen2", "o200k_base", "deepseek-llm", "deepseek-coder", "falcon", "mpt",
                "starcoder", "refact");
    }

    static Tokenizer named(String name) {
        return switch (name) {
            case "gpt2" -> TestTokenizers.gpt2();
            case "llama3" -> TestTokenizers.llama3();
            case "qwen2" -> TestTokenizers.qwen2();
            case "o200k_base" -> TestTokenizers.tiktoken(name);
            default -> TestTokenizers.tokenizer("tokenizers/llamacpp-vocab/ggml-vocab-" + name + ".gguf");
        };
    }

    @ParameterizedTest
    @MethodSource("vocabularies")
    void decodeOfEncodeReturnsTheText(String vocabulary) {
        Tokenizer tokenizer = named(vocabulary);
        for (String text : TEXTS) {
            assertThat(tokenizer.decode(tokenizer.encode(text, false))).as(text).isEqualTo(text);
        }
    }

    @ParameterizedTest
    @MethodSource("vocabularies")
    void tokenByTokenDecodingGivesTheSameTextWithoutBrokenCharacters(String vocabulary) {
        Tokenizer tokenizer = named(vocabulary);
        for (String text : TEXTS) {
            Utf8StreamDecoder stream = new Utf8StreamDecoder(tokenizer, true);
            StringBuilder out = new StringBuilder();
            for (int id : tokenizer.encode(text, false)) {
                String piece = stream.feed(id);
                if (!text.contains("\uFFFD")) {
                    assertThat(piece).doesNotContain("\uFFFD");
                }
                out.append(piece);
            }
            out.append(stream.flush());
            assertThat(out.toString()).isEqualTo(text);
        }
    }

    @Test
    void aChineseChapterStreamsBackExactlyWithGpt2sByteTokens() throws IOException {
        String text = Files.readString(SharedAssets.path("text/sanguoyanyi-zh.txt"), StandardCharsets.UTF_8).substring(0, 20_000);
        for (String name : List.of("gpt2", "llama3")) {
            Tokenizer tokenizer = named(name);
            int[] ids = tokenizer.encode(text, false);
            Utf8StreamDecoder stream = new Utf8StreamDecoder(tokenizer, true);
            StringBuilder out = new StringBuilder();
            int heldBack = 0;
            for (int id : ids) {
                String piece = stream.feed(id);
                heldBack += piece.isEmpty() ? 1 : 0;
                out.append(piece);
            }
            out.append(stream.flush());
            assertThat(out.toString()).isEqualTo(text);
            if (name.equals("gpt2")) {
                assertThat(heldBack).as("GPT-2 spells most Chinese characters with 2-3 byte tokens").isPositive();
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"a\uD800b", "\uDC00", "x\uD83D"})
    void unpairedSurrogatesEncodeAsReplacementCharacters(String broken) {
        Tokenizer gpt2 = TestTokenizers.gpt2();
        assertThat(gpt2.decode(gpt2.encode(broken, false))).isEqualTo(broken.replaceAll("[\\uD800-\\uDFFF]", "\uFFFD"));
    }

    @Test
    void emptyTextGivesNoTokensButBosWhenAsked() {
        assertThat(TestTokenizers.gpt2().encode("", true)).isEmpty();
        assertThat(TestTokenizers.llama3().encode("", true)).containsExactly(128000);
        assertThat(TestTokenizers.llama3().encode("", false)).isEmpty();
    }

    @Test
    void pieceShowsTheBytesOfATokenAndTheNameOfAControlToken() {
        Tokenizer gpt2 = TestTokenizers.gpt2();
        assertThat(gpt2.vocabulary().text(995)).isEqualTo("Ġworld");
        assertThat(gpt2.piece(995)).isEqualTo(" world");
        assertThat(gpt2.piece(198)).isEqualTo("\n");
        assertThat(gpt2.pieceBytes(gpt2.vocabulary().id("Ã"))).containsExactly(0xC3);
        Tokenizer llama3 = TestTokenizers.llama3();
        assertThat(llama3.piece(128009)).isEqualTo("<|eot_id|>");
        assertThat(llama3.textBytes(128009)).isEmpty();
    }
}
