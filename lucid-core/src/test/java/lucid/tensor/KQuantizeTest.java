package lucid.tensor;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.function.IntToDoubleFunction;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The K-quant quantizers (ggml's quantize_row_qX_K_ref): exact ggml bytes on worked examples,
 * the scale packing, exact round trips of values already on a stored grid, and bounded error on
 * random data. Worked-example inputs are chosen so that ggml's searches provably keep their first
 * guess (every sub-block is a power-of-two scale times integer levels, so that guess fits
 * exactly); the bytes then follow from the formulas by hand, as the comments show.
 */
class KQuantizeTest {

    static int[] quantize(GgmlType type, float[] x) {
        MemorySegment seg = Arena.ofAuto().allocate(type.bytesFor(x.length));
        WeightFormat.of(type).quantize(x, 0, x.length, seg, 0);
        int[] bytes = new int[(int) seg.byteSize()];
        for (int i = 0; i < bytes.length; i++) {
            bytes[i] = TestData.u8(seg, i);
        }
        return bytes;
    }

    static float[] superBlock(IntToDoubleFunction f) {
        float[] x = new float[256];
        for (int j = 0; j < 256; j++) {
            x[j] = (float) f.applyAsDouble(j);
        }
        return x;
    }

    static int[] concat(int[] head, int[] tail) {
        int[] all = java.util.Arrays.copyOf(head, head.length + tail.length);
        System.arraycopy(tail, 0, all, head.length, tail.length);
        return all;
    }

    @Test
    void nearestIntRoundsHalfToEvenLikeGgml() {
        // ggml's nearest_int adds 1.5·2²³ and lets the float adder round: ties go to even,
        // unlike C roundf (which the legacy formats use).
        float[][] cases = {{2.5f, 2}, {3.5f, 4}, {-2.5f, -2}, {-3.5f, -4}, {0.5f, 0}, {1.5f, 2}, {31.5f, 32},
                {0.49999997f, 0}, {-0.5f, 0}, {7.4999995f, 7}, {-4194303f, -4194303}};
        for (float[] c : cases) {
            assertThat(KQuantSearch.nearestInt(c[0])).as("%s", c[0]).isEqualTo((int) c[1]);
        }
        TestData.Rng r = TestData.rng("nearestInt");
        for (int i = 0; i < 100_000; i++) {
            float v = (float) (r.g().nextDouble(-1, 1) * Math.pow(2, r.g().nextInt(-5, 22)));
            assertThat(KQuantSearch.nearestInt(v)).as("%s, %s", v, r).isEqualTo((int) Math.rint(v));
        }
    }

    @Test
    void sixBitScalesAndMinsRoundTripThroughGetScaleMin() {
        TestData.Rng r = TestData.rng("K4 scale packing");
        MemorySegment seg = Arena.ofAuto().allocate(12);
        for (int round = 0; round < 1000; round++) {
            int[] sc = new int[8];
            int[] m = new int[8];
            for (int j = 0; j < 8; j++) {
                sc[j] = r.g().nextInt(64);
                m[j] = r.g().nextInt(64);
            }
            KQuants.packK4(sc, m, seg, 0);
            for (int j = 0; j < 8; j++) {
                assertThat(TestData.scaleMinK4(seg, 0, j)).as("sub-block %d, %s", j, r).containsExactly(sc[j], m[j]);
                int w0 = KQuants.word(seg, 0);
                int w1 = KQuants.word(seg, 4);
                int w2 = KQuants.word(seg, 8);
                assertThat(new int[] {KQuants.scaleK4(w0, w2, j), KQuants.minK4(w1, w2, j)}).containsExactly(sc[j], m[j]);
            }
        }
    }

    @Test
    void q3ScalesRoundTripThroughGgmlsKmaskUnpacking() {
        TestData.Rng r = TestData.rng("Q3 scale packing");
        MemorySegment seg = Arena.ofAuto().allocate(12);
        for (int round = 0; round < 1000; round++) {
            int[] biased = new int[16];
            for (int j = 0; j < 16; j++) {
                biased[j] = r.g().nextInt(64);
            }
            KQuants.packQ3(biased, seg, 0);
            for (int j = 0; j < 16; j++) {
                assertThat(TestData.q3Scale(seg, 0, j)).as("scale %d, %s", j, r).isEqualTo(biased[j] - 32);
                assertThat(KQuants.scaleQ3(KQuants.word(seg, 0), KQuants.word(seg, 4), KQuants.word(seg, 8), j))
                        .isEqualTo(biased[j] - 32);
            }
        }
    }

    // Worked examples. In each, sub-block s of the input is a_s·l − b_s with a_s, b_s powers of two
    // (or 0) and integer levels l that include both ends of the range. The first guess of every
    // ggml search is then exact (range/nmax = a_s, error 0), so it is kept: the sub-block scale is
    // a_s and its min b_s. What remains is the 6- or 4-bit rounding of those against the largest,
    // the f16 super-block scales, and the recomputed levels, which come out equal to l.

    private static final double[] A8 = {1, 0.5, 0.25, 0.125, 0.5, 1, 0.25, 0.125};
    private static final double[] B8 = {0, 0.5, 0.25, 0.125, 0.5, 0.25, 0.125, 0};

    /**
     * Q4_K and Q5_K share the header. Scales: 63·a/max a = 63, 31.5 → 32 (ties to even), 15.75 → 16,
     * 7.875 → 8, so sc = {63, 32, 16, 8, 32, 63, 16, 8}; mins 63·b/0.5: m = {0, 63, 32, 16, 63, 32, 16, 0}.
     * d = f16(1/63) = 0x2410 (2⁻⁶·1040/1024), dmin = f16(0.5/63) = 0x2010.
     * Packing: bytes 0-3 = sc[0..3] | (sc[4..7] >> 4) << 6 = 63|2<<6, 32|3<<6, 16|1<<6, 8 = BF E0 50 08;
     * bytes 4-7 = m[0..3] | (m[4..7] >> 4) << 6 = 0|3<<6, 63|2<<6, 32|1<<6, 16 = C0 BF 60 10;
     * bytes 8-11 = sc[4..7] & 15 | (m[4..7] & 15) << 4 = F0 0F 00 08.
     * Levels: (x + dmin·m)/(d·sc) = l·a/(d·sc) + (dmin·m − b)/(d·sc), within 0.24 of l for l ≤ 31.
     */
    private static final int[] K4_HEADER = {0x10, 0x24, 0x10, 0x20,
            0xBF, 0xE0, 0x50, 0x08, 0xC0, 0xBF, 0x60, 0x10, 0xF0, 0x0F, 0x00, 0x08};

    @Test
    void q4_KQuantizeGivesGgmlBytes() {
        // Sub-block s (32 elements) holds every level 0..15 twice: l = (i + 3s) % 16.
        float[] x = superBlock(j -> A8[j / 32] * ((j % 32 + 3 * (j / 32)) % 16) - B8[j / 32]);
        int[] qs = new int[128];
        for (int g = 0; g < 4; g++) {
            for (int i = 0; i < 32; i++) {
                // qs[32g + i]: sub-block 2g in the low nibble, 2g+1 in the high nibble.
                qs[32 * g + i] = (i + 6 * g) % 16 | ((i + 6 * g + 3) % 16) << 4;
            }
        }
        assertThat(qs[0]).isEqualTo(0x30);
        assertThat(quantize(GgmlType.Q4_K, x)).containsExactly(concat(K4_HEADER, qs));
    }

    @Test
    void q5_KQuantizeGivesGgmlBytes() {
        // Sub-block s holds every level 0..31 once: l = (i + 5s) % 32.
        float[] x = superBlock(j -> A8[j / 32] * ((j % 32 + 5 * (j / 32)) % 32) - B8[j / 32]);
        int[] qh = new int[32];
        int[] qs = new int[128];
        for (int g = 0; g < 4; g++) {
            for (int i = 0; i < 32; i++) {
                int lo = (i + 10 * g) % 32;       // sub-block 2g
                int hi = (i + 10 * g + 5) % 32;   // sub-block 2g+1
                qs[32 * g + i] = (lo & 15) | (hi & 15) << 4;
                qh[i] |= (lo >> 4) << (2 * g) | (hi >> 4) << (2 * g + 1);
            }
        }
        // Element 0 of sub-blocks 0..7 has levels 0, 5, 10, 15, 20, 25, 30, 3: 5th bits 0,0,0,0,1,1,1,0.
        assertThat(qh[0]).isEqualTo(0b0111_0000);
        assertThat(quantize(GgmlType.Q5_K, x)).containsExactly(concat(concat(K4_HEADER, qh), qs));
    }

    /**
     * Q6_K: sub-block s (16 elements) is a_s·l with l = −32 for i = 0 and −32 + 4i + s%4 after
     * (up to 31), so the value of largest magnitude sits at l = −32 and make_qx_quants' first
     * scale is exactly a_s (its x²-weighted fit is perfect, so no trial beats it). The largest
     * scale, a_0 = 1, maps to −128: d = f16(−1/128) = 0xA000 and scale_s = min(127, −128·a_s),
     * where a_5 = −1 gives +128, clamped to 127.
     */
    @Test
    void q6_KQuantizeGivesGgmlBytes() {
        double[] a = {1, -0.5, 0.25, -0.125, 0.5, -1, 0.0625, 0.03125, -0.25, 0.125, -0.0625, 0.5, 1, -0.03125,
                0.015625, -0.015625};
        int[] scales = {0x80, 0x40, 0xE0, 0x10, 0xC0, 0x7F, 0xF8, 0xFC, 0x20, 0xF0, 0x08, 0xC0, 0x80, 0x04, 0xFE, 0x02};
        int[] level = new int[256];
        for (int j = 0; j < 256; j++) {
            int i = j % 16;
            level[j] = i == 0 ? -32 : -32 + 4 * i + (j / 16) % 4;
        }
        float[] x = superBlock(j -> a[j / 16] * level[j]);
        // Sub-block 5 is stored as −127/128 instead of −1: x/(d·127) = l·128/127 still rounds to l.
        int[] ql = new int[128];
        int[] qh = new int[64];
        for (int j = 0; j < 256; j++) {
            int q = level[j] + 32;                    // stored 0..63
            int h = j / 128;
            int k = (j % 128) / 32;                   // which of the four 32-runs of this half
            int l = j % 32;
            ql[64 * h + 32 * (k % 2) + l] |= (q & 15) << (4 * (k / 2));
            qh[32 * h + l] |= (q >> 4) << (2 * k);
        }
        int[] expected = concat(concat(concat(ql, qh), scales), new int[] {0x00, 0xA0});
        assertThat(quantize(GgmlType.Q6_K, x)).containsExactly(expected);
    }

    /**
     * Q3_K: sub-block s is a_s·l with l = (i + s) % 8 − 4 (−4..3, each twice); the largest scale,
     * a_0 = 1, maps to −32: d = f16(−1/32) = 0xA800 and the biased 6-bit scale is
     * clamp(−32·a_s, −32, 31) + 32 = {0, 48, 24, 36, 16, 63 (a_5 = −1: +32 clamped to 31), 30, 40,
     * 28, 34, 31, 33, 8 (a = 3/4), 44, 16, 0}. Packed: bytes 0-7 = low nibbles of scales 0-7 |
     * low nibbles of scales 8-15 << 4 = C0 20 F8 14 80 CF 0E 08; byte 8+k = top two bits of
     * scales k, k+4, k+8, k+12 at bits 0, 2, 4, 6 = 14 AF 55 2A.
     */
    @Test
    void q3_KQuantizeGivesGgmlBytes() {
        double[] a = {1, -0.5, 0.25, -0.125, 0.5, -1, 0.0625, -0.25, 0.125, -0.0625, 0.03125, -0.03125, 0.75,
                -0.375, 0.5, 1};
        int[] scales = {0xC0, 0x20, 0xF8, 0x14, 0x80, 0xCF, 0x0E, 0x08, 0x14, 0xAF, 0x55, 0x2A};
        float[] x = superBlock(j -> a[j / 16] * ((j % 16 + j / 16) % 8 - 4));
        int[] hmask = new int[32];
        int[] qs = new int[64];
        for (int j = 0; j < 256; j++) {
            int q = (j % 16 + j / 16) % 8;   // stored level: l + 4
            hmask[j % 32] |= (q >> 2) << (j / 32);
            qs[32 * (j / 128) + j % 32] |= (q & 3) << (2 * ((j % 128) / 32));
        }
        int[] expected = concat(concat(concat(hmask, qs), scales), new int[] {0x00, 0xA8});
        assertThat(quantize(GgmlType.Q3_K, x)).containsExactly(expected);
    }

    /**
     * Q2_K: sub-block s is a_s·l − b_s, l = (i + s) % 4. Scales 15·a/max a: 15, 7.5 → 8, 3.75 → 4,
     * 1.875 → 2, 0.9375 → 1; mins 15·b/0.5: 0, 15, 7.5 → 8, 3.75 → 4, 1.875 → 2. Each scales byte
     * is sc | m << 4. d = f16(1/15) = 0x2C44, dmin = f16(0.5/15) = 0x2844.
     */
    @Test
    void q2_KQuantizeGivesGgmlBytes() {
        double[] a = {1, 0.5, 0.25, 0.125, 0.0625, 1, 0.5, 0.25, 0.125, 0.0625, 1, 0.5, 0.25, 0.125, 0.0625, 1};
        double[] b = {0, 0.5, 0.25, 0.125, 0.0625, 0.25, 0, 0.5, 0.0625, 0.125, 0.125, 0.0625, 0, 0.25, 0.5, 0.5};
        int[] scales = {0x0F, 0xF8, 0x84, 0x42, 0x21, 0x8F, 0x08, 0xF4, 0x22, 0x41, 0x4F, 0x28, 0x04, 0x82, 0xF1, 0xFF};
        float[] x = superBlock(j -> a[j / 16] * ((j % 16 + j / 16) % 4) - b[j / 16]);
        int[] qs = new int[64];
        for (int j = 0; j < 256; j++) {
            qs[32 * (j / 128) + j % 32] |= ((j % 16 + j / 16) % 4) << (2 * ((j % 128) / 32));
        }
        int[] expected = concat(concat(scales, qs), new int[] {0x44, 0x2C, 0x44, 0x28});
        assertThat(quantize(GgmlType.Q2_K, x)).containsExactly(expected);
    }

    @ParameterizedTest
    @EnumSource(names = {"Q2_K", "Q3_K", "Q4_K", "Q5_K", "Q6_K"})
    void zerosQuantizeToAnAllZeroBlock(GgmlType type) {
        float[] x = new float[512];
        x[300] = 1e-16f;   // below ggml's GROUP_MAX_EPS for the symmetric formats
        int[] bytes = quantize(type, type == GgmlType.Q3_K || type == GgmlType.Q6_K ? x : new float[512]);
        assertThat(bytes).containsOnly(0);
    }
}
