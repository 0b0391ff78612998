package lucid.tensor;

import lucid.LucidException;

import java.lang.foreign.MemorySegment;

/**
 * A 2-D weight tensor used as a matrix: {@code rows} rows of {@code cols} elements, stored in
 * its GGUF format. {@code W·x} for an activation x of length cols gives rows outputs.
 */
public final class WeightMatrix {
    private final String name;
    private final WeightFormat format;
    private final MemorySegment data;
    private final int rows;
    private final int cols;
    private final long rowBytes;

    public WeightMatrix(Tensor tensor) {
        if (tensor.dimensions() > 2 && tensor.rowCount() != tensor.shape()[1]) {
            throw new LucidException("tensor " + tensor.name() + " has shape " + tensor.shapeString() + ", expected a matrix");
        }
        if (tensor.rowLength() > Integer.MAX_VALUE || tensor.rowCount() > Integer.MAX_VALUE) {
            throw new LucidException("tensor " + tensor.name() + " has shape " + tensor.shapeString() + ", too large for a matrix");
        }
        this.name = tensor.name();
        this.format = formatOf(tensor);
        this.data = tensor.data();
        this.cols = (int) tensor.rowLength();
        this.rows = (int) tensor.rowCount();
        this.rowBytes = tensor.rowBytes();
    }

    private WeightMatrix(String name, WeightFormat format, MemorySegment data, int rows, int cols, long rowBytes) {
        this.name = name;
        this.format = format;
        this.data = data;
        this.rows = rows;
        this.cols = cols;
        this.rowBytes = rowBytes;
    }

    /**
     * Rows [first, first + count) as a matrix of their own, sharing this one's memory: the parts of
     * a fused tensor (Q, K and V in {@code attn_qkv}; gate and up in Phi-3's {@code ffn_up}).
     */
    public WeightMatrix rows(int first, int count, String partName) {
        if (first < 0 || count <= 0 || first + count > rows) {
            throw new IllegalArgumentException("rows " + first + ".." + (first + count - 1) + " are outside the " + rows + " rows of " + name);
        }
        return new WeightMatrix(partName, format, data.asSlice(first * rowBytes, count * rowBytes), count, cols, rowBytes);
    }

    private static WeightFormat formatOf(Tensor tensor) {
        if (!tensor.type().isSupported()) {
            throw new UnsupportedTypeException(tensor.name(), tensor.type());
        }
        return WeightFormat.of(tensor.type());
    }

    public String name() {
        return name;
    }

    public GgmlType type() {
        return format.type();
    }

    public int rows() {
        return rows;
    }

    public int cols() {
        return cols;
    }

    /** Row {@code row} · x[xOffset..xOffset+cols). */
    public float dotRow(int row, float[] x, int xOffset) {
        return format.dot(data, row * rowBytes, x, xOffset, cols);
    }

    /** Writes row {@code row} as floats into out[outOffset..outOffset+cols) (e.g. an embedding lookup). */
    public void readRow(int row, float[] out, int outOffset) {
        format.dequantize(data, row * rowBytes, out, outOffset, cols);
    }

    /** out[r] = row r · x for r in [start, end): one thread's share of a product. */
    public void multiplyRows(float[] x, float[] out, int start, int end) {
        for (int r = start; r < end; r++) {
            out[r] = format.dot(data, r * rowBytes, x, 0, cols);
        }
    }

    /**
     * out[t·rows + r] = row r · x[t·cols ..] for the k vectors t &lt; k and the rows r in [start,
     * end): one thread's share of a product for k tokens, each row read once for all of them.
     */
    public void multiplyRows(float[] x, int k, float[] out, int start, int end) {
        format.dotManyRows(data, start * rowBytes, rowBytes, end - start, x, 0, cols, k, cols, out, start, rows);
    }

    /** Bytes the matrix occupies (streamed once per product). */
    public long byteSize() {
        return rows * rowBytes;
    }
}
