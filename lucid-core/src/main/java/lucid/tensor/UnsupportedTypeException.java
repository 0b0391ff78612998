package lucid.tensor;

import lucid.LucidException;

/** A tensor is stored in a ggml type that Lucid cannot compute with (yet). */
public final class UnsupportedTypeException extends LucidException {
    private static final String SUPPORTED = "F32, F16, BF16, Q8_0, Q4_0, Q4_1, Q5_0, Q5_1, Q2_K, Q3_K, Q4_K, Q5_K, Q6_K";

    public UnsupportedTypeException(GgmlType type) {
        super("tensor type " + type + " is not supported yet (Lucid computes with " + SUPPORTED + "); "
                + "re-quantize the model to one of these, e.g. with llama-quantize");
    }

    public UnsupportedTypeException(String tensorName, GgmlType type) {
        super("tensor " + tensorName + " uses " + type + ", which Lucid does not support yet (supported: " + SUPPORTED + "); "
                + "re-quantize the model to one of these, e.g. with llama-quantize");
    }
}
