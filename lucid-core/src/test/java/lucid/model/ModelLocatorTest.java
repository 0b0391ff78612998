package lucid.model;

import lucid.LucidException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ModelLocatorTest {
    @TempDir
    Path dir;

    @Test
    void namesResolveCaseInsensitivelyThroughLucidModelsThenTheCache() throws IOException {
        Path first = Files.createDirectories(dir.resolve("first"));
        Path second = Files.createDirectories(dir.resolve("second"));
        Path home = Files.createDirectories(dir.resolve("home"));
        Path cache = Files.createDirectories(home.resolve(".cache/lucid/models"));
        Files.writeString(second.resolve("Stories260K.gguf"), "x");
        Files.writeString(cache.resolve("stories260k.gguf"), "x");
        Files.writeString(cache.resolve("only-cached.gguf"), "x");
        ModelLocator locator = ModelLocator.fromEnvironment(Map.of("LUCID_MODELS", first + ":" + second), home);
        assertThat(locator.resolve("stories260K")).isEqualTo(second.resolve("Stories260K.gguf"));
        assertThat(locator.resolve("STORIES260K.gguf")).isEqualTo(second.resolve("Stories260K.gguf"));
        assertThat(locator.resolve("only-cached")).isEqualTo(cache.resolve("only-cached.gguf"));
        assertThat(locator.resolve(cache.resolve("only-cached.gguf").toString())).isEqualTo(cache.resolve("only-cached.gguf"));
    }

    @Test
    void unknownNameSaysWhereLucidLookedAndWhatToDo() {
        ModelLocator locator = ModelLocator.fromEnvironment(Map.of("LUCID_MODELS", dir.toString()), dir.resolve("home"));
        assertThatThrownBy(() -> locator.resolve("llama-7b"))
                .isInstanceOf(LucidException.class)
                .hasMessageContaining("model \"llama-7b\" not found")
                .hasMessageContaining(dir.toString())
                .hasMessageContaining(".cache/lucid/models (missing)")
                .hasMessageContaining("LUCID_MODELS");
        assertThatThrownBy(() -> locator.resolve(dir.resolve("nope.gguf").toString())).hasMessage("no such file: " + dir.resolve("nope.gguf"));
        assertThatThrownBy(() -> locator.resolve(dir.toString())).hasMessageContaining("is a folder");
    }

    @Test
    void huggingFaceFoldersResolveByPathAndByNameAfterGgufFiles() throws IOException {
        Path models = Files.createDirectories(dir.resolve("models"));
        Path smol = Files.createDirectories(models.resolve("SmolLM2-135M"));
        Files.writeString(smol.resolve("config.json"), "{}");
        Path both = Files.createDirectories(models.resolve("tiny"));
        Files.writeString(both.resolve("config.json"), "{}");
        Files.writeString(models.resolve("tiny.gguf"), "x");
        Files.createDirectories(models.resolve("not-a-model"));
        ModelLocator locator = ModelLocator.fromEnvironment(Map.of("LUCID_MODELS", models.toString()), dir.resolve("home"));
        assertThat(locator.resolve(smol.toString())).isEqualTo(smol);
        assertThat(locator.resolve(smol + "/")).isEqualTo(smol);
        assertThat(locator.resolve("smollm2-135m")).isEqualTo(smol);
        assertThat(locator.resolve("tiny")).as("a .gguf file comes first").isEqualTo(models.resolve("tiny.gguf"));
        assertThatThrownBy(() -> locator.resolve("not-a-model")).hasMessageContaining("looked for not-a-model.gguf and a model folder not-a-model/");
        assertThatThrownBy(() -> locator.resolve(models.resolve("not-a-model").toString()))
                .isInstanceOf(LucidException.class).hasMessageContaining("is a folder without config.json");
    }
}
