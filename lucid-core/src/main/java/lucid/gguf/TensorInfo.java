package lucid.gguf;

import lucid.tensor.GgmlType;

import java.util.Arrays;

/**
 * A tensor's entry in the GGUF header: its name, type, shape (ggml order) and where its data
 * starts, relative to the start of the file's data section.
 */
public record TensorInfo(String name, GgmlType type, long[] shape, long offset, long byteSize) {
    public TensorInfo {
        shape = shape.clone();
    }

    @Override
    public long[] shape() {
        return shape.clone();
    }

    public long elementCount() {
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        return n;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TensorInfo t && name.equals(t.name) && type == t.type && Arrays.equals(shape, t.shape)
                && offset == t.offset && byteSize == t.byteSize;
    }

    @Override
    public int hashCode() {
        return name.hashCode();
    }
}
