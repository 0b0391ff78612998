package lucid.model;

import lucid.LucidException;
import lucid.gguf.ModelFile;
import lucid.tensor.GgmlType;
import lucid.tensor.Tensor;
import lucid.tensor.WeightFormat;
import lucid.tensor.WeightMatrix;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * All weights of a model, as views of the file's memory (nothing is copied onto the Java heap).
 *
 * @param tokenEmbedding    {@code token_embd}    (vocab rows of dim)
 * @param positionEmbedding {@code position_embd} (context rows of dim), GPT-2's learned positions; else null
 * @param layers            one per block
 * @param outputNorm        {@code output_norm}   (dim, + bias for LayerNorm)
 * @param output            {@code output}        (dim → vocab); the embedding itself when the file ties them
 * @param outputBias        {@code output.bias}   (vocab) or null
 */
public record ModelWeights(WeightMatrix tokenEmbedding, WeightMatrix positionEmbedding, List<LayerWeights> layers,
                           NormWeights outputNorm, WeightMatrix output, MemorySegment outputBias) {

    /**
     * Binds and shape-checks the tensors of {@code c}'s family, named as llama.cpp names them
     * ({@code LLM_TENSOR_NAMES}). Q, K and V may be separate or one fused {@code attn_qkv} (as
     * llama.cpp accepts for every family); biases are used where the file has them.
     */
    public static ModelWeights load(ModelFile file, ModelConfig c, Arena arena) {
        ArchitectureOptions o = c.options();
        int dim = c.embeddingLength();
        WeightMatrix embedding = matrix(file, "token_embd.weight", dim, c.vocabularySize());
        WeightMatrix positions = o.positionEmbedding() ? matrix(file, "position_embd.weight", dim, c.contextLength()) : null;
        List<LayerWeights> layers = new ArrayList<>(c.blockCount());
        for (int l = 0; l < c.blockCount(); l++) {
            layers.add(layer(file, c, "blk." + l + ".", arena));
        }
        NormWeights outputNorm = norm(file, "output_norm", c, arena);
        WeightMatrix output = !o.alwaysTied() && file.hasTensor("output.weight")
                ? matrix(file, "output.weight", dim, c.vocabularySize()) : embedding;
        MemorySegment outputBias = optionalVector(file, "output.bias", c.vocabularySize(), arena);
        return new ModelWeights(embedding, positions, List.copyOf(layers), outputNorm, output, outputBias);
    }

    private static LayerWeights layer(ModelFile file, ModelConfig c, String p, Arena arena) {
        ArchitectureOptions o = c.options();
        int dim = c.embeddingLength();
        int qDim = c.queryDim();
        int kDim = c.keyDim();
        int vDim = c.valueDim();
        int ffn = c.feedForwardLength();

        WeightMatrix q, k, v;
        MemorySegment qBias, kBias, vBias;
        if (file.hasTensor(p + "attn_qkv.weight")) {
            // rows: all queries, then all keys, then all values
            WeightMatrix qkv = matrix(file, p + "attn_qkv.weight", dim, qDim + kDim + vDim);
            q = qkv.rows(0, qDim, p + "attn_qkv.weight[q]");
            k = qkv.rows(qDim, kDim, p + "attn_qkv.weight[k]");
            v = qkv.rows(qDim + kDim, vDim, p + "attn_qkv.weight[v]");
            MemorySegment bias = optionalVector(file, p + "attn_qkv.bias", qDim + kDim + vDim, arena);
            qBias = bias == null ? null : bias.asSlice(0, 4L * qDim);
            kBias = bias == null ? null : bias.asSlice(4L * qDim, 4L * kDim);
            vBias = bias == null ? null : bias.asSlice(4L * (qDim + kDim), 4L * vDim);
        } else {
            q = matrix(file, p + "attn_q.weight", dim, qDim);
            k = matrix(file, p + "attn_k.weight", dim, kDim);
            v = matrix(file, p + "attn_v.weight", dim, vDim);
            qBias = optionalVector(file, p + "attn_q.bias", qDim, arena);
            kBias = optionalVector(file, p + "attn_k.bias", kDim, arena);
            vBias = optionalVector(file, p + "attn_v.bias", vDim, arena);
        }

        WeightMatrix gate = null;
        WeightMatrix up;
        if (!o.gated()) {
            up = matrix(file, p + "ffn_up.weight", dim, ffn);
        } else if (file.hasTensor(p + "ffn_gate.weight") || file.requireTensor(p + "ffn_up.weight").rowCount() != 2L * ffn) {
            gate = matrix(file, p + "ffn_gate.weight", dim, ffn);
            up = matrix(file, p + "ffn_up.weight", dim, ffn);
        } else {
            // Phi-3: ffn_up holds the gate rows, then the up rows
            WeightMatrix gateUp = matrix(file, p + "ffn_up.weight", dim, 2 * ffn);
            gate = gateUp.rows(0, ffn, p + "ffn_up.weight[gate]");
            up = gateUp.rows(ffn, ffn, p + "ffn_up.weight[up]");
        }

        return new LayerWeights(
                norm(file, p + "attn_norm", c, arena),
                q, k, v, qBias, kBias, vBias,
                o.queryKeyNorm() ? vector(file, p + "attn_q_norm.weight", c.headSize(), arena) : null,
                o.queryKeyNorm() ? vector(file, p + "attn_k_norm.weight", c.headSize(), arena) : null,
                matrix(file, p + "attn_output.weight", c.headCount() * c.valueSize(), dim),
                optionalVector(file, p + "attn_output.bias", dim, arena),
                o.postNorms() ? vector(file, p + "post_attention_norm.weight", dim, arena) : null,
                norm(file, p + "ffn_norm", c, arena),
                gate, up,
                optionalVector(file, p + "ffn_up.bias", ffn, arena),
                matrix(file, p + "ffn_down.weight", ffn, dim),
                optionalVector(file, p + "ffn_down.bias", dim, arena),
                o.postNorms() ? vector(file, p + "post_ffw_norm.weight", dim, arena) : null);
    }

    private static WeightMatrix matrix(ModelFile file, String name, int cols, int rows) {
        Tensor t = file.requireTensor(name);
        long[] shape = t.shape();
        if (shape.length > 2 && Arrays.stream(shape, 2, shape.length).anyMatch(d -> d != 1) || shape.length < 2
                || shape[0] != cols || shape[1] != rows) {
            throw new LucidException("tensor " + name + " has shape " + t.shapeString() + ", but the model's metadata implies ["
                    + cols + ", " + rows + "]; the file is inconsistent");
        }
        return new WeightMatrix(t);
    }

    /** {@code NAME.weight}, and {@code NAME.bias} for LayerNorm. */
    private static NormWeights norm(ModelFile file, String name, ModelConfig c, Arena arena) {
        int dim = c.embeddingLength();
        MemorySegment bias = c.options().norm() == ArchitectureOptions.NormKind.LAYER ? vector(file, name + ".bias", dim, arena) : null;
        return new NormWeights(vector(file, name + ".weight", dim, arena), bias);
    }

    private static MemorySegment optionalVector(ModelFile file, String name, int length, Arena arena) {
        return file.hasTensor(name) ? vector(file, name, length, arena) : null;
    }

    /** A vector (norm weight, bias) as F32: used in place when stored as F32, else converted once off-heap. */
    private static MemorySegment vector(ModelFile file, String name, int length, Arena arena) {
        Tensor t = file.requireTensor(name);
        if (t.elementCount() != length) {
            throw new LucidException("tensor " + name + " has shape " + t.shapeString() + ", expected [" + length + "]");
        }
        if (t.type() == GgmlType.F32) {
            return t.data();
        }
        if (!t.type().isSupported()) {
            throw new lucid.tensor.UnsupportedTypeException(name, t.type());
        }
        float[] values = new float[length];
        WeightFormat.of(t.type()).dequantize(t.data(), 0, values, 0, length);
        MemorySegment converted = arena.allocate(4L * length, 64);
        MemorySegment.copy(values, 0, converted, ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 0, length);
        return converted;
    }

    /** The storage type of the block matrices (what "a Q8_0 model" refers to). */
    public GgmlType matrixType() {
        return layers.getFirst().query().type();
    }

    /** Bytes of weights one decode step streams (all matrices once, the embedding row excluded). */
    public long streamedBytesPerToken() {
        long total = output.byteSize();
        for (LayerWeights w : layers) {
            total += w.query().byteSize() + w.key().byteSize() + w.value().byteSize() + w.output().byteSize()
                    + (w.gate() == null ? 0 : w.gate().byteSize()) + w.up().byteSize() + w.down().byteSize();
        }
        return total;
    }
}
