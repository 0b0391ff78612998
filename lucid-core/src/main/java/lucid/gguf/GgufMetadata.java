package lucid.gguf;

import lucid.LucidException;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The key/value metadata of a GGUF file, in file order, with typed accessors whose errors name
 * the key and what was found.
 *
 * <p>Scalar values are held as {@code Long} (all integer types; UINT64 as raw bits),
 * {@code Float}, {@code Double}, {@code Boolean} or {@code String}; arrays as {@link GgufArray}.
 */
public final class GgufMetadata {
    /** One metadata value with the type it was stored as. */
    public record Entry(GgufValueType type, Object value) {}

    private final Map<String, Entry> entries;

    GgufMetadata(LinkedHashMap<String, Entry> entries) {
        this.entries = Collections.unmodifiableMap(entries);
    }

    /**
     * Metadata made by a program rather than read from a file (another format translated into
     * GGUF keys), with values in the representation described above; the order is kept.
     */
    public static GgufMetadata of(Map<String, Entry> entries) {
        return new GgufMetadata(new LinkedHashMap<>(entries));
    }

    public Set<String> keys() {
        return entries.keySet();
    }

    public Map<String, Entry> entries() {
        return entries;
    }

    public boolean contains(String key) {
        return entries.containsKey(key);
    }

    public Optional<Entry> entry(String key) {
        return Optional.ofNullable(entries.get(key));
    }

    public Optional<String> string(String key) {
        Entry e = entries.get(key);
        if (e == null) {
            return Optional.empty();
        }
        if (e.type != GgufValueType.STRING) {
            throw wrongType(key, e, "a string");
        }
        return Optional.of((String) e.value);
    }

    public String requireString(String key) {
        return string(key).orElseThrow(() -> missing(key));
    }

    public Optional<Long> longValue(String key) {
        Entry e = entries.get(key);
        if (e == null) {
            return Optional.empty();
        }
        if (!e.type.isInteger()) {
            throw wrongType(key, e, "an integer");
        }
        return Optional.of((Long) e.value);
    }

    /** An integer value that must fit in a non-negative int (counts, sizes, ids). */
    public Optional<Integer> intValue(String key) {
        return longValue(key).map(v -> {
            if (v < 0 || v > Integer.MAX_VALUE) {
                throw new LucidException("metadata " + key + " = " + Long.toUnsignedString(v) + " is out of range (expected 0.." + Integer.MAX_VALUE + ")");
            }
            return v.intValue();
        });
    }

    public int requireInt(String key) {
        return intValue(key).orElseThrow(() -> missing(key));
    }

    public int intValue(String key, int defaultValue) {
        return intValue(key).orElse(defaultValue);
    }

    /** A floating-point value; integer-typed values are accepted too. */
    public Optional<Double> doubleValue(String key) {
        Entry e = entries.get(key);
        if (e == null) {
            return Optional.empty();
        }
        return Optional.of(switch (e.value) {
            case Float f -> (double) f;
            case Double d -> d;
            case Long l when e.type.isInteger() -> (double) l;
            default -> throw wrongType(key, e, "a number");
        });
    }

    public float floatValue(String key, float defaultValue) {
        return doubleValue(key).map(Double::floatValue).orElse(defaultValue);
    }

    public Optional<Boolean> boolValue(String key) {
        Entry e = entries.get(key);
        if (e == null) {
            return Optional.empty();
        }
        if (e.type != GgufValueType.BOOL) {
            throw wrongType(key, e, "a boolean");
        }
        return Optional.of((Boolean) e.value);
    }

    public Optional<GgufArray> array(String key) {
        Entry e = entries.get(key);
        if (e == null) {
            return Optional.empty();
        }
        if (e.type != GgufValueType.ARRAY) {
            throw wrongType(key, e, "an array");
        }
        return Optional.of((GgufArray) e.value);
    }

    public Optional<String[]> stringArray(String key) {
        return array(key).map(a -> {
            if (a.values() instanceof String[] s) {
                return s;
            }
            throw new LucidException("metadata " + key + " is an array of " + a.elementType() + ", expected strings");
        });
    }

    public Optional<float[]> floatArray(String key) {
        return array(key).map(a -> switch (a.values()) {
            case float[] f -> f;
            case double[] d -> {
                float[] f = new float[d.length];
                for (int i = 0; i < d.length; i++) {
                    f[i] = (float) d[i];
                }
                yield f;
            }
            default -> throw new LucidException("metadata " + key + " is an array of " + a.elementType() + ", expected numbers");
        });
    }

    public Optional<int[]> intArray(String key) {
        return array(key).map(a -> {
            if (!(a.values() instanceof long[] l)) {
                throw new LucidException("metadata " + key + " is an array of " + a.elementType() + ", expected integers");
            }
            int[] out = new int[l.length];
            for (int i = 0; i < l.length; i++) {
                if (l[i] < Integer.MIN_VALUE || l[i] > Integer.MAX_VALUE) {
                    throw new LucidException("metadata " + key + "[" + i + "] = " + l[i] + " does not fit in 32 bits");
                }
                out[i] = (int) l[i];
            }
            return out;
        });
    }

    /** The value as a short display string (arrays summarised). */
    public static String render(Entry e) {
        return switch (e.value) {
            case String s -> quote(s);
            case GgufArray a -> a.summary(8);
            case Long l when e.type == GgufValueType.UINT64 -> Long.toUnsignedString(l);
            default -> String.valueOf(e.value);
        };
    }

    static String quote(String s) {
        StringBuilder sb = new StringBuilder("\"");
        int limit = 200;
        for (int i = 0; i < s.length() && i < limit; i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                default -> {
                    if (c < 0x20) {
                        sb.append(String.format("\\u%04x", (int) c));
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        if (s.length() > limit) {
            sb.append("...(").append(s.length()).append(" chars)");
        }
        return sb.append('"').toString();
    }

    private static LucidException missing(String key) {
        return new LucidException("the model file has no metadata " + key + ", which Lucid needs; is it a complete GGUF model?");
    }

    private static LucidException wrongType(String key, Entry e, String expected) {
        return new LucidException("metadata " + key + " is stored as " + e.type + ", expected " + expected);
    }
}
