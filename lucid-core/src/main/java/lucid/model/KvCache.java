package lucid.model;

import lucid.LucidException;

/**
 * The keys and values of every position seen so far, per layer, so each new token attends to the
 * past without recomputing it. Layout per layer: position-major, {@code [position][kvHead][headSize]}.
 */
public final class KvCache {
    private final int contextLength;
    private final int keyDim;
    private final int valueDim;
    /** keys[layer]: (context, kvHeads·headSize). */
    final float[][] keys;
    /** values[layer]: (context, kvHeads·valueSize). */
    final float[][] values;

    public KvCache(ModelConfig config, int contextLength) {
        this.contextLength = contextLength;
        this.keyDim = config.keyDim();
        this.valueDim = config.valueDim();
        long bytes = bytesNeeded(config, contextLength);
        long available = Runtime.getRuntime().maxMemory() - (Runtime.getRuntime().totalMemory() - Runtime.getRuntime().freeMemory());
        if ((long) contextLength * Math.max(keyDim, valueDim) > Integer.MAX_VALUE - 16 || bytes > available) {
            throw new LucidException(String.format(
                    "a context of %d tokens needs %.1f GiB of KV cache, more than the %.1f GiB of memory available; use a smaller -c",
                    contextLength, bytes / (double) (1L << 30), available / (double) (1L << 30)));
        }
        keys = new float[config.blockCount()][contextLength * keyDim];
        values = new float[config.blockCount()][contextLength * valueDim];
    }

    /** Bytes of keys and values a context of this length takes (float32). */
    public static long bytesNeeded(ModelConfig c, int contextLength) {
        return 4L * contextLength * c.blockCount() * ((long) c.keyDim() + c.valueDim());
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
        System.arraycopy(key, 0, keys[layer], position * keyDim, n * keyDim);
        System.arraycopy(value, 0, values[layer], position * valueDim, n * valueDim);
    }
}
