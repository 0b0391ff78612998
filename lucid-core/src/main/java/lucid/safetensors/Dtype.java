package lucid.safetensors;

import lucid.tensor.GgmlType;

import java.util.Optional;

/**
 * The element types a safetensors header names ({@code "dtype"}), with their sizes, so that any
 * file can be validated; Lucid computes with those that map to a {@link GgmlType} it supports
 * (F32, F16, BF16).
 */
public enum Dtype {
    BOOL(1, null), U8(1, null), I8(1, GgmlType.I8), F8_E5M2(1, null), F8_E4M3(1, null), F8_E8M0(1, null),
    I16(2, GgmlType.I16), U16(2, null), F16(2, GgmlType.F16), BF16(2, GgmlType.BF16),
    I32(4, GgmlType.I32), U32(4, null), F32(4, GgmlType.F32),
    I64(8, GgmlType.I64), U64(8, null), F64(8, GgmlType.F64), C64(8, null);

    /** Bytes per element. */
    public final int size;
    private final GgmlType ggmlType;

    Dtype(int size, GgmlType ggmlType) {
        this.size = size;
        this.ggmlType = ggmlType;
    }

    /** The dtype named {@code name} as safetensors writes it, e.g. {@code "BF16"}. */
    public static Optional<Dtype> named(String name) {
        for (Dtype d : values()) {
            if (d.name().equals(name)) {
                return Optional.of(d);
            }
        }
        return Optional.empty();
    }

    /** The same storage as a ggml type, when ggml has one. */
    public Optional<GgmlType> ggmlType() {
        return Optional.ofNullable(ggmlType);
    }

    /** Whether Lucid's kernels compute with it. */
    public boolean isSupported() {
        return ggmlType != null && ggmlType.isSupported();
    }
}
