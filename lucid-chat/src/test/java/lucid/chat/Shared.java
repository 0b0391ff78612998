package lucid.chat;

import java.nio.file.Files;
import java.nio.file.Path;

/** The read-only assets beside the repository ({@code ../shared}); Surefire passes the folder as {@code -Dlucid.shared}. */
final class Shared {
    private Shared() {}

    static Path path(String relative) {
        String configured = System.getProperty("lucid.shared");
        Path root = configured != null ? Path.of(configured) : Path.of("..", "..", "shared");
        if (!Files.isDirectory(root)) {
            throw new IllegalStateException("the shared assets folder is missing: " + root.toAbsolutePath());
        }
        return root.resolve(relative);
    }
}
