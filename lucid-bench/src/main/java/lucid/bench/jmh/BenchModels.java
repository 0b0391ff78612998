package lucid.bench.jmh;

import lucid.model.SyntheticModels;
import lucid.tensor.GgmlType;

import java.nio.file.Path;

/** Synthetic models for the benchmarks, written once into the user's cache. */
final class BenchModels {
    private BenchModels() {}

    static Path model(String shape, GgmlType type) {
        return SyntheticModels.cached(SyntheticModels.defaultCache(), SyntheticModels.SHAPES.get(shape), type, 1234);
    }
}
