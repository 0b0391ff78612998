package lucid.tokenizer;

import lucid.gguf.GgufArray;
import lucid.gguf.GgufValueType;
import lucid.gguf.GgufWriter;
import lucid.model.SyntheticArchitectures;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Two small random-weight models whose greedy continuation is planted
 * ({@link SyntheticArchitectures.Planted}) to split characters across tokens, one per kind of
 * vocabulary Lucid reads. From BOS, or from {@link #ANCHOR} (the end of their chat template's
 * generation prompt), both generate {@link #ANCHOR}'s successors: the tokens of {@link #TEXT},
 * then EOS.
 * <ul>
 *   <li>{@link Kind#SENTENCE_PIECE}: whole-character pieces (人, 是, 个, 要, 。) between characters
 *       spelled in byte-fallback tokens ({@code <0xE5><0xB7><0xA5>} = 工), and the 4-byte emoji 🤖
 *       in four byte tokens;</li>
 *   <li>{@link Kind#BYTE_LEVEL}: GPT-2 byte-level tokens that cut through characters: the first two
 *       bytes of 人, then its last byte with the first of 工; the first two bytes of 智, then its
 *       last byte with the first of 能; the whole 的 with the first byte of 🤖...</li>
 * </ul>
 * A planted token leads to the same next token wherever it stands, so no token repeats on the
 * path: 人 (E4 BA BA) is one piece in the SentencePiece model, and the characters spelled in byte
 * tokens there share no byte.
 */
public final class SplitCharacterModels {
    private SplitCharacterModels() {}

    /** The planted text. */
    public static final String TEXT = "人工智能是一个重要的🤖。";
    /** A control token that leads to the planted text: the chat template ends with it. */
    public static final String ANCHOR = "<|assistant|>";
    /** "role: content" lines, then {@link #ANCHOR}. */
    public static final String CHAT_TEMPLATE = "{% for message in messages %}{{ message['role'] }}: {{ message['content'] }}\n"
            + "{% endfor %}{% if add_generation_prompt %}" + ANCHOR + "{% endif %}";

    public enum Kind { SENTENCE_PIECE, BYTE_LEVEL }

    private static final int VOCABULARY = 320;
    private static final long SEED = 7;

    /** The SentencePiece tokens of {@link #TEXT}: pieces and byte-fallback tokens. */
    private static final List<String> PIECES = List.of(
            "人",
            "<0xE5>", "<0xB7>", "<0xA5>",   // 工
            "<0xE6>", "<0x99>", "<0xBA>",   // 智
            "<0xE8>", "<0x83>", "<0xBD>",   // 能
            "是",
            "<0xE4>", "<0xB8>", "<0x80>",   // 一
            "个",
            "<0xE9>", "<0x87>", "<0x8D>",   // 重
            "要",
            "<0xE7>", "<0x9A>", "<0x84>",   // 的
            "<0xF0>", "<0x9F>", "<0xA4>", "<0x96>", // 🤖
            "。");

    /** The byte-level tokens of {@link #TEXT}, as hex bytes. */
    private static final List<String> BYTE_RUNS = List.of(
            "E4 BA",        // 人 = E4 BA BA
            "BA E5",        // ... and 工 = E5 B7 A5
            "B7",
            "A5",
            "E6 99",        // 智 = E6 99 BA
            "BA E8",        // ... and 能 = E8 83 BD
            "83 BD",
            "E6 98 AF",     // 是, whole
            "E4",           // 一 = E4 B8 80
            "B8 80",
            "E4 B8 AA",     // 个, whole
            "E9",           // 重 = E9 87 8D
            "87 8D E8",     // ... and 要 = E8 A6 81
            "A6 81",
            "E7 9A 84 F0",  // 的, whole, and 🤖 = F0 9F A4 96
            "9F A4",
            "96",
            "E3 80 82");    // 。

    private static final Map<Kind, Path> WRITTEN = new EnumMap<>(Kind.class);
    private static Path folder;

    /** The model of {@code kind}, written on first use into a temporary folder. */
    public static synchronized Path path(Kind kind) {
        Path file = WRITTEN.get(kind);
        if (file == null) {
            try {
                if (folder == null) {
                    folder = Files.createTempDirectory("lucid-split-characters");
                    folder.toFile().deleteOnExit();
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            file = write(folder.resolve(kind.name().toLowerCase(java.util.Locale.ROOT) + ".gguf"), kind);
            file.toFile().deleteOnExit();
            WRITTEN.put(kind, file);
        }
        return file;
    }

    /** Writes the model of {@code kind} to {@code file}. */
    public static Path write(Path file, Kind kind) {
        Layout layout = kind == Kind.SENTENCE_PIECE ? sentencePiece() : byteLevel();
        // an untied head: output row s(t) is planted along t's embedding
        var spec = kind == Kind.SENTENCE_PIECE
                ? new SyntheticArchitectures.Spec("split-spm", "llama", 64, 2, 4, 2, 16, 128, VOCABULARY, 256, 16, false, false, false)
                : new SyntheticArchitectures.Spec("split-bytes", "qwen2", 64, 2, 4, 2, 16, 128, VOCABULARY, 256, 16, false, false, true);
        return SyntheticArchitectures.write(file, spec, SEED, new SyntheticArchitectures.Planted(layout::write, layout.path()));
    }

    /** The tokens generated after {@link #ANCHOR} (or after BOS, which leads to the anchor first): TEXT's tokens, then EOS. */
    public static int[] continuation(Kind kind) {
        int[] path = (kind == Kind.SENTENCE_PIECE ? sentencePiece() : byteLevel()).path();
        return Arrays.copyOfRange(path, 1, path.length);
    }

    /** Whether {@code text} is whole characters: no U+FFFD and no lone surrogate. */
    public static boolean wholeCharacters(String text) {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '\uFFFD') {
                return false;
            }
            if (Character.isHighSurrogate(c)) {
                if (i + 1 == text.length() || !Character.isLowSurrogate(text.charAt(i + 1))) {
                    return false;
                }
                i++;
            } else if (Character.isLowSurrogate(c)) {
                return false;
            }
        }
        return true;
    }

    /** Each token decoded on its own, as a naive stream would print it (U+FFFD for every piece of a character). */
    public static String naiveDecode(Tokenizer tokenizer, int[] ids) {
        StringBuilder sb = new StringBuilder();
        for (int id : ids) {
            sb.append(new String(tokenizer.textBytes(id), StandardCharsets.UTF_8));
        }
        return sb.toString();
    }

    /** A vocabulary: token texts, types and scores, merges for byte-level ones, and the planted path. */
    private record Layout(String model, List<String> tokens, List<TokenType> types, List<String> merges, int[] path) {
        void write(GgufWriter w) {
            int n = tokens.size();
            long[] typeIds = new long[n];
            float[] scores = new float[n];
            for (int i = 0; i < n; i++) {
                typeIds[i] = types.get(i).id;
                scores[i] = -i;
            }
            w.put("tokenizer.ggml.model", model);
            w.putArray("tokenizer.ggml.tokens", new GgufArray(GgufValueType.STRING, tokens.toArray(String[]::new)));
            w.putArray("tokenizer.ggml.token_type", new GgufArray(GgufValueType.INT32, typeIds));
            w.put("tokenizer.chat_template", CHAT_TEMPLATE);
            if (model.equals("llama")) {
                w.putArray("tokenizer.ggml.scores", new GgufArray(GgufValueType.FLOAT32, scores));
                w.putUInt32("tokenizer.ggml.unknown_token_id", 0);
                w.putUInt32("tokenizer.ggml.bos_token_id", 1);
                w.putUInt32("tokenizer.ggml.eos_token_id", 2);
            } else {
                w.put("tokenizer.ggml.pre", "qwen2");
                w.putArray("tokenizer.ggml.merges", new GgufArray(GgufValueType.STRING, merges.toArray(String[]::new)));
                w.putUInt32("tokenizer.ggml.bos_token_id", 0);
                w.putUInt32("tokenizer.ggml.eos_token_id", 1);
                w.putBool("tokenizer.ggml.add_bos_token", true);
            }
        }
    }

    /** &lt;unk&gt;, &lt;s&gt;, &lt;/s&gt;, the 256 byte tokens, the anchor, the whole pieces, then fillers. */
    private static Layout sentencePiece() {
        Map<String, TokenType> tokens = new LinkedHashMap<>();
        tokens.put("<unk>", TokenType.UNKNOWN);
        tokens.put("<s>", TokenType.CONTROL);
        tokens.put("</s>", TokenType.CONTROL);
        for (int b = 0; b < 256; b++) {
            tokens.put(String.format("<0x%02X>", b), TokenType.BYTE);
        }
        tokens.put(ANCHOR, TokenType.CONTROL);
        for (String piece : PIECES) {
            tokens.putIfAbsent(piece, TokenType.NORMAL);
        }
        List<String> planted = new ArrayList<>(List.of(ANCHOR));
        planted.addAll(PIECES);
        planted.add("</s>");
        return layout("llama", tokens, List.of(), planted);
    }

    /** BOS, EOS, the anchor, the 256 bytes in GPT-2's alphabet, the runs of the text and their prefixes, then fillers. */
    private static Layout byteLevel() {
        Map<String, TokenType> tokens = new LinkedHashMap<>();
        tokens.put("<|begin_of_text|>", TokenType.CONTROL);
        tokens.put("<|end_of_text|>", TokenType.CONTROL);
        tokens.put(ANCHOR, TokenType.CONTROL);
        for (int b = 0; b < 256; b++) {
            tokens.put(String.valueOf(ByteLevel.charOf(b)), TokenType.NORMAL);
        }
        // Each run of two or more bytes is made by merging the run without its last byte with that byte.
        List<String> merges = new ArrayList<>();
        List<String> planted = new ArrayList<>(List.of(ANCHOR));
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        for (String run : BYTE_RUNS) {
            byte[] bytes = HexFormat.ofDelimiter(" ").parseHex(run);
            all.writeBytes(bytes);
            for (int end = 2; end <= bytes.length; end++) {
                String text = ByteLevel.encode(bytes, 0, end);
                if (tokens.putIfAbsent(text, TokenType.NORMAL) == null) {
                    merges.add(ByteLevel.encode(bytes, 0, end - 1) + " " + ByteLevel.encode(bytes, end - 1, end));
                }
            }
            planted.add(ByteLevel.encode(bytes));
        }
        if (!Arrays.equals(all.toByteArray(), TEXT.getBytes(StandardCharsets.UTF_8))) {
            throw new IllegalStateException("the byte runs do not spell " + TEXT);
        }
        planted.add("<|end_of_text|>");
        return layout("gpt2", tokens, merges, planted);
    }

    private static Layout layout(String model, Map<String, TokenType> tokens, List<String> merges, List<String> planted) {
        for (int i = 0; tokens.size() < VOCABULARY; i++) {
            tokens.putIfAbsent("filler" + i, TokenType.NORMAL);
        }
        List<String> texts = List.copyOf(tokens.keySet());
        int[] path = planted.stream().mapToInt(texts::indexOf).toArray();
        return new Layout(model, texts, List.copyOf(tokens.values()), List.copyOf(merges), path);
    }
}
