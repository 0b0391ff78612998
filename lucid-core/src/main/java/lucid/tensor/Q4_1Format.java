package lucid.tensor;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import static lucid.tensor.Q4_0Format.high;
import static lucid.tensor.Q4_0Format.low;
import static lucid.tensor.Q4_0Format.packed;
import static lucid.tensor.Vectors.F;
import static lucid.tensor.Vectors.LE_SHORT;

/**
 * Blocks of 32: {f16 d; f16 m; u8 qs[16]}. Element j (j &lt; 16) is the low nibble of qs[j],
 * element j+16 the high nibble; value = nibble·d + m.
 */
public final class Q4_1Format implements WeightFormat {
    public static final Q4_1Format INSTANCE = new Q4_1Format();

    private static final int QK = 32;
    private static final int BLOCK_BYTES = 20;
    private static final int M = 2;
    private static final int QS = 4;

    private Q4_1Format() {}

    @Override
    public GgmlType type() {
        return GgmlType.Q4_1;
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
            FloatVector sumQX = FloatVector.zero(F);
            FloatVector sumX = FloatVector.zero(F);
            for (int j = 0; j < QK / 2; j += F.length()) {
                IntVector q = packed(data, block + QS + j);
                FloatVector x0 = FloatVector.fromArray(F, x, xb + j);
                FloatVector x1 = FloatVector.fromArray(F, x, xb + QK / 2 + j);
                sumQX = low(q, 0).fma(x0, sumQX);
                sumQX = high(q, 0).fma(x1, sumQX);
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
            float sumQX = 0f;
            float sumX = 0f;
            for (int j = 0; j < QK / 2; j++) {
                int q = data.get(ValueLayout.JAVA_BYTE, block + QS + j);
                float x0 = x[xb + j];
                float x1 = x[xb + QK / 2 + j];
                sumQX += (q & 0xF) * x0 + ((q >> 4) & 0xF) * x1;
                sumX += x0 + x1;
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
            for (int j = 0; j < QK / 2; j += F.length()) {
                IntVector q = packed(data, block + QS + j);
                // mul then add (not fma), to round exactly as the scalar q·d + m.
                low(q, 0).mul(d).add(m).intoArray(out, ob + j);
                high(q, 0).mul(d).add(m).intoArray(out, ob + QK / 2 + j);
            }
        }
    }

    @Override
    public void dequantizeScalar(MemorySegment data, long offset, float[] out, int outOffset, int n) {
        int blocks = GgmlRounding.blocks(n, QK);
        for (int b = 0; b < blocks; b++) {
            long block = offset + (long) b * BLOCK_BYTES;
            int ob = outOffset + b * QK;
            float d = Vectors.f16(data, block);
            float m = Vectors.f16(data, block + M);
            for (int j = 0; j < QK / 2; j++) {
                int q = data.get(ValueLayout.JAVA_BYTE, block + QS + j);
                out[ob + j] = (q & 0xF) * d + m;
                out[ob + QK / 2 + j] = ((q >> 4) & 0xF) * d + m;
            }
        }
    }

    /** ggml's quantize_row_q4_1_ref: m = min, d = (max − min)/15, q = min(15, trunc((x − m)/d + 0.5)). */
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
            float d = (max - min) / 15f;
            float id = d != 0f ? 1f / d : 0f;
            data.set(LE_SHORT, block, GgmlRounding.toF16(d));
            data.set(LE_SHORT, block + M, GgmlRounding.toF16(min));
            for (int j = 0; j < QK / 2; j++) {
                int q0 = Math.min(15, (int) ((src[xb + j] - min) * id + 0.5f));
                int q1 = Math.min(15, (int) ((src[xb + QK / 2 + j] - min) * id + 0.5f));
                data.set(ValueLayout.JAVA_BYTE, block + QS + j, (byte) (q0 | q1 << 4));
            }
        }
    }
}
