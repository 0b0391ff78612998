package lucid.gguf;

import lucid.LucidException;
import lucid.tensor.Tensor;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * An open GGUF file: its metadata, its tensor infos, and its tensors as {@link MemorySegment}
 * views. The bytes live off the Java heap, either mapped from the file or read into memory
 * allocated for them ({@link Loading}); closing the file releases them.
 */
public final class GgufFile implements ModelFile {

    /** How tensor bytes get into memory (for GGUF files and safetensors alike). */
    public enum Loading {
        /** Map the file: instant start, pages come from the page cache on first touch. */
        MMAP,
        /** Read the whole file into off-heap memory: slower start, faster streaming on some machines. */
        READ;

        /** The whole file behind {@code channel}, mapped or read into memory that {@code arena} owns. */
        public MemorySegment bytesOf(FileChannel channel, Path path, Arena arena) throws IOException {
            long size = channel.size();
            return switch (this) {
                case MMAP -> size == 0 ? MemorySegment.ofArray(new byte[0]) : channel.map(FileChannel.MapMode.READ_ONLY, 0, size, arena);
                case READ -> readFully(channel, size, arena, path);
            };
        }

        private static MemorySegment readFully(FileChannel channel, long size, Arena arena, Path path) throws IOException {
            MemorySegment memory;
            try {
                memory = arena.allocate(Math.max(size, 1), 64);
            } catch (OutOfMemoryError e) {
                throw new LucidException("not enough memory to read " + path + " (" + size / (1 << 20) + " MiB) into memory; try --mmap");
            }
            long done = 0;
            while (done < size) {
                int chunk = (int) Math.min(size - done, 1 << 30);
                var buffer = memory.asSlice(done, chunk).asByteBuffer();
                while (buffer.hasRemaining()) {
                    if (channel.read(buffer, done + buffer.position()) < 0) {
                        throw new LucidException(path + " shrank while it was being read");
                    }
                }
                done += chunk;
            }
            return memory.asSlice(0, size);
        }
    }

    private final Path path;
    private final Arena arena;
    private final MemorySegment bytes;
    private final GgufHeaderParser.Header header;
    private final Map<String, TensorInfo> tensorsByName;
    private final Loading loading;

    private GgufFile(Path path, Arena arena, MemorySegment bytes, GgufHeaderParser.Header header, Loading loading) {
        this.path = path;
        this.arena = arena;
        this.bytes = bytes;
        this.header = header;
        this.loading = loading;
        LinkedHashMap<String, TensorInfo> byName = new LinkedHashMap<>();
        for (TensorInfo t : header.tensors()) {
            byName.put(t.name(), t);
        }
        this.tensorsByName = byName;
    }

    public static GgufFile open(Path path) {
        return open(path, Loading.MMAP);
    }

    /** Opens and validates a GGUF file; any problem is a {@link LucidException} naming the file. */
    public static GgufFile open(Path path, Loading loading) {
        if (Files.isDirectory(path)) {
            throw new LucidException(path + " is a folder, not a GGUF file");
        }
        Arena arena = Arena.ofShared();
        try (FileChannel channel = FileChannel.open(path, StandardOpenOption.READ)) {
            MemorySegment bytes = loading.bytesOf(channel, path, arena);
            GgufHeaderParser.Header header = GgufHeaderParser.parse(bytes, path.getFileName().toString());
            return new GgufFile(path, arena, bytes, header, loading);
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

    @Override
    public Path path() {
        return path;
    }

    public Loading loading() {
        return loading;
    }

    public int version() {
        return header.version();
    }

    @Override
    public GgufMetadata metadata() {
        return header.metadata();
    }

    public int alignment() {
        return header.alignment();
    }

    /** Where the data section starts in the file. */
    public long dataOffset() {
        return header.dataOffset();
    }

    @Override
    public long fileSize() {
        return bytes.byteSize();
    }

    @Override
    public List<TensorInfo> tensorInfos() {
        return header.tensors();
    }

    public Optional<TensorInfo> tensorInfo(String name) {
        return Optional.ofNullable(tensorsByName.get(name));
    }

    @Override
    public boolean hasTensor(String name) {
        return tensorsByName.containsKey(name);
    }

    /** The named tensor as a view of the file's bytes, or empty if the file has none by that name. */
    @Override
    public Optional<Tensor> tensor(String name) {
        TensorInfo info = tensorsByName.get(name);
        if (info == null) {
            return Optional.empty();
        }
        MemorySegment data = bytes.asSlice(header.dataOffset() + info.offset(), info.byteSize());
        return Optional.of(new Tensor(info.name(), info.type(), info.shape(), data));
    }

    @Override
    public void close() {
        arena.close();
    }
}
