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
}
