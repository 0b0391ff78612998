package lucid.model;

import lucid.LucidException;

import java.util.Locale;

/** How the KV cache stores keys and values: F16 (llama.cpp's default, half the memory) or F32 (exact). */
public enum CacheType {
    F32(4), F16(2);

    /** Bytes per stored element. */
    public final int bytes;

    CacheType(int bytes) {
        this.bytes = bytes;
    }

    public static CacheType parse(String name) {
        try {
            return valueOf(name.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new LucidException("--cache-type must be f16 or f32, got \"" + name + "\"");
        }
    }
}
