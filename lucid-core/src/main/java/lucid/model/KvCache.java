package lucid.model;

import lucid.LucidException;

/**
 * The keys and values of every position seen so far, per layer, so each new token attends to the
 * past without recomputing it. Layout per layer: position-major, {@code [position][kvHead][headSize]}.
 * Stored as floats ({@link CacheType#F32}) or as IEEE half floats ({@link CacheType#F16}, the
 * bits in a short[]), one of the two array pairs being null.
 */
public final class KvCache {
    private final int contextLength;
    private final int keyDim;
    private final int valueDim;
    private final CacheType type;
    /** keys[layer]: (context, kvHeads·headSize), F32 only. */
    final float[][] keys;
    /** values[layer]: (context, kvHeads·valueSize), F32 only. */
    final float[][] values;
    /** The same in F16 bits, F16 only. */
    final short[][] halfKeys;
    final short[][] halfValues;

    public KvCache(ModelConfig config, int contextLength) {
        this(config, contextLength, CacheType.F32);
    }

    /**
     * Spare floats after the cache rows and after the per-token query and attention buffers: a
     * small head's masked vector load or store near an array's end then stays on the Vector
     * API's fast path (past the end it checks every lane, which cost a third of a small model's
     * decode time).
     */
    static final int PAD = 16;

    public KvCache(ModelConfig config, int contextLength, CacheType type) {
        this.contextLength = contextLength;
        this.keyDim = config.keyDim();
        this.valueDim = config.valueDim();
        this.type = type;
        long bytes = bytesNeeded(config, contextLength, type);
        long available = Runtime.getRuntime().maxMemory() - (Runtime.getRuntime().totalMemory() - Runtime.getRuntime().freeMemory());
        if ((long) contextLength * Math.max(keyDim, valueDim) > Integer.MAX_VALUE - 16 || bytes > available) {
            throw new LucidException(String.format(
                    "a context of %d tokens needs %.1f GiB of KV cache, more than the %.1f GiB of memory available; use a smaller -c",
                    contextLength, bytes / (double) (1L << 30), available / (double) (1L << 30)));
        }
        boolean half = type == CacheType.F16;
        keys = half ? null : new float[config.blockCount()][contextLength * keyDim + PAD];
        values = half ? null : new float[config.blockCount()][contextLength * valueDim + PAD];
        halfKeys = half ? new short[config.blockCount()][contextLength * keyDim + PAD] : null;
        halfValues = half ? new short[config.blockCount()][contextLength * valueDim + PAD] : null;
    }

    /** Bytes of keys and values a context of this length takes. */
    public static long bytesNeeded(ModelConfig c, int contextLength, CacheType type) {
        return (long) type.bytes * contextLength * c.blockCount() * ((long) c.keyDim() + c.valueDim());
    }

    public CacheType type() {
        return type;
    }

    public int contextLength() {
        return contextLength;
    }

    /** Stores the key and value of {@code position} for {@code layer}. */
    void store(int layer, int position, float[] key, float[] value) {
        store(layer, position, 1, key, value);
    }

    /** Stores n consecutive positions' keys and values (rows of key and value, from {@code position}). */
    void store(int layer, int position, int n, float[] key, float[] value) {
        if (type == CacheType.F32) {
            System.arraycopy(key, 0, keys[layer], position * keyDim, n * keyDim);
            System.arraycopy(value, 0, values[layer], position * valueDim, n * valueDim);
            return;
        }
        toHalves(key, halfKeys[layer], position * keyDim, n * keyDim);
        toHalves(value, halfValues[layer], position * valueDim, n * valueDim);
    }

    /** Rounds to nearest even as ggml's F16 cache does; beyond the half range it clamps to ±65504, so the cache holds no infinities. */
    private static void toHalves(float[] from, short[] to, int at, int n) {
        for (int i = 0; i < n; i++) {
            to[at + i] = Float.floatToFloat16(Math.max(-65504f, Math.min(65504f, from[i])));
        }
    }
}
