package lucid.safetensors;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import lucid.LucidException;
import lucid.gguf.GgufFile;
import lucid.tensor.Tensor;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * An open safetensors file, its tensors as views of the file's memory (mapped, or read into
 * off-heap memory, as {@link GgufFile.Loading} says; never copied onto the Java heap).
 *
 * <p>Layout: a u64 little-endian header length N; N bytes of JSON,
 * {@code {"NAME": {"dtype": "BF16", "shape": [rows, cols], "data_offsets": [begin, end]}, ...,
 * "__metadata__": {"format": "pt"}}}; then the data, which the offsets count from. Shapes are
 * row-major (the last dimension varies fastest), the reverse of ggml's order. Every length and
 * offset is checked against the file before it is used, so a malformed file gets one
 * {@link SafetensorsFormatException} naming what is wrong — never a huge allocation.
 */
public final class SafetensorsFile implements AutoCloseable {
    /** safetensors' own limit on the header; a longer one is refused before anything is read. */
    static final long MAX_HEADER_BYTES = 100_000_000;
    private static final int MAX_DIMENSIONS = 8;
    private static final String METADATA = "__metadata__";
    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .enable(DeserializationFeature.FAIL_ON_READING_DUP_TREE_KEY);

    /**
     * One tensor of the header.
     *
     * @param shape row-major, as the file stores it
     * @param begin where its bytes start, from the start of the data section
     * @param end   where they end (exclusive)
     */
    public record Entry(String name, Dtype dtype, long[] shape, long begin, long end) {
        public Entry {
            shape = shape.clone();
        }

        @Override
        public long[] shape() {
            return shape.clone();
        }

        /** The shape in ggml's order: the length of a row first. */
        public long[] ggmlShape() {
            long[] reversed = new long[shape.length];
            for (int i = 0; i < shape.length; i++) {
                reversed[i] = shape[shape.length - 1 - i];
            }
            return reversed;
        }

        public long byteSize() {
            return end - begin;
        }
    }

    private final Path path;
    private final Arena arena;
    private final MemorySegment bytes;
    private final long dataStart;
    private final Map<String, Entry> entries;
    private final Map<String, String> metadata;

    private SafetensorsFile(Path path, Arena arena, MemorySegment bytes, long dataStart, Map<String, Entry> entries,
                            Map<String, String> metadata) {
        this.path = path;
        this.arena = arena;
        this.bytes = bytes;
        this.dataStart = dataStart;
        this.entries = Collections.unmodifiableMap(entries);
        this.metadata = Collections.unmodifiableMap(metadata);
    }

    /** Opens and validates a safetensors file; any problem is a {@link LucidException} naming the file. */
    public static SafetensorsFile open(Path path, GgufFile.Loading loading) {
        Arena arena = Arena.ofShared();
        try (FileChannel channel = FileChannel.open(path, StandardOpenOption.READ)) {
            MemorySegment bytes = loading.bytesOf(channel, path, arena);
            return new Parser(path, bytes).parse(arena);
        } catch (NoSuchFileException e) {
            arena.close();
            throw new LucidException("no such file: " + path);
        } catch (IOException e) {
            arena.close();
            throw new LucidException("cannot read " + path + ": " + e.getMessage(), e);
        } catch (RuntimeException | Error e) {
            arena.close();
            throw e;
        }
    }

    public Path path() {
        return path;
    }

    public long fileSize() {
        return bytes.byteSize();
    }

    /** The tensors in header order. */
    public List<Entry> entries() {
        return List.copyOf(entries.values());
    }

    public Optional<Entry> entry(String name) {
        return Optional.ofNullable(entries.get(name));
    }

    /** The header's {@code __metadata__} (string to string), empty if there is none. */
    public Map<String, String> metadata() {
        return metadata;
    }

    /** The entry's bytes, a view of the file's memory. */
    public MemorySegment data(Entry e) {
        if (entries.get(e.name()) != e) {
            throw new IllegalArgumentException(e.name() + " is not an entry of " + path);
        }
        return bytes.asSlice(dataStart + e.begin(), e.byteSize());
    }

    /**
     * The entry as a tensor named {@code name}, in ggml shape order, over the file's memory.
     *
     * @throws LucidException if Lucid cannot compute with the entry's dtype
     */
    public Tensor tensor(Entry e, String name) {
        if (!e.dtype().isSupported()) {
            throw new LucidException("tensor " + e.name() + " in " + path.getFileName() + " is " + e.dtype()
                    + ", which Lucid does not compute with; use F32, F16 or BF16 weights");
        }
        return new Tensor(name, e.dtype().ggmlType().orElseThrow(), e.ggmlShape(), data(e));
    }

    @Override
    public void close() {
        arena.close();
    }

    /** Reads and checks the header of a whole file's bytes. */
    private static final class Parser {
        private final Path path;
        private final MemorySegment bytes;

        Parser(Path path, MemorySegment bytes) {
            this.path = path;
            this.bytes = bytes;
        }

        SafetensorsFile parse(Arena arena) {
            long size = bytes.byteSize();
            if (size < 8) {
                throw fail("not a safetensors file: it is only " + size + " bytes long (the header length alone takes 8)");
            }
            long headerLength = bytes.get(ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 0);
            if (headerLength < 0 || headerLength > size - 8) {
                throw fail("the header length " + Long.toUnsignedString(headerLength) + " runs past the end of the file ("
                        + size + " bytes); the file is truncated or not a safetensors file");
            }
            if (headerLength > MAX_HEADER_BYTES) {
                throw fail("the header length " + headerLength + " exceeds safetensors' limit of " + MAX_HEADER_BYTES + " bytes");
            }
            byte[] header = bytes.asSlice(8, headerLength).toArray(ValueLayout.JAVA_BYTE);
            JsonNode root = readHeader(header);
            long dataStart = 8 + headerLength;
            long dataSize = size - dataStart;
            Map<String, Entry> entries = new LinkedHashMap<>();
            Map<String, String> metadata = new LinkedHashMap<>();
            for (var field : root.properties()) {
                if (field.getKey().equals(METADATA)) {
                    readMetadata(field.getValue(), metadata);
                } else {
                    entries.put(field.getKey(), entry(field.getKey(), field.getValue(), dataSize));
                }
            }
            checkNoOverlaps(entries.values());
            return new SafetensorsFile(path, arena, bytes, dataStart, entries, metadata);
        }

        private JsonNode readHeader(byte[] header) {
            JsonNode root;
            try {
                root = JSON.readTree(header);
            } catch (JsonProcessingException e) {
                var at = e.getLocation();
                throw fail("the header is not valid JSON (" + oneLine(e.getOriginalMessage())
                        + (at == null ? "" : " at byte " + (8 + at.getByteOffset())) + ")");
            } catch (IOException e) {
                throw fail("the header cannot be read: " + oneLine(e.getMessage()));
            }
            if (root == null || !root.isObject()) {
                throw fail("the header is not a JSON object of tensors");
            }
            return root;
        }

        private void readMetadata(JsonNode node, Map<String, String> metadata) {
            if (!node.isObject()) {
                throw fail(METADATA + " should be an object of strings, found " + node.getNodeType());
            }
            node.properties().forEach(e -> metadata.put(e.getKey(), e.getValue().asText()));
        }

        private Entry entry(String name, JsonNode node, long dataSize) {
            if (!node.isObject()) {
                throw fail("tensor " + name + " should be an object with dtype, shape and data_offsets, found " + node.getNodeType());
            }
            JsonNode dtypeNode = node.path("dtype");
            Dtype dtype = Dtype.named(dtypeNode.asText()).orElseThrow(() -> fail("tensor " + name + " has "
                    + (dtypeNode.isMissingNode() ? "no dtype" : "the unknown dtype " + dtypeNode)
                    + " (known: " + Arrays.toString(Dtype.values()) + ")"));
            JsonNode shapeNode = node.path("shape");
            if (!shapeNode.isArray() || shapeNode.size() > MAX_DIMENSIONS) {
                throw fail("tensor " + name + " has an impossible shape " + shapeNode + " (expected a list of up to "
                        + MAX_DIMENSIONS + " sizes)");
            }
            long[] shape = new long[shapeNode.size()];
            long elements = 1;
            for (int i = 0; i < shape.length; i++) {
                shape[i] = nonNegative(shapeNode.get(i), "tensor " + name + " has an impossible shape " + shapeNode);
                try {
                    elements = Math.multiplyExact(elements, shape[i]);
                } catch (ArithmeticException e) {
                    throw fail("tensor " + name + " has an impossible shape " + shapeNode + " (too many elements)");
                }
            }
            JsonNode offsets = node.path("data_offsets");
            if (!offsets.isArray() || offsets.size() != 2) {
                throw fail("tensor " + name + " should have data_offsets [begin, end], found " + offsets);
            }
            String where = "tensor " + name + " has data_offsets " + offsets;
            long begin = nonNegative(offsets.get(0), where + ", which are not byte positions");
            long end = nonNegative(offsets.get(1), where + ", which are not byte positions");
            if (begin > end || end > dataSize) {
                throw fail(where + ", outside the " + dataSize + " bytes of data after the header; the file is truncated or corrupt");
            }
            long needed;
            try {
                needed = Math.multiplyExact(elements, dtype.size);
            } catch (ArithmeticException e) {
                throw fail("tensor " + name + " has an impossible shape " + shapeNode + " (too many bytes)");
            }
            if (needed != end - begin) {
                throw fail("tensor " + name + " of shape " + shapeNode + " in " + dtype + " needs " + needed
                        + " bytes, but its data_offsets " + offsets + " hold " + (end - begin));
            }
            return new Entry(name, dtype, shape, begin, end);
        }

        private long nonNegative(JsonNode n, String problem) {
            if (n == null || !n.isIntegralNumber() || !n.canConvertToLong() || n.asLong() < 0) {
                throw fail(problem);
            }
            return n.asLong();
        }

        private void checkNoOverlaps(Iterable<Entry> entries) {
            List<Entry> sorted = new ArrayList<>();
            for (Entry e : entries) {
                if (e.byteSize() > 0) {
                    sorted.add(e);
                }
            }
            sorted.sort(Comparator.comparingLong(Entry::begin));
            for (int i = 1; i < sorted.size(); i++) {
                Entry before = sorted.get(i - 1);
                Entry after = sorted.get(i);
                if (after.begin() < before.end()) {
                    throw fail("tensors " + before.name() + " and " + after.name() + " overlap (bytes " + after.begin()
                            + " to " + Math.min(before.end(), after.end()) + " of the data); the file is corrupt");
                }
            }
        }

        /** Names come from the file: control characters in them would break the one line. */
        private SafetensorsFormatException fail(String message) {
            return new SafetensorsFormatException(path.getFileName() + ": " + message.replaceAll("\\p{Cntrl}", "?"));
        }
    }

    /** A parser's message on one line, and not too long to read. */
    private static String oneLine(String message) {
        String s = String.valueOf(message).replaceAll("\\s+", " ").strip();
        return s.length() > 200 ? s.substring(0, 200) + "..." : s;
    }
}
