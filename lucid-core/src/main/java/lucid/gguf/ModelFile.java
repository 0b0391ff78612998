package lucid.gguf;

import lucid.LucidException;
import lucid.tensor.Tensor;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * A model's metadata and tensors in GGUF's terms: llama.cpp's metadata keys, its tensor names
 * ({@code blk.0.attn_q.weight}) and ggml shape order (row length first). A {@link GgufFile} is
 * one; a Hugging Face folder ({@code lucid.huggingface.HuggingFaceFolder}) is translated into
 * these terms, so the rest of the engine reads both the same way. Closing it releases the memory
 * its tensors are views of.
 */
public interface ModelFile extends AutoCloseable {

    /**
     * Lucid's own metadata key for how Q and K are laid out when that differs from the family's
     * GGUF files: {@code "neox"} in a Hugging Face llama folder, whose Q and K rows are as trained
     * (rotated by halves), where llama.cpp's converter permutes them to rotate adjacent pairs.
     */
    String ROPE_STYLE_KEY = "lucid.rope.style";

    /** The file, or the folder, the model was read from. */
    Path path();

    GgufMetadata metadata();

    List<TensorInfo> tensorInfos();

    /** The named tensor as a view of the model's memory, or empty if there is none by that name. */
    Optional<Tensor> tensor(String name);

    default boolean hasTensor(String name) {
        return tensor(name).isPresent();
    }

    /** The named tensor, or an error saying the model lacks it. */
    default Tensor requireTensor(String name) {
        return tensor(name).orElseThrow(() -> new LucidException(
                path().getFileName() + " has no tensor " + name + ", which this architecture needs; the file is incomplete or not the architecture it claims"));
    }

    /** Bytes of the files the tensors come from. */
    long fileSize();

    @Override
    void close();
}
