package lucid.tensor;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;

import java.lang.foreign.MemorySegment;

import static lucid.tensor.Q4_0Format.packed;
import static lucid.tensor.Q5_0Format.highNibbles;
import static lucid.tensor.Q5_0Format.lowNibbles;
import static lucid.tensor.Q5_0Format.quant;
import static lucid.tensor.Q5_0Format.quants;
import static lucid.tensor.Vectors.F;
import static lucid.tensor.Vectors.LE_INT;
import static lucid.tensor.Vectors.LE_SHORT;

/**
 * Blocks of 32: {f16 d; f16 m; u32 qh (little-endian); u8 qs[16]}, the 5-bit quants packed as in
 * {@link Q5_0Format}; value = q·d + m.
 */
public final class Q5_1Format implements WeightFormat {
    public static final Q5_1Format INSTANCE = new Q5_1Format();

    private static final int QK = 32;
    private static final int BLOCK_BYTES = 24;
    private static final int M = 2;
    private static final int QH = 4;
    private static final int QS = 8;

    private Q5_1Format() {}

    @Override
    public GgmlType type() {
        return GgmlType.Q5_1;
    }

    /** Σ (q·d + m)·x = d·Σ q·x + m·Σ x, per block. */
    @Override
    public float dot(MemorySegment data, long offset, float[] x, int xOffset, int n) {
        if (!Vectors.ENABLED) {
            return dotScalar(data, offset, x, xOffset, n);
        }
        int blocks = GgmlRounding.blocks(n, QK);
        FloatVector accQ = FloatVector.zero(F);
        FloatVector accM = FloatVector.zero(F);
        for (int b = 0; b < blocks; b++) {
            long block = offset + (long) b * BLOCK_BYTES;
            int xb = xOffset + b * QK;
            int qh = data.get(LE_INT, block + QH);
            FloatVector sumQX = FloatVector.zero(F);
            FloatVector sumX = FloatVector.zero(F);
            for (int j = 0; j < QK / 2; j += F.length()) {
                IntVector q = packed(data, block + QS + j);
                FloatVector x0 = FloatVector.fromArray(F, x, xb + j);
                FloatVector x1 = FloatVector.fromArray(F, x, xb + QK / 2 + j);
                sumQX = quants(lowNibbles(q), qh, j, 0).fma(x0, sumQX);
                sumQX = quants(highNibbles(q), qh, QK / 2 + j, 0).fma(x1, sumQX);
                sumX = sumX.add(x0).add(x1);
            }
            accQ = sumQX.fma(FloatVector.broadcast(F, Vectors.f16(data, block)), accQ);
            accM = sumX.fma(FloatVector.broadcast(F, Vectors.f16(data, block + M)), accM);
        }
        return Vectors.sumLanes(accQ.add(accM));
    }

    @Override
    public float dotScalar(MemorySegment data, long offset, float[] x, int xOffset, int n) {
        int blocks = GgmlRounding.blocks(n, QK);
        float total = 0f;
        for (int b = 0; b < blocks; b++) {
            long block = offset + (long) b * BLOCK_BYTES;
            int xb = xOffset + b * QK;
            int qh = data.get(LE_INT, block + QH);
            float sumQX = 0f;
            float sumX = 0f;
            for (int j = 0; j < QK; j++) {
                sumQX += quant(data, block + QS, qh, j) * x[xb + j];
                sumX += x[xb + j];
            }
            total += Vectors.f16(data, block) * sumQX + Vectors.f16(data, block + M) * sumX;
        }
        return total;
    }

    @Override
    public void dequantize(MemorySegment data, long offset, float[] out, int outOffset, int n) {
        if (!Vectors.ENABLED) {
            dequantizeScalar(data, offset, out, outOffset, n);
            return;
        }
        int blocks = GgmlRounding.blocks(n, QK);
        for (int b = 0; b < blocks; b++) {
            long block = offset + (long) b * BLOCK_BYTES;
            int ob = outOffset + b * QK;
            float d = Vectors.f16(data, block);
            float m = Vectors.f16(data, block + M);
            int qh = data.get(LE_INT, block + QH);
            for (int j = 0; j < QK / 2; j += F.length()) {
                IntVector q = packed(data, block + QS + j);
                // mul then add (not fma), to round exactly as the scalar q·d + m.
                quants(lowNibbles(q), qh, j, 0).mul(d).add(m).intoArray(out, ob + j);
                quants(highNibbles(q), qh, QK / 2 + j, 0).mul(d).add(m).intoArray(out, ob + QK / 2 + j);
            }
        }
    }

    @Override
    public void dequantizeScalar(MemorySegment data, long offset, float[] out, int outOffset, int n) {
        int blocks = GgmlRounding.blocks(n, QK);
        for (int b = 0; b < blocks; b++) {
            long block = offset + (long) b * BLOCK_BYTES;
            float d = Vectors.f16(data, block);
            float m = Vectors.f16(data, block + M);
            int qh = data.get(LE_INT, block + QH);
            for (int j = 0; j < QK; j++) {
                out[outOffset + b * QK + j] = quant(data, block + QS, qh, j) * d + m;
            }
        }
    }

    /** ggml's quantize_row_q5_1_ref: m = min, d = (max − min)/31, q = trunc((x − m)/d + 0.5). */
    @Override
    public void quantize(float[] src, int srcOffset, int n, MemorySegment data, long offset) {
        int blocks = GgmlRounding.blocks(n, QK);
        for (int b = 0; b < blocks; b++) {
            int xb = srcOffset + b * QK;
            long block = offset + (long) b * BLOCK_BYTES;
            float min = Float.MAX_VALUE;
            float max = -Float.MAX_VALUE;
            for (int j = 0; j < QK; j++) {
                float v = src[xb + j];
                if (v < min) min = v;
                if (v > max) max = v;
            }
            float d = (max - min) / 31f;
            float id = d != 0f ? 1f / d : 0f;
            int[] q = new int[QK];
            for (int j = 0; j < QK; j++) {
                // ggml casts to uint8_t without a clamp; (x − min)/d never exceeds 31.5.
                q[j] = (int) ((src[xb + j] - min) * id + 0.5f) & 0xFF;
            }
            data.set(LE_SHORT, block, GgmlRounding.toF16(d));
            data.set(LE_SHORT, block + M, GgmlRounding.toF16(min));
            Q5_0Format.storeQuants(q, data, block + QH, block + QS);
        }
    }
}
