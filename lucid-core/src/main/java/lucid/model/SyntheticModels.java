package lucid.model;

import lucid.LucidException;
import lucid.gguf.GgufArray;
import lucid.gguf.GgufValueType;
import lucid.gguf.GgufWriter;
import lucid.tensor.GgmlType;
import lucid.tensor.WeightFormat;

import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.IntStream;

/**
 * Random-weight llama models of real shapes, written with Lucid's own GGUF writer, for measuring
 * speed without downloading anything (speed does not depend on the weight values). Weights are
 * uniform with the variance a trained model's have at that place (embeddings unit RMS, projections
 * 1/√fan-in, residual outputs scaled down with depth), so activations stay in a realistic range.
 */
public final class SyntheticModels {
    private SyntheticModels() {}

    /** A model shape. */
    public record Shape(String name, int dim, int layers, int heads, int kvHeads, int ffn, int vocab, int context, float ropeBase) {}

    /** The named shapes, as {@code lucid bench --synthetic NAME:TYPE} knows them. */
    public static final Map<String, Shape> SHAPES = shapes();

    private static Map<String, Shape> shapes() {
        Map<String, Shape> m = new LinkedHashMap<>();
        m.put("tiny", new Shape("tiny", 64, 2, 4, 2, 128, 320, 512, 10000f));
        m.put("small", new Shape("small", 512, 4, 8, 4, 1408, 4096, 1024, 10000f));
        m.put("llama-1b", new Shape("llama-1b", 2048, 16, 32, 8, 8192, 32000, 2048, 500000f));
        m.put("llama-7b", new Shape("llama-7b", 4096, 32, 32, 32, 11008, 32000, 4096, 10000f));
        return Map.copyOf(m);
    }

    /** Parses {@code llama-1b:q8_0} into a shape and a type, with errors that list the choices. */
    public static Map.Entry<Shape, GgmlType> parse(String spec) {
        String[] parts = spec.split(":");
        if (parts.length != 2) {
            throw new LucidException("--synthetic takes SHAPE:TYPE, e.g. llama-1b:q8_0; got \"" + spec + "\"");
        }
        Shape shape = SHAPES.get(parts[0].toLowerCase(Locale.ROOT));
        if (shape == null) {
            throw new LucidException("unknown synthetic shape \"" + parts[0] + "\"; known: " + String.join(", ", SHAPES.keySet()));
        }
        GgmlType type;
        try {
            type = GgmlType.valueOf(parts[1].toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new LucidException("unknown tensor type \"" + parts[1] + "\"; use one Lucid computes with, e.g. f32, f16, bf16, q8_0, q4_0");
        }
        if (!type.isSupported()) {
            throw new lucid.tensor.UnsupportedTypeException(type);
        }
        return Map.entry(shape, type);
    }

    /** The model in {@code folder}, written first if it is not there yet. */
    public static Path cached(Path folder, Shape shape, GgmlType type, long seed) {
        Path file = folder.resolve(shape.name() + "-" + type.name().toLowerCase(Locale.ROOT) + ".gguf");
        if (Files.isRegularFile(file)) {
            return file;
        }
        try {
            Files.createDirectories(folder);
            Path partial = Files.createTempFile(folder, shape.name(), ".partial");
            write(partial, shape, type, seed);
            try {
                // temporary files are private; a cached model is an ordinary readable file
                Files.setPosixFilePermissions(partial, java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));
            } catch (UnsupportedOperationException notPosix) {
                // keep the default permissions
            }
            Files.move(partial, file, java.nio.file.StandardCopyOption.ATOMIC_MOVE, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        } catch (java.io.IOException e) {
            throw new LucidException("cannot write the synthetic model to " + folder + ": " + e.getMessage());
        }
        return file;
    }

    /** Writes a random llama model of {@code shape} with matrices of {@code type} (norms stay F32). */
    public static Path write(Path file, Shape s, GgmlType type, long seed) {
        return write(file, s, type, seed, false);
    }

    /** @param tied leave out output.weight, so the output head reuses the token embedding */
    public static Path write(Path file, Shape s, GgmlType type, long seed, boolean tied) {
        if (s.dim() % s.heads() != 0 || s.heads() % s.kvHeads() != 0) {
            throw new IllegalArgumentException("inconsistent shape " + s);
        }
        int headSize = s.dim() / s.heads();
        int kvDim = s.kvHeads() * headSize;
        GgufWriter w = new GgufWriter();
        w.put("general.architecture", "llama");
        w.put("general.name", "synthetic-" + s.name() + "-" + type.name().toLowerCase(Locale.ROOT));
        fileType(type).ifPresent(ft -> w.putUInt32("general.file_type", ft));
        w.putUInt32("llama.vocab_size", s.vocab());
        w.putUInt32("llama.context_length", s.context());
        w.putUInt32("llama.embedding_length", s.dim());
        w.putUInt32("llama.block_count", s.layers());
        w.putUInt32("llama.feed_forward_length", s.ffn());
        w.putUInt32("llama.rope.dimension_count", headSize);
        w.putUInt32("llama.attention.head_count", s.heads());
        w.putUInt32("llama.attention.head_count_kv", s.kvHeads());
        w.putFloat32("llama.attention.layer_norm_rms_epsilon", 1e-5f);
        w.putFloat32("llama.rope.freq_base", s.ropeBase());
        vocabulary(w, s.vocab());
        double residual = 1 / Math.sqrt(2.0 * s.layers());
        long tensorSeed = seed;
        matrix(w, "token_embd.weight", s.dim(), s.vocab(), type, 1.0, tensorSeed++);
        for (int l = 0; l < s.layers(); l++) {
            String p = "blk." + l + ".";
            norm(w, p + "attn_norm.weight", s.dim(), tensorSeed++);
            matrix(w, p + "attn_q.weight", s.dim(), s.dim(), type, 1 / Math.sqrt(s.dim()), tensorSeed++);
            matrix(w, p + "attn_k.weight", s.dim(), kvDim, type, 1 / Math.sqrt(s.dim()), tensorSeed++);
            matrix(w, p + "attn_v.weight", s.dim(), kvDim, type, 1 / Math.sqrt(s.dim()), tensorSeed++);
            matrix(w, p + "attn_output.weight", s.dim(), s.dim(), type, residual / Math.sqrt(s.dim()), tensorSeed++);
            norm(w, p + "ffn_norm.weight", s.dim(), tensorSeed++);
            matrix(w, p + "ffn_gate.weight", s.dim(), s.ffn(), type, 1 / Math.sqrt(s.dim()), tensorSeed++);
            matrix(w, p + "ffn_up.weight", s.dim(), s.ffn(), type, 1 / Math.sqrt(s.dim()), tensorSeed++);
            matrix(w, p + "ffn_down.weight", s.ffn(), s.dim(), type, residual / Math.sqrt(s.ffn()), tensorSeed++);
        }
        norm(w, "output_norm.weight", s.dim(), tensorSeed++);
        if (!tied) {
            matrix(w, "output.weight", s.dim(), s.vocab(), type, 4 / Math.sqrt(s.dim()), tensorSeed);
        }
        w.write(file);
        return file;
    }

    /** llama.cpp's {@code general.file_type} ("mostly TYPE") for the types it names, so its tools describe the file. */
    private static java.util.OptionalInt fileType(GgmlType type) {
        return switch (type) {
            case F32 -> java.util.OptionalInt.of(0);
            case F16 -> java.util.OptionalInt.of(1);
            case Q4_0 -> java.util.OptionalInt.of(2);
            case Q4_1 -> java.util.OptionalInt.of(3);
            case Q8_0 -> java.util.OptionalInt.of(7);
            case Q5_0 -> java.util.OptionalInt.of(8);
            case Q5_1 -> java.util.OptionalInt.of(9);
            case Q2_K -> java.util.OptionalInt.of(10);
            case Q3_K -> java.util.OptionalInt.of(11); // the _S variants: every matrix in the one type
            case Q4_K -> java.util.OptionalInt.of(14);
            case Q5_K -> java.util.OptionalInt.of(16);
            case Q6_K -> java.util.OptionalInt.of(18);
            case BF16 -> java.util.OptionalInt.of(32);
            default -> java.util.OptionalInt.empty();
        };
    }

    /** &lt;unk&gt;, &lt;s&gt;, &lt;/s&gt;, the 256 byte tokens, then ordinary pieces. */
    static void vocabulary(GgufWriter w, int size) {
        String[] tokens = new String[size];
        long[] types = new long[size];
        float[] scores = new float[size];
        String[] specials = {"<unk>", "<s>", "</s>"};
        long[] specialTypes = {2, 3, 3};
        for (int i = 0; i < Math.min(3, size); i++) {
            tokens[i] = specials[i];
            types[i] = specialTypes[i];
        }
        for (int b = 0; b < 256 && 3 + b < size; b++) {
            tokens[3 + b] = String.format("<0x%02X>", b);
            types[3 + b] = 6;
        }
        for (int i = 259; i < size; i++) {
            tokens[i] = "\u2581t" + i;
            types[i] = 1;
            scores[i] = -i;
        }
        w.put("tokenizer.ggml.model", "llama");
        w.putArray("tokenizer.ggml.tokens", new GgufArray(GgufValueType.STRING, tokens));
        w.putArray("tokenizer.ggml.scores", new GgufArray(GgufValueType.FLOAT32, scores));
        w.putArray("tokenizer.ggml.token_type", new GgufArray(GgufValueType.INT32, types));
        w.putUInt32("tokenizer.ggml.unknown_token_id", 0);
        w.putUInt32("tokenizer.ggml.bos_token_id", 1);
        w.putUInt32("tokenizer.ggml.eos_token_id", 2);
    }

    /** A rows × cols matrix of uniform values with standard deviation {@code std}, quantized row by row (rows in parallel). */
    private static void matrix(GgufWriter w, String name, int cols, int rows, GgmlType type, double std, long seed) {
        WeightFormat format = WeightFormat.of(type);
        long rowBytes = type.bytesFor(cols);
        float half = (float) (std * Math.sqrt(3));
        w.addTensor(name, type, new long[] {cols, rows}, target -> IntStream.range(0, rows).parallel().forEach(r -> {
            SplittableRandom random = new SplittableRandom(seed * 1_000_003L + r);
            float[] row = new float[cols];
            for (int i = 0; i < cols; i++) {
                row[i] = (float) (random.nextDouble() * 2 - 1) * half;
            }
            format.quantize(row, 0, cols, target, r * rowBytes);
        }));
    }

    private static void norm(GgufWriter w, String name, int dim, long seed) {
        w.addTensor(name, GgmlType.F32, new long[] {dim}, target -> {
            SplittableRandom random = new SplittableRandom(seed);
            for (int i = 0; i < dim; i++) {
                target.set(ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 4L * i, (float) (1 + 0.1 * (random.nextDouble() * 2 - 1)));
            }
        });
    }

    /** Folder for cached synthetic models: {@code ~/.cache/lucid/synthetic}. */
    public static Path defaultCache() {
        return Path.of(System.getProperty("user.home"), ".cache", "lucid", "synthetic");
    }
}
