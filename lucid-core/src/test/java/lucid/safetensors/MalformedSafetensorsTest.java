package lucid.safetensors;

import lucid.LucidException;
import lucid.gguf.GgufFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
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
 * A corpus of broken safetensors files: each must fail with one clear line naming the file and
 * what is wrong — never an OutOfMemoryError, an index exception or a Jackson stack of lines.
 */
class MalformedSafetensorsTest {
    @TempDir
    Path dir;

    /** Opens with both loadings; returns the failure (checked to be one clear line) or null. */
    private Throwable open(byte[] bytes) {
        Path file = dir.resolve("broken.safetensors");
        try {
            Files.write(file, bytes);
        } catch (IOException e) {
            throw new AssertionError(e);
        }
        Throwable t = catchThrowable(() -> {
            for (GgufFile.Loading loading : GgufFile.Loading.values()) {
                SafetensorsFile.open(file, loading).close();
            }
        });
        if (t != null) {
            assertThat(t).isInstanceOf(SafetensorsFormatException.class);
            assertThat(t.getMessage()).startsWith("broken.safetensors: ").doesNotContain("\n").doesNotContain("\r");
        }
        return t;
    }

    private void assertFails(byte[] bytes, String expectedFragment) {
        Throwable t = open(bytes);
        assertThat(t).as("opening should fail").isNotNull();
        assertThat(t.getMessage()).contains(expectedFragment);
    }

    /** A file with this header JSON (unpadded) and {@code dataBytes} bytes of data. */
    private static byte[] file(String header, int dataBytes) {
        byte[] json = header.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(8 + json.length + dataBytes).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(json.length).put(json);
        return b.array();
    }

    /** A valid file: two F32 tensors, a BF16 one and metadata, with random values. */
    static byte[] validFile() {
        Random random = new Random(7);
        byte[] a = new byte[4 * 6];
        byte[] b = new byte[4 * 4];
        byte[] c = new byte[2 * 8];
        random.nextBytes(a);
        random.nextBytes(b);
        random.nextBytes(c);
        return new SafetensorsWriter()
                .add("model.embed_tokens.weight", Dtype.F32, new long[] {2, 3}, a)
                .add("model.norm.weight", Dtype.F32, new long[] {4}, b)
                .add("lm_head.weight", Dtype.BF16, new long[] {2, 4}, c)
                .toBytes();
    }

    @Test
    void aValidFileOpensAndItsTensorsAreViewsInGgmlOrder() throws IOException {
        byte[] bytes = validFile();
        assertThat(open(bytes)).isNull();
        Path file = Files.write(dir.resolve("ok.safetensors"), bytes);
        try (SafetensorsFile f = SafetensorsFile.open(file, GgufFile.Loading.MMAP)) {
            assertThat(f.entries()).extracting(SafetensorsFile.Entry::name)
                    .containsExactly("model.embed_tokens.weight", "model.norm.weight", "lm_head.weight");
            assertThat(f.metadata()).containsEntry("format", "pt");
            SafetensorsFile.Entry e = f.entry("lm_head.weight").orElseThrow();
            var t = f.tensor(e, "output.weight");
            assertThat(t.shape()).containsExactly(4, 2);
            assertThat(t.data().isMapped()).isTrue();
            byte[] expected = Arrays.copyOfRange(bytes, bytes.length - 16, bytes.length);
            assertThat(t.data().toArray(ValueLayout.JAVA_BYTE)).containsExactly(expected);
        }
    }

    @Test
    void truncationAtEveryOffsetIsReported() {
        byte[] valid = validFile();
        for (int length = 0; length < valid.length; length++) {
            Throwable t = open(Arrays.copyOf(valid, length));
            assertThat(t).as("file cut to %d of %d bytes", length, valid.length).isNotNull();
            assertThat(t.getMessage()).containsAnyOf("only", "runs past the end", "outside the");
        }
    }

    @Test
    void headerLengthsPastTheFileAreRefusedBeforeAnythingIsRead() throws IOException {
        byte[] valid = validFile();
        for (long length : new long[] {valid.length, Long.MAX_VALUE, -1, 1L << 40}) {
            byte[] bytes = valid.clone();
            ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).putLong(0, length);
            assertFails(bytes, "runs past the end of the file");
        }
        // a sparse file bigger than safetensors' 100 MB header limit, whose header claims it all
        Path big = dir.resolve("big.safetensors");
        try (RandomAccessFile f = new RandomAccessFile(big.toFile(), "rw")) {
            f.setLength(SafetensorsFile.MAX_HEADER_BYTES + 1024);
            f.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(SafetensorsFile.MAX_HEADER_BYTES + 1).array());
        }
        assertThatThrownBy(() -> SafetensorsFile.open(big, GgufFile.Loading.MMAP)).isInstanceOf(SafetensorsFormatException.class)
                .hasMessageContaining("exceeds safetensors' limit");
    }

    @Test
    void headersThatAreNotJsonObjects() {
        assertFails(file("not json", 0), "the header is not valid JSON");
        assertFails(file("[1, 2]", 0), "not a JSON object");
        assertFails(file("", 0), "not a JSON object");
        assertFails(file("{} {}", 0), "not valid JSON");
        assertFails(file("{\"a\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [0, 4]}, \"a\": 1}", 4), "Duplicate field 'a'");
        byte[] invalidUtf8 = file("{\"x\": 1}", 0);
        invalidUtf8[10] = (byte) 0xC3;
        assertFails(invalidUtf8, "not valid JSON");
        assertFails(file("{\"__metadata__\": [1]}", 0), "__metadata__ should be an object");
    }

    @Test
    void tensorEntriesWithWrongFields() {
        assertFails(file("{\"w\": 5}", 0), "tensor w should be an object");
        assertFails(file("{\"w\": {\"dtype\": \"Q4_K\", \"shape\": [2], \"data_offsets\": [0, 2]}}", 2), "tensor w has the unknown dtype \"Q4_K\"");
        assertFails(file("{\"w\": {\"shape\": [2], \"data_offsets\": [0, 8]}}", 8), "tensor w has no dtype");
        assertFails(file("{\"w\": {\"dtype\": \"F32\", \"shape\": \"2\", \"data_offsets\": [0, 8]}}", 8), "impossible shape");
        assertFails(file("{\"w\": {\"dtype\": \"F32\", \"shape\": [-2], \"data_offsets\": [0, 8]}}", 8), "impossible shape");
        assertFails(file("{\"w\": {\"dtype\": \"F32\", \"shape\": [2.5], \"data_offsets\": [0, 8]}}", 8), "impossible shape");
        assertFails(file("{\"w\": {\"dtype\": \"F32\", \"shape\": [1,1,1,1,1,1,1,1,1], \"data_offsets\": [0, 4]}}", 4), "up to 8 sizes");
        assertFails(file("{\"w\": {\"dtype\": \"F32\", \"shape\": [1099511627776, 1099511627776], \"data_offsets\": [0, 8]}}", 8),
                "too many elements");
        assertFails(file("{\"w\": {\"dtype\": \"F64\", \"shape\": [2305843009213693952], \"data_offsets\": [0, 8]}}", 8), "too many bytes");
        assertFails(file("{\"w\": {\"dtype\": \"F32\", \"shape\": [2]}}", 8), "should have data_offsets [begin, end]");
        assertFails(file("{\"w\": {\"dtype\": \"F32\", \"shape\": [2], \"data_offsets\": [0, 8, 16]}}", 8), "data_offsets [begin, end]");
        assertFails(file("{\"w\": {\"dtype\": \"F32\", \"shape\": [2], \"data_offsets\": [0, \"8\"]}}", 8), "not byte positions");
        assertFails(file("{\"w\": {\"dtype\": \"F32\", \"shape\": [2], \"data_offsets\": [-8, 0]}}", 8), "not byte positions");
        assertFails(file("{\"w\": {\"dtype\": \"F32\", \"shape\": [2], \"data_offsets\": [0, 99999999999999999999]}}", 8), "not byte positions");
    }

    @Test
    void dataOffsetsOutsideTheDataOrNotMatchingTheShape() {
        assertFails(file("{\"w\": {\"dtype\": \"F32\", \"shape\": [2], \"data_offsets\": [0, 8]}}", 4), "outside the 4 bytes of data");
        assertFails(file("{\"w\": {\"dtype\": \"F32\", \"shape\": [2], \"data_offsets\": [8, 0]}}", 16), "outside the");
        assertFails(file("{\"w\": {\"dtype\": \"F32\", \"shape\": [2], \"data_offsets\": [1024, 1032]}}", 16), "outside the 16 bytes");
        assertFails(file("{\"w\": {\"dtype\": \"F32\", \"shape\": [3], \"data_offsets\": [0, 8]}}", 16),
                "tensor w of shape [3] in F32 needs 12 bytes, but its data_offsets [0,8] hold 8");
        assertFails(file("{\"w\": {\"dtype\": \"BF16\", \"shape\": [2, 2], \"data_offsets\": [0, 16]}}", 16), "needs 8 bytes");
    }

    @Test
    void overlappingTensors() {
        assertFails(file("{\"a\": {\"dtype\": \"F32\", \"shape\": [4], \"data_offsets\": [0, 16]},"
                + " \"b\": {\"dtype\": \"F32\", \"shape\": [2], \"data_offsets\": [8, 16]}}", 16), "tensors a and b overlap");
        // empty tensors take no bytes and overlap nothing
        assertThat(open(file("{\"a\": {\"dtype\": \"F32\", \"shape\": [4], \"data_offsets\": [0, 16]},"
                + " \"b\": {\"dtype\": \"F32\", \"shape\": [0, 3], \"data_offsets\": [8, 8]}}", 16))).isNull();
    }

    @Test
    void aDtypeLucidCannotComputeWithIsNamedWhenTheTensorIsUsed() throws IOException {
        Path file = Files.write(dir.resolve("ints.safetensors"), file("{\"w\": {\"dtype\": \"I8\", \"shape\": [4], \"data_offsets\": [0, 4]}}", 4));
        try (SafetensorsFile f = SafetensorsFile.open(file, GgufFile.Loading.READ)) {
            SafetensorsFile.Entry e = f.entry("w").orElseThrow();
            assertThat(f.data(e).byteSize()).isEqualTo(4);
            assertThatThrownBy(() -> f.tensor(e, "w")).isInstanceOf(LucidException.class)
                    .hasMessage("tensor w in ints.safetensors is I8, which Lucid does not compute with; use F32, F16 or BF16 weights");
        }
    }

    @Test
    void randomCorruptionNeverEscapesAsAnythingButAClearError() {
        byte[] valid = validFile();
        Random random = new Random(42);
        int opened = 0;
        for (int trial = 0; trial < 3000; trial++) {
            byte[] bytes = valid.clone();
            int flips = 1 + random.nextInt(4);
            for (int f = 0; f < flips; f++) {
                // mostly the header, where the structure is
                int at = random.nextInt(4) == 0 ? random.nextInt(8) : random.nextInt(bytes.length);
                bytes[at] = (byte) random.nextInt(256);
            }
            if (open(bytes) == null) {
                opened++;
            }
        }
        // corruptions of tensor values, names or padding leave a readable file
        assertThat(opened).isBetween(1, 2999);
    }

    @Test
    void missingFileIsOneLine() {
        assertThatThrownBy(() -> SafetensorsFile.open(dir.resolve("nope.safetensors"), GgufFile.Loading.MMAP))
                .isInstanceOf(LucidException.class).hasMessageStartingWith("no such file: ");
    }

    /** A tensor starting at an odd byte (allowed by the format) is still readable. */
    @Test
    void unalignedTensorsAreReadable() throws IOException {
        byte[] data = new byte[1 + 8];
        MemorySegment.ofArray(data).set(ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 1, 1.5f);
        MemorySegment.ofArray(data).set(ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 5, -2.25f);
        byte[] json = "{\"b\": {\"dtype\": \"U8\", \"shape\": [1], \"data_offsets\": [0, 1]}, \"w\": {\"dtype\": \"F32\", \"shape\": [2], \"data_offsets\": [1, 9]}}"
                .getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(8 + json.length + data.length).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(json.length).put(json).put(data);
        Path file = Files.write(dir.resolve("odd.safetensors"), b.array());
        try (SafetensorsFile f = SafetensorsFile.open(file, GgufFile.Loading.MMAP)) {
            var t = f.tensor(f.entry("w").orElseThrow(), "w");
            float[] out = new float[2];
            lucid.tensor.WeightFormat.of(t.type()).dequantize(t.data(), 0, out, 0, 2);
            assertThat(out).containsExactly(1.5f, -2.25f);
        }
    }
}
