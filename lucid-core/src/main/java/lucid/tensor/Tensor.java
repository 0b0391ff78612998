package lucid.tensor;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;

/**
 * A named tensor in its stored format, viewed over off-heap memory (a mapped file or memory the
 * file was read into). {@code shape} is in ggml order: {@code shape[0]} is the length of a row
 * (the fastest-varying dimension), {@code shape[1]} the number of rows of a matrix.
 */
public record Tensor(String name, GgmlType type, long[] shape, MemorySegment data) {

    public Tensor {
        shape = shape.clone();
    }

    @Override
    public long[] shape() {
        return shape.clone();
    }

    public int dimensions() {
        return shape.length;
    }

    public long elementCount() {
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        return n;
    }

    /** Elements in one row (ggml's ne[0]). */
    public long rowLength() {
        return shape[0];
    }

    /** Number of rows: the product of all dimensions but the first. */
    public long rowCount() {
        return shape.length == 0 ? 0 : elementCount() / shape[0];
    }

    public long rowBytes() {
        return type.bytesFor(shape[0]);
    }

    /** The shape as ggml prints it, e.g. {@code [64, 512]}. */
    public String shapeString() {
        return Arrays.toString(shape);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Tensor t && name.equals(t.name) && type == t.type && Arrays.equals(shape, t.shape)
                && data.address() == t.data.address() && data.byteSize() == t.data.byteSize();
    }

    @Override
    public int hashCode() {
        return name.hashCode() * 31 + Arrays.hashCode(shape);
    }

    @Override
    public String toString() {
        return name + " " + type + " " + shapeString();
    }
}
