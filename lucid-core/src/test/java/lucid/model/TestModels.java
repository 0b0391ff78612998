package lucid.model;

import lucid.tensor.GgmlType;

import java.nio.file.Path;

/** Random-weight llama files of chosen shapes for tests (see {@link SyntheticModels}). */
public final class TestModels {
    private TestModels() {}

    public record Shape(int dim, int layers, int heads, int kvHeads, int ffn, int vocab, int context) {
        SyntheticModels.Shape synthetic() {
            return new SyntheticModels.Shape("test", dim, layers, heads, kvHeads, ffn, vocab, context, 10000f);
        }
    }

    public static Path writeLlama(Path file, Shape s, GgmlType type, long seed) {
        return SyntheticModels.write(file, s.synthetic(), type, seed, false);
    }

    public static Path writeLlama(Path file, Shape s, GgmlType type, long seed, boolean tied) {
        return SyntheticModels.write(file, s.synthetic(), type, seed, tied);
    }
}
