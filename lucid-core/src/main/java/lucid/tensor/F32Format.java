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

    /** The four-vector kernel behind {@link #dotMany} (found by {@link DotGroups#kernelOf}). */
    static final DotGroups.Kernel KERNEL = new FourVectors();

    /** {@link #dot} for four vectors at once: each weight vector is loaded once. */
    private static final class FourVectors implements DotGroups.Kernel {
        @Override
        public int accumulators() {
            return 1;
        }

        @Override
        public boolean tiled() {
            return false;
        }

        @Override
        public int end(int n) {
            return F.loopBound(n);
        }

        @Override
        public void chunk(MemorySegment data, long row, float[] x, int x0, int x1, int x2, int x3, int from, int to,
                          float[] acc, int at, float[] table) {
            int lanes = F.length();
            FloatVector acc0 = FloatVector.fromArray(F, acc, at);
            FloatVector acc1 = FloatVector.fromArray(F, acc, at + lanes);
            FloatVector acc2 = FloatVector.fromArray(F, acc, at + 2 * lanes);
            FloatVector acc3 = FloatVector.fromArray(F, acc, at + 3 * lanes);
            for (int i = from; i < to; i += lanes) {
                FloatVector w = FloatVector.fromMemorySegment(F, data, row + 4L * i, ORDER);
                acc0 = w.fma(FloatVector.fromArray(F, x, x0 + i), acc0);
                acc1 = w.fma(FloatVector.fromArray(F, x, x1 + i), acc1);
                acc2 = w.fma(FloatVector.fromArray(F, x, x2 + i), acc2);
                acc3 = w.fma(FloatVector.fromArray(F, x, x3 + i), acc3);
            }
            acc0.intoArray(acc, at);
            acc1.intoArray(acc, at + lanes);
            acc2.intoArray(acc, at + 2 * lanes);
            acc3.intoArray(acc, at + 3 * lanes);
        }

        @Override
        public float finish(MemorySegment data, long row, float[] x, int xOffset, int n, float[] acc, int at) {
            float sum = Vectors.sumLanes(FloatVector.fromArray(F, acc, at));
            for (int i = end(n); i < n; i++) {
                sum += data.get(LE_FLOAT, row + 4L * i) * x[xOffset + i];
            }
            return sum;
        }
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
