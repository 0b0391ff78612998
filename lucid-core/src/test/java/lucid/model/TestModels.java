package lucid.model;

import lucid.gguf.GgufArray;
import lucid.gguf.GgufValueType;
import lucid.gguf.GgufWriter;
import lucid.tensor.GgmlType;
import lucid.tensor.WeightFormat;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.Random;

/** Writes random-weight llama GGUF files of chosen shapes and types, with a byte-fallback vocabulary. */
public final class TestModels {
    private TestModels() {}

    public record Shape(int dim, int layers, int heads, int kvHeads, int ffn, int vocab, int context) {}

    public static Path writeLlama(Path file, Shape s, GgmlType type, long seed) {
        return writeLlama(file, s, type, seed, false);
    }

    /** @param tied leave out output.weight, so the output head reuses the token embedding */
    public static Path writeLlama(Path file, Shape s, GgmlType type, long seed, boolean tied) {
        Random random = new Random(seed);
        GgufWriter w = new GgufWriter();
        w.put("general.architecture", "llama");
        w.put("general.name", "random-test-llama");
        w.putUInt32("llama.embedding_length", s.dim());
        w.putUInt32("llama.block_count", s.layers());
        w.putUInt32("llama.attention.head_count", s.heads());
        w.putUInt32("llama.attention.head_count_kv", s.kvHeads());
        w.putUInt32("llama.feed_forward_length", s.ffn());
        w.putUInt32("llama.context_length", s.context());
        w.putUInt32("llama.rope.dimension_count", s.dim() / s.heads());
        w.putFloat32("llama.rope.freq_base", 10000f);
        w.putFloat32("llama.attention.layer_norm_rms_epsilon", 1e-5f);
        vocabulary(w, s.vocab());
        try (Arena arena = Arena.ofConfined()) {
            int kvDim = s.kvHeads() * (s.dim() / s.heads());
            matrix(w, arena, random, "token_embd.weight", s.dim(), s.vocab(), type, 1.0);
            for (int l = 0; l < s.layers(); l++) {
                String p = "blk." + l + ".";
                norm(w, arena, random, p + "attn_norm.weight", s.dim());
                matrix(w, arena, random, p + "attn_q.weight", s.dim(), s.dim(), type, 1 / Math.sqrt(s.dim()));
                matrix(w, arena, random, p + "attn_k.weight", s.dim(), kvDim, type, 1 / Math.sqrt(s.dim()));
                matrix(w, arena, random, p + "attn_v.weight", s.dim(), kvDim, type, 1 / Math.sqrt(s.dim()));
                matrix(w, arena, random, p + "attn_output.weight", s.dim(), s.dim(), type, 1 / Math.sqrt(s.dim()));
                norm(w, arena, random, p + "ffn_norm.weight", s.dim());
                matrix(w, arena, random, p + "ffn_gate.weight", s.dim(), s.ffn(), type, 1 / Math.sqrt(s.dim()));
                matrix(w, arena, random, p + "ffn_up.weight", s.dim(), s.ffn(), type, 1 / Math.sqrt(s.dim()));
                matrix(w, arena, random, p + "ffn_down.weight", s.ffn(), s.dim(), type, 1 / Math.sqrt(s.ffn()));
            }
            norm(w, arena, random, "output_norm.weight", s.dim());
            if (!tied) {
                matrix(w, arena, random, "output.weight", s.dim(), s.vocab(), type, 1 / Math.sqrt(s.dim()));
            }
            w.write(file);
        }
        return file;
    }

    /** &lt;unk&gt;, &lt;s&gt;, &lt;/s&gt;, the 256 byte tokens, then ordinary pieces. */
    private static void vocabulary(GgufWriter w, int size) {
        String[] tokens = new String[size];
        long[] types = new long[size];
        float[] scores = new float[size];
        tokens[0] = "<unk>";
        tokens[1] = "<s>";
        tokens[2] = "</s>";
        types[0] = 2;
        types[1] = 3;
        types[2] = 3;
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
        w.putUInt32("tokenizer.ggml.bos_token_id", 1);
        w.putUInt32("tokenizer.ggml.eos_token_id", 2);
    }

    private static void matrix(GgufWriter w, Arena arena, Random random, String name, int cols, int rows, GgmlType type, double scale) {
        float[] values = new float[cols * rows];
        for (int i = 0; i < values.length; i++) {
            values[i] = (float) (random.nextGaussian() * scale);
        }
        MemorySegment data = arena.allocate(type.bytesFor(values.length));
        long rowBytes = type.bytesFor(cols);
        WeightFormat format = WeightFormat.of(type);
        for (int r = 0; r < rows; r++) {
            format.quantize(values, r * cols, cols, data, r * rowBytes);
        }
        w.addTensor(name, type, new long[] {cols, rows}, data);
    }

    private static void norm(GgufWriter w, Arena arena, Random random, String name, int dim) {
        float[] values = new float[dim];
        for (int i = 0; i < dim; i++) {
            values[i] = (float) (1 + 0.1 * random.nextGaussian());
        }
        MemorySegment data = arena.allocate(4L * dim);
        MemorySegment.copy(values, 0, data, java.lang.foreign.ValueLayout.JAVA_FLOAT_UNALIGNED, 0, dim);
        w.addTensor(name, GgmlType.F32, new long[] {dim}, data);
    }
}
