package lucid.tensor;

import jdk.incubator.vector.FloatVector;

import java.lang.foreign.MemorySegment;

import static lucid.tensor.Vectors.F;
import static lucid.tensor.Vectors.LE_FLOAT;
import static lucid.tensor.Vectors.ORDER;

/** 32-bit floats, 4 bytes each. */
public final class F32Format implements WeightFormat {
    public static final F32Format INSTANCE = new F32Format();

    private F32Format() {}

    @Override
    public GgmlType type() {
        return GgmlType.F32;
    }

    @Override
    public float dot(MemorySegment data, long offset, float[] x, int xOffset, int n) {
        if (!Vectors.ENABLED) {
            return dotScalar(data, offset, x, xOffset, n);
        }
        FloatVector acc = FloatVector.zero(F);
        int i = 0;
        int upper = F.loopBound(n);
        for (; i < upper; i += F.length()) {
            FloatVector w = FloatVector.fromMemorySegment(F, data, offset + 4L * i, ORDER);
            acc = w.fma(FloatVector.fromArray(F, x, xOffset + i), acc);
        }
        float sum = Vectors.sumLanes(acc);
        for (; i < n; i++) {
            sum += data.get(LE_FLOAT, offset + 4L * i) * x[xOffset + i];
        }
        return sum;
    }

    @Override
    public void dotMany(MemorySegment data, long offset, float[] x, int xOffset, int xStride, int k, int n,
                        float[] out, int outOffset, int outStride) {
        DotGroups.dotMany(this, F32Format::dot4, data, offset, x, xOffset, xStride, k, n, out, outOffset, outStride);
    }

    /** {@link #dot} for four vectors at once: each weight vector is loaded once. */
    private static void dot4(MemorySegment data, long offset, float[] x, int xOffset, int xStride, int count, int n,
                             float[] out, int outOffset, int outStride) {
        int x0 = xOffset;
        int x1 = DotGroups.member(xOffset, xStride, 1, count);
        int x2 = DotGroups.member(xOffset, xStride, 2, count);
        int x3 = DotGroups.member(xOffset, xStride, 3, count);
        FloatVector acc0 = FloatVector.zero(F);
        FloatVector acc1 = FloatVector.zero(F);
        FloatVector acc2 = FloatVector.zero(F);
        FloatVector acc3 = FloatVector.zero(F);
        int i = 0;
        int upper = F.loopBound(n);
        for (; i < upper; i += F.length()) {
            FloatVector w = FloatVector.fromMemorySegment(F, data, offset + 4L * i, ORDER);
            acc0 = w.fma(FloatVector.fromArray(F, x, x0 + i), acc0);
            acc1 = w.fma(FloatVector.fromArray(F, x, x1 + i), acc1);
            acc2 = w.fma(FloatVector.fromArray(F, x, x2 + i), acc2);
            acc3 = w.fma(FloatVector.fromArray(F, x, x3 + i), acc3);
        }
        float sum0 = Vectors.sumLanes(acc0);
        float sum1 = Vectors.sumLanes(acc1);
        float sum2 = Vectors.sumLanes(acc2);
        float sum3 = Vectors.sumLanes(acc3);
        for (; i < n; i++) {
            float w = data.get(LE_FLOAT, offset + 4L * i);
            sum0 += w * x[x0 + i];
            sum1 += w * x[x1 + i];
            sum2 += w * x[x2 + i];
            sum3 += w * x[x3 + i];
        }
        out[outOffset] = sum0;
        out[DotGroups.member(outOffset, outStride, 1, count)] = sum1;
        out[DotGroups.member(outOffset, outStride, 2, count)] = sum2;
        out[DotGroups.member(outOffset, outStride, 3, count)] = sum3;
    }

    @Override
    public float dotScalar(MemorySegment data, long offset, float[] x, int xOffset, int n) {
        float sum = 0f;
        for (int i = 0; i < n; i++) {
            sum += data.get(LE_FLOAT, offset + 4L * i) * x[xOffset + i];
        }
        return sum;
    }

    @Override
    public void dequantize(MemorySegment data, long offset, float[] out, int outOffset, int n) {
        MemorySegment.copy(data, LE_FLOAT, offset, out, outOffset, n);
    }

    @Override
    public void dequantizeScalar(MemorySegment data, long offset, float[] out, int outOffset, int n) {
        for (int i = 0; i < n; i++) {
            out[outOffset + i] = data.get(LE_FLOAT, offset + 4L * i);
        }
    }

    @Override
    public void quantize(float[] src, int srcOffset, int n, MemorySegment data, long offset) {
        MemorySegment.copy(src, srcOffset, data, LE_FLOAT, offset, n);
    }
}
