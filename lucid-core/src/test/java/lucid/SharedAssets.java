package lucid;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The read-only assets beside the repository ({@code ../shared}): real models and outputs of
 * independent implementations. Surefire passes the folder as {@code -Dlucid.shared}.
 */
public final class SharedAssets {
    private SharedAssets() {}

    private static final ObjectMapper JSON = new ObjectMapper();

    public static Path root() {
        String configured = System.getProperty("lucid.shared");
        Path root = configured != null ? Path.of(configured) : Path.of("..", "..", "shared");
        if (!Files.isDirectory(root)) {
            throw new IllegalStateException("the shared assets folder is missing: " + root.toAbsolutePath()
                    + " (expected ../shared beside the repository root)");
        }
        return root;
    }

    public static Path path(String relative) {
        return root().resolve(relative);
    }

    public static Path stories260K() {
        return path("models/stories260K.gguf");
    }

    public static JsonNode json(String relative) {
        try {
            return JSON.readTree(Files.readAllBytes(path(relative)));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static int[] ints(JsonNode array) {
        int[] out = new int[array.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = array.get(i).asInt();
        }
        return out;
    }
}
