package lucid.tensor;

import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import static org.assertj.core.api.Assertions.assertThat;

/** The F16 and BF16 conversions are exact for every bit pattern, specials included. */
class HalfConversionTest {
    private static MemorySegment allPatterns() {
        MemorySegment seg = Arena.ofAuto().allocate(2 * 65536);
        for (int h = 0; h < 65536; h++) {
            TestData.putU16(seg, 2L * h, h);
        }
        return seg;
    }

    @Test
    void f16DequantizeIsExactForAll65536BitPatterns() {
        MemorySegment seg = allPatterns();
        float[] fast = new float[65536];
        float[] plain = new float[65536];
        F16Format.INSTANCE.dequantize(seg, 0, fast, 0, 65536);
        F16Format.INSTANCE.dequantizeScalar(seg, 0, plain, 0, 65536);
        for (int h = 0; h < 65536; h++) {
            int expected = Float.floatToRawIntBits(Float.float16ToFloat((short) h));
            assertThat(Float.floatToRawIntBits(fast[h])).as("half 0x%04X (vector)", h).isEqualTo(expected);
            assertThat(Float.floatToRawIntBits(plain[h])).as("half 0x%04X (scalar)", h).isEqualTo(expected);
        }
    }

    @Test
    void bf16DequantizeIsTheTop16BitsForAll65536BitPatterns() {
        MemorySegment seg = allPatterns();
        float[] fast = new float[65536];
        float[] plain = new float[65536];
        BF16Format.INSTANCE.dequantize(seg, 0, fast, 0, 65536);
        BF16Format.INSTANCE.dequantizeScalar(seg, 0, plain, 0, 65536);
        for (int h = 0; h < 65536; h++) {
            assertThat(Float.floatToRawIntBits(fast[h])).as("bf16 0x%04X (vector)", h).isEqualTo(h << 16);
            assertThat(Float.floatToRawIntBits(plain[h])).as("bf16 0x%04X (scalar)", h).isEqualTo(h << 16);
        }
    }

    @Test
    void quantizingEveryNonNanHalfValueGivesBackItsBits() {
        MemorySegment seg = allPatterns();
        float[] values = new float[65536];
        F16Format.INSTANCE.dequantize(seg, 0, values, 0, 65536);
        MemorySegment again = Arena.ofAuto().allocate(2 * 65536);
        F16Format.INSTANCE.quantize(values, 0, 65536, again, 0);
        for (int h = 0; h < 65536; h++) {
            int expected = (h & 0x7FFF) > 0x7C00 ? (h & 0x8000) | 0x7E00 : h;   // NaNs become ggml's quiet NaN
            assertThat(TestData.u16(again, 2L * h)).as("half 0x%04X", h).isEqualTo(expected);
        }
    }
}
