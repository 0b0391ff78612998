package lucid.model;

import lucid.LucidException;
import lucid.gguf.GgufFile;
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
 * @param tokenEmbedding {@code token_embd}  (vocab rows of dim)
 * @param layers         one per block
 * @param outputNorm     {@code output_norm} (dim)
 * @param output         {@code output}      (dim → vocab); the embedding itself when the file ties them
 */
public record ModelWeights(WeightMatrix tokenEmbedding, List<LayerWeights> layers, MemorySegment outputNorm, WeightMatrix output) {

    /** Binds and shape-checks the tensors a llama-architecture model needs. */
    public static ModelWeights load(GgufFile file, ModelConfig c, Arena arena) {
        int dim = c.embeddingLength();
        WeightMatrix embedding = matrix(file, "token_embd.weight", dim, c.vocabularySize());
        List<LayerWeights> layers = new ArrayList<>(c.blockCount());
        for (int l = 0; l < c.blockCount(); l++) {
            String p = "blk." + l + ".";
            layers.add(new LayerWeights(
                    normVector(file, p + "attn_norm.weight", dim, arena),
                    matrix(file, p + "attn_q.weight", dim, c.queryDim()),
                    matrix(file, p + "attn_k.weight", dim, c.keyDim()),
                    matrix(file, p + "attn_v.weight", dim, c.valueDim()),
                    matrix(file, p + "attn_output.weight", c.headCount() * c.valueSize(), dim),
                    normVector(file, p + "ffn_norm.weight", dim, arena),
                    matrix(file, p + "ffn_gate.weight", dim, c.feedForwardLength()),
                    matrix(file, p + "ffn_up.weight", dim, c.feedForwardLength()),
                    matrix(file, p + "ffn_down.weight", c.feedForwardLength(), dim)));
        }
        MemorySegment outputNorm = normVector(file, "output_norm.weight", dim, arena);
        WeightMatrix output = file.hasTensor("output.weight") ? matrix(file, "output.weight", dim, c.vocabularySize()) : embedding;
        return new ModelWeights(embedding, List.copyOf(layers), outputNorm, output);
    }

    private static WeightMatrix matrix(GgufFile file, String name, int cols, int rows) {
        Tensor t = file.requireTensor(name);
        long[] shape = t.shape();
        if (shape.length > 2 && Arrays.stream(shape, 2, shape.length).anyMatch(d -> d != 1) || shape.length < 2
                || shape[0] != cols || shape[1] != rows) {
            throw new LucidException("tensor " + name + " has shape " + t.shapeString() + ", but the model's metadata implies ["
                    + cols + ", " + rows + "]; the file is inconsistent");
        }
        return new WeightMatrix(t);
    }

    /** A norm weight as an F32 vector: used in place when stored as F32, else converted once off-heap. */
    private static MemorySegment normVector(GgufFile file, String name, int dim, Arena arena) {
        Tensor t = file.requireTensor(name);
        if (t.elementCount() != dim) {
            throw new LucidException("tensor " + name + " has shape " + t.shapeString() + ", expected [" + dim + "]");
        }
        if (t.type() == GgmlType.F32) {
            return t.data();
        }
        if (!t.type().isSupported()) {
            throw new lucid.tensor.UnsupportedTypeException(name, t.type());
        }
        float[] values = new float[dim];
        WeightFormat.of(t.type()).dequantize(t.data(), 0, values, 0, dim);
        MemorySegment converted = arena.allocate(4L * dim, 64);
        MemorySegment.copy(values, 0, converted, ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 0, dim);
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
                    + w.gate().byteSize() + w.up().byteSize() + w.down().byteSize();
        }
        return total;
    }
}
