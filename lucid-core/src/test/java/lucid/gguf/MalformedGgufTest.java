package lucid.gguf;

import lucid.LucidException;
import lucid.tensor.GgmlType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

/**
 * A corpus of broken GGUF files: each must fail with one clear line naming what is wrong —
 * never an OutOfMemoryError, an index exception or a hang.
 */
class MalformedGgufTest {
    @TempDir
    Path dir;

    /** Writes GGUF fields one by one, so tests can put wrong values anywhere. */
    static final class Raw {
        private final ByteArrayOutputStream out = new ByteArrayOutputStream();

        Raw bytes(byte... b) {
            out.writeBytes(b);
            return this;
        }

        Raw u32(long v) {
            return bytes(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt((int) v).array());
        }

        Raw u64(long v) {
            return bytes(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(v).array());
        }

        Raw str(String s) {
            byte[] b = s.getBytes(StandardCharsets.UTF_8);
            return u64(b.length).bytes(b);
        }

        Raw header(int version, long tensors, long kvs) {
            return bytes("GGUF".getBytes(StandardCharsets.US_ASCII)).u32(version).u64(tensors).u64(kvs);
        }

        Raw zeros(int n) {
            return bytes(new byte[n]);
        }

        byte[] build() {
            return out.toByteArray();
        }
    }

    private Throwable open(byte[] bytes) {
        Path file = dir.resolve("broken.gguf");
        try {
            Files.write(file, bytes);
        } catch (IOException e) {
            throw new AssertionError(e);
        }
        Throwable t = catchThrowable(() -> {
            for (GgufFile.Loading loading : GgufFile.Loading.values()) {
                GgufFile.open(file, loading).close();
            }
        });
        if (t != null) {
            assertThat(t).isInstanceOf(GgufFormatException.class);
            assertThat(t.getMessage()).startsWith("broken.gguf: ").doesNotContain("\n");
        }
        return t;
    }

    private void assertFails(byte[] bytes, String expectedFragment) {
        Throwable t = open(bytes);
        assertThat(t).as("opening should fail").isNotNull();
        assertThat(t.getMessage()).contains(expectedFragment);
    }

    /** A valid file with metadata of several kinds and two tensors. */
    static byte[] validFile() {
        Random random = new Random(5);
        float[] a = GgufReaderTest.randomFloats(random, 32 * 2);
        GgufWriter w = new GgufWriter();
        w.put("general.architecture", "llama");
        w.putUInt32("llama.block_count", 1);
        w.putArray("tokenizer.ggml.tokens", new GgufArray(GgufValueType.STRING, new String[] {"<unk>", "a", "b"}));
        w.putArray("tokenizer.ggml.scores", new GgufArray(GgufValueType.FLOAT32, new float[] {0, -1, -2}));
        w.addTensor("a", GgmlType.F32, new long[] {32, 2}, MemorySegment.ofArray(a));
        w.addTensor("b", GgmlType.F32, new long[] {4}, MemorySegment.ofArray(new float[] {1, 2, 3, 4}));
        return w.toBytes();
    }

    @Test
    void validFileOpens() {
        assertThat(open(validFile())).isNull();
    }

    @Test
    void truncationAtEveryOffsetIsReported() {
        byte[] valid = validFile();
        // The writer pads the file's end to the alignment; cutting only that padding leaves a valid file.
        int end = valid.length;
        Path whole = dir.resolve("whole.gguf");
        try {
            Files.write(whole, valid);
        } catch (IOException e) {
            throw new AssertionError(e);
        }
        try (GgufFile g = GgufFile.open(whole)) {
            TensorInfo last = g.tensorInfos().getLast();
            end = (int) (g.dataOffset() + last.offset() + last.byteSize());
        }
        for (int length = 0; length < end; length++) {
            Throwable t = open(Arrays.copyOf(valid, length));
            assertThat(t).as("file cut to %d of %d bytes", length, valid.length).isNotNull();
            assertThat(t.getMessage()).containsAnyOf("truncated", "bad magic", "out of bounds");
        }
    }

    @Test
    void badMagic() {
        byte[] bytes = validFile();
        bytes[0] = 'X';
        assertFails(bytes, "not a GGUF file: bad magic \"XGUF\"");
        assertFails("PK\u0003\u0004 a zip file".getBytes(StandardCharsets.ISO_8859_1), "bad magic");
        assertFails(new byte[0], "bad magic");
    }

    @Test
    void unsupportedVersion() {
        assertFails(new Raw().header(99, 0, 0).build(), "unsupported GGUF version 99");
        assertFails(new Raw().header(1, 0, 0).build(), "unsupported GGUF version 1");
        assertFails(new Raw().header(Integer.reverseBytes(3), 0, 0).build(), "big-endian");
    }

    @Test
    void stringLengthOf2To60() {
        byte[] bytes = new Raw().header(3, 0, 1).u64(1L << 60).bytes("key".getBytes(StandardCharsets.US_ASCII)).zeros(16).build();
        assertFails(bytes, "string of 1152921504606846976 bytes");
        assertFails(bytes, "truncated");
    }

    @Test
    void arrayCountOf2To60() {
        byte[] bytes = new Raw().header(3, 0, 1).str("tokens").u32(GgufValueType.ARRAY.id)
                .u32(GgufValueType.STRING.id).u64(1L << 60).zeros(64).build();
        assertFails(bytes, "declares 1152921504606846976 elements in metadata array tokens");
    }

    @Test
    void metadataAndTensorCountsBeyondTheFile() {
        assertFails(new Raw().header(3, 0, 1L << 60).zeros(16).build(), "declares 1152921504606846976 metadata entries");
        assertFails(new Raw().header(3, -1, 0).zeros(16).build(), "declares 18446744073709551615 tensor infos");
    }

    @Test
    void unknownValueType() {
        assertFails(new Raw().header(3, 0, 1).str("k").u32(77).zeros(8).build(), "metadata k has unknown value type 77");
    }

    @Test
    void arraysNestedTooDeep() {
        Raw raw = new Raw().header(3, 0, 1).str("deep").u32(GgufValueType.ARRAY.id);
        for (int i = 0; i < 20; i++) {
            raw.u32(GgufValueType.ARRAY.id).u64(1);
        }
        assertFails(raw.zeros(16).build(), "nests arrays more than");
    }

    private static Raw oneTensor(long[] shape, long type, long offset) {
        Raw raw = new Raw().header(3, 1, 0).str("blk.0.attn_q.weight").u32(shape.length);
        for (long d : shape) {
            raw.u64(d);
        }
        return raw.u32(type).u64(offset);
    }

    private static byte[] withData(Raw raw, int dataBytes) {
        byte[] header = raw.build();
        int start = (header.length + 31) / 32 * 32;
        return Arrays.copyOf(header, start + dataBytes);
    }

    @Test
    void tensorOffsetPastTheEnd() {
        assertFails(withData(oneTensor(new long[] {4}, GgmlType.F32.id, 1024), 16), "tensor blk.0.attn_q.weight lies out of bounds");
        assertFails(withData(oneTensor(new long[] {4}, GgmlType.F32.id, -32), 16), "out of bounds");
        assertFails(withData(oneTensor(new long[] {64, 64}, GgmlType.F32.id, 0), 16), "out of bounds");
    }

    @Test
    void shapeProductOverflowing() {
        assertFails(withData(oneTensor(new long[] {1L << 32, 1L << 32, 1L << 8}, GgmlType.F32.id, 0), 16), "impossible shape");
        assertFails(withData(oneTensor(new long[] {1L << 62}, GgmlType.F32.id, 0), 16), "impossible shape");
        assertFails(withData(oneTensor(new long[] {-4}, GgmlType.F32.id, 0), 16), "impossible shape");
        assertFails(withData(oneTensor(new long[] {1, 1, 1, 1, 1, 1, 1}, GgmlType.F32.id, 0), 16), "impossible shape: 7 dimensions");
        assertFails(withData(oneTensor(new long[] {33, 2}, GgmlType.Q8_0.id, 0), 256), "not a whole number of Q8_0 blocks");
    }

    @Test
    void unknownTensorType() {
        assertFails(withData(oneTensor(new long[] {4}, 99, 0), 16), "unknown tensor type id 99");
    }

    @Test
    void misalignedTensorOffset() {
        assertFails(withData(oneTensor(new long[] {4}, GgmlType.F32.id, 4), 64), "not a multiple of the alignment 32");
    }

    @Test
    void badAlignmentAndDuplicates() {
        assertFails(new Raw().header(3, 0, 1).str("general.alignment").u32(GgufValueType.UINT32.id).u32(3).build(), "not a power of two");
        assertFails(new Raw().header(3, 0, 2).str("k").u32(GgufValueType.BOOL.id).bytes((byte) 1)
                .str("k").u32(GgufValueType.BOOL.id).bytes((byte) 0).build(), "duplicate metadata key k");
    }

    @Test
    void randomCorruptionNeverEscapesAsAnythingButAClearError() {
        byte[] valid = validFile();
        Random random = new Random(42);
        int opened = 0;
        for (int trial = 0; trial < 2000; trial++) {
            byte[] bytes = valid.clone();
            int flips = 1 + random.nextInt(4);
            for (int f = 0; f < flips; f++) {
                int at = random.nextInt(Math.min(bytes.length, 400));
                bytes[at] = (byte) random.nextInt(256);
            }
            if (open(bytes) == null) {
                opened++;
            }
        }
        // Many corruptions land in strings or float values and leave a readable file.
        assertThat(opened).isLessThan(2000);
    }

    @Test
    void missingFileAndFolderGetOneLine() {
        assertThatThrownBy(() -> GgufFile.open(dir.resolve("nope.gguf"))).isInstanceOf(LucidException.class)
                .hasMessageStartingWith("no such file: ");
        assertThatThrownBy(() -> GgufFile.open(dir)).isInstanceOf(LucidException.class).hasMessageContaining("is a folder");
    }
}
