package lucid.cli;

import lucid.gguf.GgufFile;
import lucid.model.ModelLocator;
import picocli.CommandLine.Option;

import java.nio.file.Path;

/** The -m MODEL and loading options shared by commands that run a model. */
final class ModelOption {
    @Option(names = {"-m", "--model"}, required = true, paramLabel = "MODEL",
            description = "a .gguf file, a Hugging Face model folder (config.json, *.safetensors, tokenizer.json), or a model name looked up in LUCID_MODELS and ~/.cache/lucid/models")
    String model;

    @Option(names = "--mmap", negatable = true, defaultValue = "false", fallbackValue = "true",
            description = "map the file instead of reading it into memory (starts faster; streams weights more slowly on some machines). Default: --no-mmap")
    boolean mmap;

    @Option(names = "--cache-type", paramLabel = "TYPE", defaultValue = "f16",
            description = "how the KV cache stores keys and values: f16 (half the memory, as llama.cpp) or f32 (exact). Default: ${DEFAULT-VALUE}")
    String cacheType;

    lucid.model.CacheType cacheType() {
        return lucid.model.CacheType.parse(cacheType);
    }

    Path resolve() {
        return ModelLocator.fromEnvironment().resolve(model);
    }

    GgufFile.Loading loading() {
        return mmap ? GgufFile.Loading.MMAP : GgufFile.Loading.READ;
    }
}
