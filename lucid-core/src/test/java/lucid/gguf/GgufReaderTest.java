package lucid.gguf;

import lucid.tensor.GgmlType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/** Reading well-formed GGUF files: every value type, alignment, both loading modes. */
class GgufReaderTest {
    @TempDir
    Path dir;

    static float[] randomFloats(Random random, int n) {
        float[] f = new float[n];
        for (int i = 0; i < n; i++) {
            f[i] = (float) random.nextGaussian();
        }
        return f;
    }

    static GgufWriter everyValueType() {
        GgufWriter w = new GgufWriter();
        w.put("general.architecture", "llama");
        w.put("u8", GgufValueType.UINT8, 200L);
        w.put("i8", GgufValueType.INT8, -100L);
        w.put("u16", GgufValueType.UINT16, 60000L);
        w.put("i16", GgufValueType.INT16, -30000L);
        w.put("u32", GgufValueType.UINT32, 4_000_000_000L);
        w.put("i32", GgufValueType.INT32, -2_000_000_000L);
        w.put("u64", GgufValueType.UINT64, -1L);
        w.put("i64", GgufValueType.INT64, Long.MIN_VALUE);
        w.put("f32", GgufValueType.FLOAT32, 3.25f);
        w.put("f64", GgufValueType.FLOAT64, -1e300);
        w.put("bool", GgufValueType.BOOL, true);
        w.put("text", "héllo 世界 🤖");
        w.putArray("ints", new GgufArray(GgufValueType.INT32, new long[] {1, -2, 3}));
        w.putArray("floats", new GgufArray(GgufValueType.FLOAT32, new float[] {0.5f, -1.5f}));
        w.putArray("doubles", new GgufArray(GgufValueType.FLOAT64, new double[] {1e-9}));
        w.putArray("bools", new GgufArray(GgufValueType.BOOL, new boolean[] {true, false}));
        w.putArray("strings", new GgufArray(GgufValueType.STRING, new String[] {"a", "", "ü"}));
        w.putArray("nested", new GgufArray(GgufValueType.ARRAY, new GgufArray[] {
                new GgufArray(GgufValueType.UINT8, new long[] {1, 2}),
                new GgufArray(GgufValueType.ARRAY, new GgufArray[] {new GgufArray(GgufValueType.STRING, new String[] {"deep"})})}));
        w.putArray("empty", new GgufArray(GgufValueType.INT64, new long[0]));
        return w;
    }

    @Test
    void everyMetadataValueTypeRoundTrips() throws IOException {
        Path file = dir.resolve("values.gguf");
        everyValueType().write(file);
        try (GgufFile g = GgufFile.open(file)) {
            GgufMetadata m = g.metadata();
            assertThat(g.version()).isEqualTo(3);
            assertThat(m.longValue("u8")).contains(200L);
            assertThat(m.longValue("i8")).contains(-100L);
            assertThat(m.longValue("u16")).contains(60000L);
            assertThat(m.longValue("i16")).contains(-30000L);
            assertThat(m.longValue("u32")).contains(4_000_000_000L);
            assertThat(m.longValue("i32")).contains(-2_000_000_000L);
            assertThat(m.longValue("u64")).contains(-1L);
            assertThat(GgufMetadata.render(m.entry("u64").orElseThrow())).isEqualTo("18446744073709551615");
            assertThat(m.longValue("i64")).contains(Long.MIN_VALUE);
            assertThat(m.doubleValue("f32")).contains(3.25);
            assertThat(m.doubleValue("f64")).contains(-1e300);
            assertThat(m.boolValue("bool")).contains(true);
            assertThat(m.string("text")).contains("héllo 世界 🤖");
            assertThat(m.intArray("ints").orElseThrow()).containsExactly(1, -2, 3);
            assertThat(m.floatArray("floats").orElseThrow()).containsExactly(0.5f, -1.5f);
            assertThat(m.floatArray("doubles").orElseThrow()).containsExactly(1e-9f);
            assertThat((boolean[]) m.array("bools").orElseThrow().values()).containsExactly(true, false);
            assertThat(m.stringArray("strings").orElseThrow()).containsExactly("a", "", "ü");
            GgufArray[] nested = (GgufArray[]) m.array("nested").orElseThrow().values();
            assertThat((long[]) nested[0].values()).containsExactly(1, 2);
            GgufArray[] deeper = (GgufArray[]) nested[1].values();
            assertThat((String[]) deeper[0].values()).containsExactly("deep");
            assertThat(m.array("empty").orElseThrow().size()).isZero();
            assertThat(m.keys()).startsWith("general.architecture", "u8", "i8");
        }
    }

    @Test
    void wrongTypeAccessNamesTheKeyAndTheStoredType() throws IOException {
        Path file = dir.resolve("values.gguf");
        everyValueType().write(file);
        try (GgufFile g = GgufFile.open(file)) {
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> g.metadata().string("u32"))
                    .hasMessage("metadata u32 is stored as UINT32, expected a string");
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> g.metadata().intValue("u64"))
                    .hasMessageContaining("metadata u64 = 18446744073709551615 is out of range");
        }
    }

    @ParameterizedTest
    @EnumSource(GgufFile.Loading.class)
    void tensorsAreViewsOfTheirBytesWithCustomAlignment(GgufFile.Loading loading) throws IOException {
        Random random = new Random(11);
        float[] a = randomFloats(random, 3 * 5);
        float[] b = randomFloats(random, 7);
        GgufWriter w = new GgufWriter();
        w.putUInt32("general.alignment", 64);
        w.addTensor("a", GgmlType.F32, new long[] {5, 3}, MemorySegment.ofArray(a.clone()));
        w.addTensor("b", GgmlType.F32, new long[] {7}, MemorySegment.ofArray(b.clone()));
        Path file = dir.resolve("tensors.gguf");
        w.write(file);
        try (GgufFile g = GgufFile.open(file, loading)) {
            assertThat(g.alignment()).isEqualTo(64);
            assertThat(g.dataOffset() % 64).isZero();
            assertThat(g.tensorInfos()).extracting(TensorInfo::name).containsExactly("a", "b");
            assertThat(g.tensorInfo("b").orElseThrow().offset() % 64).isZero();
            var ta = g.tensor("a").orElseThrow();
            assertThat(ta.shape()).containsExactly(5, 3);
            assertThat(ta.rowCount()).isEqualTo(3);
            assertThat(ta.data().toArray(ValueLayout.JAVA_FLOAT)).containsExactly(a);
            assertThat(g.tensor("b").orElseThrow().data().toArray(ValueLayout.JAVA_FLOAT)).containsExactly(b);
            assertThat(g.tensor("missing")).isEmpty();
            assertThat(ta.data().isNative()).as("tensor bytes live off the Java heap").isTrue();
        }
    }

    @ParameterizedTest
    @EnumSource(GgufFile.Loading.class)
    void tensorsBeyondTwoGibibytesAreReadable(GgufFile.Loading loading) throws IOException {
        // A sparse file: one small tensor whose data starts 2 GiB + 64 bytes into the data section.
        long offset = (1L << 31) + 64;
        byte[] header = new MalformedGgufTest.Raw().header(3, 1, 0)
                .str("far").u32(1).u64(4).u32(GgmlType.F32.id).u64(offset).build();
        long dataStart = (header.length + 31) / 32 * 32;
        float[] values = {1.5f, -2.25f, 3e-8f, 42f};
        Path file = dir.resolve("huge.gguf");
        try (var raf = new java.io.RandomAccessFile(file.toFile(), "rw")) {
            raf.write(header);
            raf.setLength(dataStart + offset + 16);
            raf.seek(dataStart + offset);
            var buffer = java.nio.ByteBuffer.allocate(16).order(java.nio.ByteOrder.LITTLE_ENDIAN);
            for (float v : values) {
                buffer.putFloat(v);
            }
            raf.write(buffer.array());
        }
        try (GgufFile g = GgufFile.open(file, loading)) {
            assertThat(g.fileSize()).isGreaterThan(1L << 31);
            assertThat(g.tensor("far").orElseThrow().data().toArray(ValueLayout.JAVA_FLOAT)).containsExactly(values);
        } finally {
            Files.delete(file);
        }
    }

    @Test
    void versionTwoFilesReadLikeVersionThree() throws IOException {
        byte[] bytes = everyValueType().toBytes();
        bytes[4] = 2;
        Path file = dir.resolve("v2.gguf");
        Files.write(file, bytes);
        try (GgufFile g = GgufFile.open(file)) {
            assertThat(g.version()).isEqualTo(2);
            assertThat(g.metadata().string("text")).contains("héllo 世界 🤖");
        }
    }

    @Test
    void vocabularyOnlyFileFromLlamaCppOpens() {
        try (GgufFile g = GgufFile.open(lucid.SharedAssets.path("tokenizers/llamacpp-vocab/ggml-vocab-llama-spm.gguf"))) {
            assertThat(g.tensorInfos()).isEmpty();
            assertThat(g.metadata().stringArray("tokenizer.ggml.tokens").orElseThrow()).hasSize(32000);
        }
    }
}
