package lucid.gguf;

import lucid.tensor.GgmlType;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes GGUF version 3 files: metadata in insertion order, then tensors, each aligned to
 * {@code general.alignment} (32 unless set). Used to make test models and synthetic benchmarks.
 */
public final class GgufWriter {
    private final LinkedHashMap<String, GgufMetadata.Entry> metadata = new LinkedHashMap<>();
    private final List<PendingTensor> tensors = new ArrayList<>();

    /** Fills a tensor's bytes (in its stored format) when the file is written, so big models need not sit in memory. */
    @FunctionalInterface
    public interface TensorSource {
        void fill(MemorySegment target);
    }

    private record PendingTensor(String name, GgmlType type, long[] shape, long byteSize, TensorSource source) {}

    public GgufWriter put(String key, String value) {
        return put(key, GgufValueType.STRING, value);
    }

    public GgufWriter putUInt32(String key, long value) {
        return put(key, GgufValueType.UINT32, value);
    }

    public GgufWriter putInt32(String key, long value) {
        return put(key, GgufValueType.INT32, value);
    }

    public GgufWriter putFloat32(String key, float value) {
        return put(key, GgufValueType.FLOAT32, value);
    }

    public GgufWriter putBool(String key, boolean value) {
        return put(key, GgufValueType.BOOL, value);
    }

    public GgufWriter putArray(String key, GgufArray value) {
        return put(key, GgufValueType.ARRAY, value);
    }

    /** Any value, in the representation {@link GgufMetadata} uses (Long, Float, Double, Boolean, String, GgufArray). */
    public GgufWriter put(String key, GgufValueType type, Object value) {
        metadata.put(key, new GgufMetadata.Entry(type, value));
        return this;
    }

    /** Adds a tensor whose bytes (already in {@code type}'s stored format) are {@code data}. */
    public GgufWriter addTensor(String name, GgmlType type, long[] shape, MemorySegment data) {
        long bytes = byteSize(type, shape);
        if (bytes != data.byteSize()) {
            throw new IllegalArgumentException("tensor " + name + ": " + data.byteSize() + " bytes given, " + bytes + " expected");
        }
        tensors.add(new PendingTensor(name, type, shape.clone(), bytes, target -> MemorySegment.copy(data, 0, target, 0, bytes)));
        return this;
    }

    /** Adds a tensor whose bytes {@code source} produces while the file is written. */
    public GgufWriter addTensor(String name, GgmlType type, long[] shape, TensorSource source) {
        tensors.add(new PendingTensor(name, type, shape.clone(), byteSize(type, shape), source));
        return this;
    }

    private static long byteSize(GgmlType type, long[] shape) {
        long elements = 1;
        for (long d : shape) {
            elements = Math.multiplyExact(elements, d);
        }
        return type.bytesFor(elements);
    }

    private int alignment() {
        GgufMetadata.Entry e = metadata.get("general.alignment");
        return e == null ? GgufHeaderParser.DEFAULT_ALIGNMENT : (int) (long) (Long) e.value();
    }

    public void write(Path path) {
        try (OutputStream out = Files.newOutputStream(path)) {
            write(out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public byte[] toBytes() {
        var out = new java.io.ByteArrayOutputStream();
        try {
            write(out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    public void write(OutputStream out) throws IOException {
        int alignment = alignment();
        Sink sink = new Sink(out);
        sink.u32(GgufHeaderParser.MAGIC);
        sink.u32(3);
        sink.u64(tensors.size());
        sink.u64(metadata.size());
        for (Map.Entry<String, GgufMetadata.Entry> e : metadata.entrySet()) {
            sink.string(e.getKey());
            sink.u32(e.getValue().type().id);
            sink.value(e.getValue().type(), e.getValue().value());
        }
        long offset = 0;
        List<Long> offsets = new ArrayList<>();
        for (PendingTensor t : tensors) {
            sink.string(t.name);
            sink.u32(t.shape.length);
            for (long d : t.shape) {
                sink.u64(d);
            }
            sink.u32(t.type.id);
            sink.u64(offset);
            offsets.add(offset);
            offset = GgufHeaderParser.alignUp(offset + t.byteSize, alignment);
        }
        sink.pad(alignment);
        long dataStart = sink.written;
        for (int i = 0; i < tensors.size(); i++) {
            sink.zeros(dataStart + offsets.get(i) - sink.written);
            PendingTensor t = tensors.get(i);
            try (Arena arena = Arena.ofShared()) { // shared: sources may fill in parallel
                MemorySegment bytes = arena.allocate(Math.max(1, t.byteSize), 64).asSlice(0, t.byteSize);
                t.source.fill(bytes);
                sink.bytes(bytes);
            }
        }
        sink.pad(alignment);
        out.flush();
    }

    /** Little-endian primitive output that counts what it wrote. */
    private static final class Sink {
        private final OutputStream out;
        private final ByteBuffer scratch = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
        long written;

        Sink(OutputStream out) {
            this.out = out;
        }

        void u8(int v) throws IOException {
            out.write(v);
            written++;
        }

        void u16(int v) throws IOException {
            scratch.clear();
            scratch.putShort((short) v);
            flushScratch();
        }

        void u32(long v) throws IOException {
            scratch.clear();
            scratch.putInt((int) v);
            flushScratch();
        }

        void u64(long v) throws IOException {
            scratch.clear();
            scratch.putLong(v);
            flushScratch();
        }

        private void flushScratch() throws IOException {
            out.write(scratch.array(), 0, scratch.position());
            written += scratch.position();
        }

        void string(String s) throws IOException {
            byte[] b = s.getBytes(StandardCharsets.UTF_8);
            u64(b.length);
            out.write(b);
            written += b.length;
        }

        void value(GgufValueType type, Object v) throws IOException {
            switch (type) {
                case UINT8, INT8 -> u8((int) (long) (Long) v);
                case UINT16, INT16 -> u16((int) (long) (Long) v);
                case UINT32, INT32 -> u32((Long) v);
                case UINT64, INT64 -> u64((Long) v);
                case FLOAT32 -> u32(Float.floatToRawIntBits((Float) v));
                case FLOAT64 -> u64(Double.doubleToRawLongBits((Double) v));
                case BOOL -> u8((Boolean) v ? 1 : 0);
                case STRING -> string((String) v);
                case ARRAY -> array((GgufArray) v);
            }
        }

        private void array(GgufArray a) throws IOException {
            u32(a.elementType().id);
            u64(a.size());
            switch (a.values()) {
                case long[] l -> {
                    for (long x : l) {
                        value(a.elementType(), x);
                    }
                }
                case float[] f -> {
                    for (float x : f) {
                        u32(Float.floatToRawIntBits(x));
                    }
                }
                case double[] d -> {
                    for (double x : d) {
                        u64(Double.doubleToRawLongBits(x));
                    }
                }
                case boolean[] b -> {
                    for (boolean x : b) {
                        u8(x ? 1 : 0);
                    }
                }
                case String[] s -> {
                    for (String x : s) {
                        string(x);
                    }
                }
                case GgufArray[] nested -> {
                    for (GgufArray x : nested) {
                        array(x);
                    }
                }
                default -> throw new IllegalArgumentException("unexpected array storage " + a.values().getClass());
            }
        }

        void bytes(MemorySegment data) throws IOException {
            byte[] chunk = new byte[1 << 20];
            for (long done = 0; done < data.byteSize(); ) {
                int n = (int) Math.min(chunk.length, data.byteSize() - done);
                MemorySegment.copy(data, ValueLayout.JAVA_BYTE, done, chunk, 0, n);
                out.write(chunk, 0, n);
                done += n;
            }
            written += data.byteSize();
        }

        void zeros(long n) throws IOException {
            for (long i = 0; i < n; i++) {
                u8(0);
            }
        }

        void pad(int alignment) throws IOException {
            zeros(GgufHeaderParser.alignUp(written, alignment) - written);
        }
    }
}
