package lucid.gguf;

import java.util.Arrays;

/**
 * A metadata array. Elements are held in a primitive array of the natural Java type:
 * integer types as {@code long[]} (UINT64 as raw bits), FLOAT32 as {@code float[]}, FLOAT64 as
 * {@code double[]}, BOOL as {@code boolean[]}, STRING as {@code String[]}, and nested arrays
 * as {@code GgufArray[]}.
 */
public record GgufArray(GgufValueType elementType, Object values) {

    public int size() {
        return switch (values) {
            case long[] a -> a.length;
            case float[] a -> a.length;
            case double[] a -> a.length;
            case boolean[] a -> a.length;
            case String[] a -> a.length;
            case GgufArray[] a -> a.length;
            default -> throw new IllegalStateException("unexpected array storage " + values.getClass());
        };
    }

    /** A short human-readable rendering: the first few elements and the count. */
    public String summary(int maxElements) {
        int n = size();
        StringBuilder sb = new StringBuilder("[");
        for (int i = 0; i < Math.min(n, maxElements); i++) {
            if (i > 0) {
                sb.append(", ");
            }
            sb.append(switch (values) {
                case long[] a -> Long.toString(a[i]);
                case float[] a -> Float.toString(a[i]);
                case double[] a -> Double.toString(a[i]);
                case boolean[] a -> Boolean.toString(a[i]);
                case String[] a -> GgufMetadata.quote(a[i]);
                case GgufArray[] a -> a[i].summary(3);
                default -> "?";
            });
        }
        if (n > maxElements) {
            sb.append(", ... (").append(n).append(" ").append(elementType.name()).append(")");
        }
        return sb.append("]").toString();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof GgufArray other && elementType == other.elementType
                && Arrays.deepEquals(new Object[] {values}, new Object[] {other.values});
    }

    @Override
    public int hashCode() {
        return elementType.hashCode() * 31 + Arrays.deepHashCode(new Object[] {values});
    }
}
