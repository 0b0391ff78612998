package lucid.tensor;

/**
 * The tensor storage types of ggml/GGUF, with their on-disk ids and block layouts.
 * Every type known to ggml is listed so that {@code inspect} can describe any file; which
 * ones Lucid can compute with is {@link #isSupported()}.
 */
public enum GgmlType {
    //       id  block bytes-per-block
    F32     (0,    1,   4),
    F16     (1,    1,   2),
    Q4_0    (2,   32,  18),   // f16 d, 16 bytes of nibbles
    Q4_1    (3,   32,  20),   // f16 d, f16 m, 16 bytes of nibbles
    Q5_0    (6,   32,  22),   // f16 d, u32 high bits, 16 bytes of nibbles
    Q5_1    (7,   32,  24),   // f16 d, f16 m, u32 high bits, 16 bytes of nibbles
    Q8_0    (8,   32,  34),   // f16 d, 32 int8
    Q8_1    (9,   32,  36),
    Q2_K    (10, 256,  84),   // 16 bytes of 4-bit scale|min, 64 bytes of 2-bit quants, f16 d, f16 dmin
    Q3_K    (11, 256, 110),   // 32 bytes of 3rd bits, 64 bytes of 2-bit quants, 12 of 6-bit scales, f16 d
    Q4_K    (12, 256, 144),   // f16 d, f16 dmin, 12 bytes of 6-bit scales/mins, 128 bytes of nibbles
    Q5_K    (13, 256, 176),   // f16 d, f16 dmin, 12 bytes of 6-bit scales/mins, 32 of 5th bits, 128 of nibbles
    Q6_K    (14, 256, 210),   // 128 bytes of nibbles, 64 bytes of 2-bit highs, 16 int8 scales, f16 d
    Q8_K    (15, 256, 292),
    IQ2_XXS (16, 256,  66),
    IQ2_XS  (17, 256,  74),
    IQ3_XXS (18, 256,  98),
    IQ1_S   (19, 256,  50),
    IQ4_NL  (20,  32,  18),
    IQ3_S   (21, 256, 110),
    IQ2_S   (22, 256,  82),
    IQ4_XS  (23, 256, 136),
    I8      (24,   1,   1),
    I16     (25,   1,   2),
    I32     (26,   1,   4),
    I64     (27,   1,   8),
    F64     (28,   1,   8),
    IQ1_M   (29, 256,  56),
    BF16    (30,   1,   2),
    TQ1_0   (34, 256,  54),
    TQ2_0   (35, 256,  66),
    MXFP4   (39,  32,  17);

    private static final GgmlType[] BY_ID = new GgmlType[64];

    static {
        for (GgmlType t : values()) {
            BY_ID[t.id] = t;
        }
    }

    /** The id stored in GGUF tensor infos. */
    public final int id;
    /** Elements per block; a row's length must be a multiple of it. */
    public final int blockSize;
    /** Bytes per block. */
    public final int blockBytes;

    GgmlType(int id, int blockSize, int blockBytes) {
        this.id = id;
        this.blockSize = blockSize;
        this.blockBytes = blockBytes;
    }

    /** The type with this GGUF id, or null if the id is not a ggml type. */
    public static GgmlType byId(long id) {
        return id >= 0 && id < BY_ID.length ? BY_ID[(int) id] : null;
    }

    /** Whether Lucid has kernels (dot product, dequantize) for this type. */
    public boolean isSupported() {
        return switch (this) {
            case F32, F16, BF16, Q8_0, Q4_0, Q4_1, Q5_0, Q5_1, Q2_K, Q3_K, Q4_K, Q5_K, Q6_K -> true;
            default -> false;
        };
    }

    /** Bytes taken by {@code elements} elements; {@code elements} must be a multiple of the block size. */
    public long bytesFor(long elements) {
        if (elements % blockSize != 0) {
            throw new IllegalArgumentException(elements + " elements is not a whole number of " + this + " blocks of " + blockSize);
        }
        return Math.multiplyExact(elements / blockSize, (long) blockBytes);
    }
}
