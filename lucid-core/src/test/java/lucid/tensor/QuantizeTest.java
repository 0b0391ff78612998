package lucid.tensor;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.function.IntToDoubleFunction;

import static org.assertj.core.api.Assertions.assertThat;

/** The quantizers: exact ggml bytes on worked examples, and bounded round-trip error on random data. */
class QuantizeTest {

    private static int[] quantize(GgmlType type, float[] x) {
        MemorySegment seg = Arena.ofAuto().allocate(type.bytesFor(x.length));
        WeightFormat.of(type).quantize(x, 0, x.length, seg, 0);
        int[] bytes = new int[(int) seg.byteSize()];
        for (int i = 0; i < bytes.length; i++) {
            bytes[i] = TestData.u8(seg, i);
        }
        return bytes;
    }

    private static int bf16(float f) {
        int[] bytes = quantize(GgmlType.BF16, new float[] {f});
        return bytes[0] | bytes[1] << 8;
    }

    private static float[] block(IntToDoubleFunction f) {
        float[] x = new float[32];
        for (int j = 0; j < 32; j++) {
            x[j] = (float) f.applyAsDouble(j);
        }
        return x;
    }

    // The expected bytes below were worked out from the ggml formulas with float32 arithmetic
    // (d and 1/d rounded to float, scales stored as RNE halves); a few elements are spelled out.

    @Test
    void q8_0QuantizeGivesGgmlBytes() {
        // x = j − 16: amax 16 → d = 16/127, half 0x3008; 1/d = 7.9375 exactly.
        // j = 8: −8·7.9375 = −63.5, roundf → −64 = 0xC0 (half away from zero; Math.round would give −63).
        // j = 24: 63.5 → 64 = 0x40. j = 0: −127 = 0x81.
        assertThat(quantize(GgmlType.Q8_0, block(j -> j - 16))).containsExactly(
                0x08, 0x30, 0x81, 0x89, 0x91, 0x99, 0xA1, 0xA9, 0xB1, 0xB9, 0xC0, 0xC8, 0xD0, 0xD8, 0xE0, 0xE8, 0xF0, 0xF8,
                0x00, 0x08, 0x10, 0x18, 0x20, 0x28, 0x30, 0x38, 0x40, 0x47, 0x4F, 0x57, 0x5F, 0x67, 0x6F, 0x77);
    }

    @Test
    void q4_0QuantizeGivesGgmlBytes() {
        // x = (j − 12)/4: largest magnitude is +4.75 (j = 31), so d = 4.75/−8 = −0.59375 (half 0xB8C0)
        // and 1/d = −1.6842105f. j = 0: −3·id + 8.5 = 13.55 → 13; j = 16: 1·id + 8.5 = 6.82 → 6 → qs[0] = 0x6D.
        // j = 31: 4.75·id + 8.5 = 0.5 → 0; j = 15: 0.75·id + 8.5 = 7.24 → 7 → qs[15] = 0x07.
        assertThat(quantize(GgmlType.Q4_0, block(j -> (j - 12) * 0.25))).containsExactly(
                0xC0, 0xB8, 0x6D, 0x6D, 0x5C, 0x5C, 0x5B, 0x4B, 0x4B, 0x3A, 0x3A, 0x39, 0x29, 0x28, 0x18, 0x18, 0x07, 0x07);
    }

    @Test
    void q4_0QuantizeClampsTheFarEndTo15() {
        // x = j − 16: max magnitude is −16 (j = 0) so d = 2, 1/d = 0.5; j = 31: 7.5 + 8.5 = 16 → clamped to 15.
        int[] bytes = quantize(GgmlType.Q4_0, block(j -> j - 16));
        assertThat(bytes[2 + 15] >> 4).isEqualTo(15);
        assertThat(bytes[2] & 0xF).isEqualTo(0);   // j = 0: −8 + 8.5 = 0.5 → 0
    }

    @Test
    void q4_1QuantizeGivesGgmlBytes() {
        // x = (j − 10)/4: min −2.5 (half 0xC100), d = 7.75/15 = 0.51666665f (half 0x3822), 1/d = 1.935484f.
        // j = 1: 0.25·id + 0.5 = 0.98 → 0; j = 17: 4.75·id + 0.5 = 9.69 → 9 → qs[1] = 0x90.
        assertThat(quantize(GgmlType.Q4_1, block(j -> (j - 10) * 0.25))).containsExactly(
                0x22, 0x38, 0x00, 0xC1, 0x80, 0x80, 0x91, 0x91, 0xA2, 0xA2, 0xB3, 0xB3, 0xC4, 0xC4, 0xD5, 0xD5, 0xE6, 0xE6,
                0xF7, 0xF7);
    }

    @Test
    void q5_0QuantizeGivesGgmlBytes() {
        // x = (j − 20)/8: largest magnitude −2.5 (j = 0), d = 0.15625 (half 0x3100), 1/d = 6.4f.
        // j = 0: −16 + 16.5 → 0; j = 16: −0.5·6.4 + 16.5 = 13.3 → 13 → qs[0] = 0xD0, no 5th bits.
        // j = 20..31 give 16..30 (5th bit set): qh = 0xFFF00000.
        assertThat(quantize(GgmlType.Q5_0, block(j -> (j - 20) * 0.125))).containsExactly(
                0x00, 0x31, 0x00, 0x00, 0xF0, 0xFF, 0xD0, 0xE1, 0xE2, 0xF2, 0x03, 0x14, 0x25, 0x26, 0x36, 0x47, 0x58, 0x69,
                0x6A, 0x7A, 0x8B, 0x9C);
    }

    @Test
    void q5_1QuantizeGivesGgmlBytes() {
        // x = j²/32 − 3: min −3 (half 0xC200), d = 30.03125/31 = 0.96875 (half 0x3BC0), 1/d = 1.032258f.
        // j = 31 → 31 (5th bit); j = 7: (49/32)·id + 0.5 = 2.08 → 2, j = 23: (529/32)·id + 0.5 = 17.56 → 17
        // → qs[7] = 0x12 and bit 23 of qh; qh = 0xFFC00000 (j = 22..31).
        assertThat(quantize(GgmlType.Q5_1, block(j -> j * j / 32.0 - 3))).containsExactly(
                0xC0, 0x3B, 0x00, 0xC2, 0x00, 0x00, 0xC0, 0xFF, 0x80, 0x90, 0xA0, 0xC0, 0xD1, 0xE1, 0x01, 0x12, 0x32, 0x43,
                0x63, 0x84, 0x95, 0xB5, 0xD6, 0xF7);
    }

    @Test
    void bf16QuantizeRoundsToNearestEvenAndKeepsNanQuiet() {
        int[][] cases = {
                {0x3F800000, 0x3F80},   // 1.0
                {0x3F808000, 0x3F80},   // tie, even below: down
                {0x3F818000, 0x3F82},   // tie, odd below: up
                {0x3F808001, 0x3F81},   // just above the tie: up
                {0x7F7FFFFF, 0x7F80},   // max float rounds to +inf
                {0xFF800000, 0xFF80},   // −inf stays
                {0x00018000, 0x0002},   // subnormals round too (not flushed)
                {0x7F800001, 0x7FC0},   // signalling NaN: top bits kept, forced quiet
                {0xFF812345, 0xFFC1},
        };
        for (int[] c : cases) {
            assertThat(bf16(Float.intBitsToFloat(c[0]))).as("0x%08X", c[0]).isEqualTo(c[1]);
        }
    }

    @Test
    void bf16QuantizeIsTheNearestBf16OnRandomFloats() {
        TestData.Rng r = TestData.rng("bf16 quantize");
        for (int i = 0; i < 100_000; i++) {
            float f = Float.intBitsToFloat(r.g().nextInt());
            if (Float.isNaN(f) || Float.isInfinite(f)) {
                continue;
            }
            int got = bf16(f);
            // Independent: compare the two neighbours in float64; ties go to the even one.
            int down = Float.floatToRawIntBits(f) >>> 16;
            double below = Math.abs(f - (double) Float.intBitsToFloat(down << 16));
            double above = Math.abs((double) Float.intBitsToFloat((down + 1) << 16) - f);
            if (Float.isInfinite(Float.intBitsToFloat((down + 1) << 16))) {
                above = Math.abs(Math.scalb(1.0, 128) * Math.signum(f) - f);   // where the next step would be
            }
            int expected = below < above || (below == above && (down & 1) == 0) ? down : (down + 1) & 0xFFFF;
            assertThat(got).as("float 0x%08X, %s", Float.floatToRawIntBits(f), r).isEqualTo(expected);
        }
    }

    @Test
    void f16QuantizeIsFloatToFloat16OnRandomFloats() {
        TestData.Rng r = TestData.rng("f16 quantize");
        float[] x = new float[10_000];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) (r.g().nextDouble(-1, 1) * Math.pow(2, r.g().nextInt(-26, 17)));
        }
        int[] bytes = quantize(GgmlType.F16, x);
        for (int i = 0; i < x.length; i++) {
            assertThat(bytes[2 * i] | bytes[2 * i + 1] << 8).as("%s, %s", x[i], r)
                    .isEqualTo(Float.floatToFloat16(x[i]) & 0xFFFF);
        }
    }

    /**
     * Round trip through a block format. With d and m the float scale and minimum the quantizer
     * computed and d', m' their stored halves, each element is off by at most
     * half a step |d|/2 (a whole step for the one clamped end of Q4_0/Q5_0),
     * plus the scale's own rounding |q|·|d − d'| and |m − m'|, plus float slack.
     */
    @ParameterizedTest
    @EnumSource(names = {"Q8_0", "Q4_0", "Q4_1", "Q5_0", "Q5_1"})
    void quantizeThenDequantizeIsWithinHalfAStep(GgmlType type) {
        TestData.Rng r = TestData.rng("round trip " + type);
        for (int blocks : new int[] {1, 3, 7, 33}) {
            float[] x = new float[32 * blocks];
            for (int b = 0; b < blocks; b++) {
                double center = r.g().nextDouble(-1, 1);
                double spread = Math.pow(10, r.g().nextDouble(-2, 0.5));
                for (int j = 0; j < 32; j++) {
                    x[32 * b + j] = (float) (center + spread * r.g().nextDouble(-1, 1));
                }
            }
            MemorySegment seg = Arena.ofAuto().allocate(type.bytesFor(x.length));
            WeightFormat format = WeightFormat.of(type);
            format.quantize(x, 0, x.length, seg, 0);
            float[] back = new float[x.length];
            format.dequantize(seg, 0, back, 0, x.length);
            for (int b = 0; b < blocks; b++) {
                checkBlock(type, x, back, 32 * b, seg, (long) b * type.blockBytes, r);
            }
        }
    }

    private static void checkBlock(GgmlType type, float[] x, float[] back, int from, MemorySegment seg, long at,
                                   TestData.Rng r) {
        double min = Double.MAX_VALUE;
        double max = -Double.MAX_VALUE;
        double signedMax = 0;
        for (int j = from; j < from + 32; j++) {
            min = Math.min(min, x[j]);
            max = Math.max(max, x[j]);
            if (Math.abs(x[j]) > Math.abs(signedMax)) {
                signedMax = x[j];
            }
        }
        double stored = TestData.half(seg, at);
        boolean hasMin = type == GgmlType.Q4_1 || type == GgmlType.Q5_1;
        double mStored = hasMin ? TestData.half(seg, at + 2) : 0;
        double d;
        int maxQ;
        double clampAbove;   // x/d from which the top level is clamped (a whole step of error)
        switch (type) {
            case Q8_0 -> { d = Math.abs(signedMax) / 127; maxQ = 127; clampAbove = Double.MAX_VALUE; }
            case Q4_0 -> { d = signedMax / -8; maxQ = 8; clampAbove = 7.5; }
            case Q5_0 -> { d = signedMax / -16; maxQ = 16; clampAbove = 15.5; }
            case Q4_1 -> { d = (max - min) / 15; maxQ = 15; clampAbove = Double.MAX_VALUE; }
            default -> { d = (max - min) / 31; maxQ = 31; clampAbove = Double.MAX_VALUE; }
        }
        double slack = 1e-6 * Math.max(Math.abs(min), Math.abs(max));
        for (int j = from; j < from + 32; j++) {
            double step = (hasMin ? 0 : x[j] / d) >= clampAbove - 1e-5 ? Math.abs(d) : Math.abs(d) / 2;
            double bound = step + maxQ * Math.abs(d - stored) + Math.abs(min - mStored) * (hasMin ? 1 : 0) + slack;
            assertThat(Math.abs(x[j] - (double) back[j])).as("%s element %d, x=%s, %s", type, j, x[j], r)
                    .isLessThanOrEqualTo(bound);
        }
    }
}
