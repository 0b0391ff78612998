package lucid.gguf;

import lucid.tensor.GgmlType;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Set;

/**
 * Parses and validates a GGUF header (magic, version, metadata, tensor infos) from the bytes of a
 * whole file. Every count, length, offset and shape is checked against the file size before it
 * is used, so a malformed file gets one {@link GgufFormatException} naming what is wrong — never
 * a huge allocation, a hang or an index error.
 *
 * <p>Layout (little-endian): "GGUF", u32 version, u64 tensor count, u64 metadata count, the
 * metadata (string key, u32 type, value), the tensor infos (string name, u32 dims, u64 × dims
 * shape, u32 type, u64 offset), padding to {@code general.alignment} (default 32), tensor data.
 */
final class GgufHeaderParser {
    static final int MAGIC = 0x46554747; // "GGUF" read as a little-endian u32
    static final int DEFAULT_ALIGNMENT = 32;
    private static final int MAX_DIMS = 4;
    private static final int MAX_ARRAY_NESTING = 8;
    /** No metadata string needs more: chat templates and token texts are kilobytes. */
    private static final long MAX_STRING_BYTES = 256L << 20;

    private static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfLong U64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfShort U16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfDouble F64 = ValueLayout.JAVA_DOUBLE_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    /** The parsed header. {@code dataOffset} is where the data section starts in the file. */
    record Header(int version, GgufMetadata metadata, List<TensorInfo> tensors, int alignment, long dataOffset) {}

    private final MemorySegment bytes;
    private final long size;
    private final String fileName;
    private long pos;

    private GgufHeaderParser(MemorySegment bytes, String fileName) {
        this.bytes = bytes;
        this.size = bytes.byteSize();
        this.fileName = fileName;
    }

    static Header parse(MemorySegment bytes, String fileName) {
        return new GgufHeaderParser(bytes, fileName).parse();
    }

    private Header parse() {
        if (size < 4) {
            throw fail("not a GGUF file: it is only " + size + " bytes long (bad magic)");
        }
        int magic = bytes.get(U32, 0);
        if (magic != MAGIC) {
            throw fail("not a GGUF file: bad magic " + describeMagic() + " (expected \"GGUF\")");
        }
        pos = 4;
        int version = u32("the version");
        if (version != 2 && version != 3) {
            if (Integer.reverseBytes(version) == 2 || Integer.reverseBytes(version) == 3) {
                throw fail("big-endian GGUF files are not supported; convert the model to a little-endian GGUF");
            }
            throw fail("unsupported GGUF version " + Integer.toUnsignedString(version)
                    + " (Lucid reads versions 2 and 3; re-convert the model with a current llama.cpp)");
        }
        long tensorCount = u64("the tensor count");
        long metadataCount = u64("the metadata count");
        // Each metadata entry takes at least 13 bytes (key length, type, a 1-byte value), each
        // tensor info at least 24: a count that cannot fit in the file is not believed.
        checkCount(metadataCount, 13, "metadata entries");
        LinkedHashMap<String, GgufMetadata.Entry> entries = new LinkedHashMap<>();
        for (long i = 0; i < metadataCount; i++) {
            String key = printable(string("the key of metadata entry #" + i));
            long typeId = Integer.toUnsignedLong(u32("the type of metadata " + key));
            GgufValueType type = GgufValueType.byId(typeId);
            if (type == null) {
                throw fail("metadata " + key + " has unknown value type " + typeId);
            }
            Object value = value(type, key, 0);
            if (entries.put(key, new GgufMetadata.Entry(type, value)) != null) {
                throw fail("duplicate metadata key " + key);
            }
        }
        GgufMetadata metadata = new GgufMetadata(entries);
        int alignment = alignment(metadata);

        checkCount(tensorCount, 24, "tensor infos");
        List<TensorInfo> infos = new ArrayList<>((int) Math.min(tensorCount, 1 << 16));
        Set<String> names = new HashSet<>();
        for (long i = 0; i < tensorCount; i++) {
            TensorInfo info = tensorInfo(i, alignment);
            if (!names.add(info.name())) {
                throw fail("duplicate tensor name " + info.name());
            }
            infos.add(info);
        }
        long dataOffset = alignUp(pos, alignment);
        for (TensorInfo t : infos) {
            long start = dataOffset + t.offset();
            if (t.offset() < 0 || start < 0 || start > size || t.byteSize() > size - start) {
                throw fail("tensor " + t.name() + " lies out of bounds: its " + t.byteSize() + " bytes at data offset "
                        + Long.toUnsignedString(t.offset()) + " end past the end of the file (" + size + " bytes); the file is truncated or corrupt");
            }
        }
        return new Header(version, metadata, List.copyOf(infos), alignment, dataOffset);
    }

    private int alignment(GgufMetadata metadata) {
        GgufMetadata.Entry e = metadata.entries().get("general.alignment");
        if (e == null) {
            return DEFAULT_ALIGNMENT;
        }
        if (!e.type().isInteger()) {
            throw fail("general.alignment is stored as " + e.type() + ", expected an integer");
        }
        long a = (Long) e.value();
        if (a <= 0 || a > (1 << 30) || Long.bitCount(a) != 1) {
            throw fail("general.alignment = " + Long.toUnsignedString(a) + " is not a power of two");
        }
        return (int) a;
    }

    private TensorInfo tensorInfo(long index, int alignment) {
        String name = printable(string("the name of tensor #" + index));
        long dims = Integer.toUnsignedLong(u32("the dimension count of tensor " + name));
        if (dims < 1 || dims > MAX_DIMS) {
            throw fail("tensor " + name + " has an impossible shape: " + dims + " dimensions (GGUF allows 1 to " + MAX_DIMS + ")");
        }
        long[] shape = new long[(int) dims];
        for (int d = 0; d < dims; d++) {
            shape[d] = u64("dimension " + d + " of tensor " + name);
        }
        long typeId = Integer.toUnsignedLong(u32("the type of tensor " + name));
        long offset = u64("the data offset of tensor " + name);
        GgmlType type = GgmlType.byId(typeId);
        if (type == null) {
            throw fail("tensor " + name + " has unknown tensor type id " + typeId + " (not a ggml type Lucid knows; is the file from a newer llama.cpp?)");
        }
        long elements = 1;
        for (long d : shape) {
            if (d < 0) {
                throw fail("tensor " + name + " has an impossible shape " + shapeString(shape) + " (a dimension is negative as int64)");
            }
            try {
                elements = Math.multiplyExact(elements, d);
            } catch (ArithmeticException overflow) {
                throw fail("tensor " + name + " has an impossible shape " + shapeString(shape) + ": its element count overflows 64 bits");
            }
        }
        if (shape[0] % type.blockSize != 0) {
            throw fail("tensor " + name + " has an impossible shape " + shapeString(shape) + ": its rows of " + shape[0]
                    + " elements are not a whole number of " + type + " blocks of " + type.blockSize);
        }
        long byteSize;
        try {
            byteSize = type.bytesFor(elements);
        } catch (ArithmeticException overflow) {
            throw fail("tensor " + name + " has an impossible shape " + shapeString(shape) + ": its size in bytes overflows 64 bits");
        }
        if (Long.remainderUnsigned(offset, alignment) != 0) {
            throw fail("tensor " + name + " starts at data offset " + Long.toUnsignedString(offset)
                    + ", which is not a multiple of the alignment " + alignment);
        }
        return new TensorInfo(name, type, shape, offset, byteSize);
    }

    private Object value(GgufValueType type, String key, int depth) {
        return switch (type) {
            case UINT8 -> (long) (u8(key) & 0xFF);
            case INT8 -> (long) u8(key);
            case UINT16 -> (long) (u16(key) & 0xFFFF);
            case INT16 -> (long) u16(key);
            case UINT32 -> Integer.toUnsignedLong(u32(key));
            case INT32 -> (long) u32(key);
            case UINT64, INT64 -> u64(key);
            case FLOAT32 -> Float.intBitsToFloat(u32(key));
            case FLOAT64 -> Double.longBitsToDouble(u64(key));
            case BOOL -> u8(key) != 0;
            case STRING -> string("metadata " + key);
            case ARRAY -> array(key, depth);
        };
    }

    private GgufArray array(String key, int depth) {
        if (depth >= MAX_ARRAY_NESTING) {
            throw fail("metadata " + key + " nests arrays more than " + MAX_ARRAY_NESTING + " deep");
        }
        long typeId = Integer.toUnsignedLong(u32("the element type of array " + key));
        GgufValueType type = GgufValueType.byId(typeId);
        if (type == null) {
            throw fail("metadata array " + key + " has unknown element type " + typeId);
        }
        long count = u64("the length of array " + key);
        checkCount(count, type.minBytes, "elements in metadata array " + key);
        int n = (int) count;
        Object values = switch (type) {
            case UINT8, INT8, UINT16, INT16, UINT32, INT32, UINT64, INT64 -> {
                long[] a = new long[n];
                for (int i = 0; i < n; i++) {
                    a[i] = (Long) value(type, key, depth);
                }
                yield a;
            }
            case FLOAT32 -> {
                float[] a = new float[n];
                MemorySegment.copy(bytes, F32, pos, a, 0, n);
                pos += 4L * n;
                yield a;
            }
            case FLOAT64 -> {
                double[] a = new double[n];
                MemorySegment.copy(bytes, F64, pos, a, 0, n);
                pos += 8L * n;
                yield a;
            }
            case BOOL -> {
                boolean[] a = new boolean[n];
                for (int i = 0; i < n; i++) {
                    a[i] = u8(key) != 0;
                }
                yield a;
            }
            case STRING -> {
                String[] a = new String[n];
                for (int i = 0; i < n; i++) {
                    a[i] = string("element " + i + " of metadata array " + key);
                }
                yield a;
            }
            case ARRAY -> {
                GgufArray[] a = new GgufArray[n];
                for (int i = 0; i < n; i++) {
                    a[i] = array(key + "[" + i + "]", depth + 1);
                }
                yield a;
            }
        };
        return new GgufArray(type, values);
    }

    /** A count read from the file must fit in what is left of it, and in a Java array. */
    private void checkCount(long count, int minBytesEach, String what) {
        long remaining = size - pos;
        if (count < 0 || count > Integer.MAX_VALUE - 16 || count > remaining / minBytesEach) {
            throw fail("truncated or corrupt: the header declares " + Long.toUnsignedString(count) + " " + what
                    + " at offset " + pos + ", more than the remaining " + remaining + " bytes can hold");
        }
    }

    private String string(String what) {
        long length = u64("the length of " + what);
        if (length < 0 || length > size - pos) {
            throw fail("truncated: " + what + " is a string of " + Long.toUnsignedString(length) + " bytes at offset " + pos
                    + ", past the end of the file (" + size + " bytes)");
        }
        if (length > MAX_STRING_BYTES) {
            throw fail(what + " is a string of " + length + " bytes at offset " + pos + ", longer than any GGUF string should be");
        }
        byte[] b = new byte[(int) length];
        MemorySegment.copy(bytes, ValueLayout.JAVA_BYTE, pos, b, 0, b.length);
        pos += length;
        return new String(b, StandardCharsets.UTF_8);
    }

    private byte u8(String what) {
        need(1, what);
        return bytes.get(ValueLayout.JAVA_BYTE, pos++);
    }

    private short u16(String what) {
        need(2, what);
        short v = bytes.get(U16, pos);
        pos += 2;
        return v;
    }

    private int u32(String what) {
        need(4, what);
        int v = bytes.get(U32, pos);
        pos += 4;
        return v;
    }

    private long u64(String what) {
        need(8, what);
        long v = bytes.get(U64, pos);
        pos += 8;
        return v;
    }

    private void need(long n, String what) {
        if (n > size - pos) {
            throw fail("truncated: the file ends at byte " + size + " while reading " + what + " at offset " + pos);
        }
    }

    private String describeMagic() {
        StringBuilder sb = new StringBuilder("\"");
        for (int i = 0; i < 4; i++) {
            int b = bytes.get(ValueLayout.JAVA_BYTE, i) & 0xFF;
            sb.append(b >= 0x20 && b < 0x7F ? String.valueOf((char) b) : String.format("\\x%02x", b));
        }
        return sb.append('"').toString();
    }

    /**
     * A key or tensor name as it may appear in a one-line message: control characters escaped.
     * Names in valid files contain none, so this changes nothing there.
     */
    private static String printable(String s) {
        for (int i = 0; i < s.length(); i++) {
            if (Character.isISOControl(s.charAt(i))) {
                String quoted = GgufMetadata.quote(s);
                return quoted.substring(1, quoted.length() - 1);
            }
        }
        return s;
    }

    static long alignUp(long offset, int alignment) {
        return (offset + alignment - 1) / alignment * alignment;
    }

    private static String shapeString(long[] shape) {
        StringBuilder sb = new StringBuilder("[");
        for (int i = 0; i < shape.length; i++) {
            sb.append(i > 0 ? ", " : "").append(Long.toUnsignedString(shape[i]));
        }
        return sb.append(']').toString();
    }

    private GgufFormatException fail(String message) {
        return new GgufFormatException(fileName + ": " + message);
    }
}
