package lucid.tensor;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * The vector shapes the kernels use, chosen once per JVM.
 *
 * <p>{@code -Dlucid.vector=false} turns the Vector API off (every kernel then runs its scalar
 * twin); {@code -Dlucid.vector.bits=256} caps the width, so AVX2-sized code paths can be tested
 * on an AVX-512 machine.
 */
public final class Vectors {
    private Vectors() {}

    /** The float species used by all kernels (16 lanes on AVX-512, 8 on AVX2). */
    public static final VectorSpecies<Float> F;
    /** Byte, short and int species with the same lane count as {@link #F}. */
    public static final VectorSpecies<Byte> B;
    public static final VectorSpecies<Short> S;
    public static final VectorSpecies<Integer> I;
    /** Whether the Vector API paths are used at all. */
    public static final boolean ENABLED;

    static {
        int preferredBits = FloatVector.SPECIES_PREFERRED.vectorBitSize();
        int capBits = Integer.getInteger("lucid.vector.bits", preferredBits);
        int bits = Math.min(preferredBits, capBits);
        boolean wanted = !"false".equalsIgnoreCase(System.getProperty("lucid.vector", "true"));
        // Below 256 bits (e.g. 128-bit NEON) the byte species for quantized blocks would be
        // narrower than any vector shape: the kernels then run scalar.
        F = bits >= 512 ? FloatVector.SPECIES_512 : FloatVector.SPECIES_256;
        int lanes = F.length();
        B = ByteVector.SPECIES_64.withShape(VectorShape.forBitSize(lanes * 8));
        S = ShortVector.SPECIES_64.withShape(VectorShape.forBitSize(lanes * 16));
        I = IntVector.SPECIES_64.withShape(VectorShape.forBitSize(lanes * 32));
        ENABLED = wanted && bits >= 256;
    }

    /** Little-endian, unaligned layouts for reading GGUF data. */
    public static final ValueLayout.OfShort LE_SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    public static final ValueLayout.OfInt LE_INT = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    public static final ValueLayout.OfFloat LE_FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    public static final ByteOrder ORDER = ByteOrder.LITTLE_ENDIAN;

    // Butterfly partners for sumLanes: lane i pairs with lane i ^ k.
    private static final VectorShuffle<Float> XOR8 = F.length() > 8 ? VectorShuffle.fromOp(F, i -> i ^ 8) : null;
    private static final VectorShuffle<Float> XOR4 = VectorShuffle.fromOp(F, i -> i ^ 4);
    private static final VectorShuffle<Float> XOR2 = VectorShuffle.fromOp(F, i -> i ^ 2);
    private static final VectorShuffle<Float> XOR1 = VectorShuffle.fromOp(F, i -> i ^ 1);

    private static final boolean SIXTEEN_LANES = F.length() > 8;

    /**
     * The sum of the lanes of v (of species {@link #F}), added pairwise in a fixed order.
     * reduceLanes(ADD) may add in any order, and does so differently interpreted and compiled,
     * so a dot product's last bits would depend on JIT timing; lanewise adds round the same in
     * every tier, so this keeps results reproducible at about the same cost.
     *
     * <p>Each step is its own method of under 35 bytes of bytecode, so the JIT always inlines
     * them (larger methods are inlined only where profiles say they are hot, and a vector passed
     * to a method that is not inlined gets boxed: an allocation per call).
     */
    public static float sumLanes(FloatVector v) {
        return SIXTEEN_LANES ? fold8(v) : fold4(v);
    }

    private static float fold8(FloatVector v) {
        return fold4(v.add(v.rearrange(XOR8)));
    }

    private static float fold4(FloatVector v) {
        return fold2(v.add(v.rearrange(XOR4)));
    }

    private static float fold2(FloatVector v) {
        return fold1(v.add(v.rearrange(XOR2)));
    }

    private static float fold1(FloatVector v) {
        return v.add(v.rearrange(XOR1)).lane(0);
    }

    /** Reads an IEEE half float stored little-endian at {@code offset}. */
    public static float f16(java.lang.foreign.MemorySegment data, long offset) {
        return Float.float16ToFloat(data.get(LE_SHORT, offset));
    }
}
