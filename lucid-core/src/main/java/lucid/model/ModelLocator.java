package lucid.model;

import lucid.LucidException;

import java.io.File;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Finds a model from what the user typed: a path to a {@code .gguf} file, or a name looked up
 * (case-insensitively, by file stem) in the folders of {@code LUCID_MODELS} (colon-separated),
 * then in {@code ~/.cache/lucid/models}.
 */
public final class ModelLocator {
    public static final String ENVIRONMENT_VARIABLE = "LUCID_MODELS";

    private final List<Path> folders;

    public ModelLocator(List<Path> folders) {
        this.folders = List.copyOf(folders);
    }

    /** The folders named by the environment, then the user's cache. */
    public static ModelLocator fromEnvironment() {
        return fromEnvironment(System.getenv(), Path.of(System.getProperty("user.home")));
    }

    static ModelLocator fromEnvironment(Map<String, String> env, Path home) {
        List<Path> folders = new ArrayList<>();
        String configured = env.get(ENVIRONMENT_VARIABLE);
        if (configured != null) {
            for (String part : configured.split(File.pathSeparator)) {
                if (!part.isBlank()) {
                    folders.add(Path.of(part));
                }
            }
        }
        folders.add(home.resolve(".cache").resolve("lucid").resolve("models"));
        return new ModelLocator(folders);
    }

    public List<Path> folders() {
        return folders;
    }

    /** The model file for {@code spec}, or an error saying where Lucid looked and what to do. */
    public Path resolve(String spec) {
        if (spec == null || spec.isBlank()) {
            throw new LucidException("no model given; pass a .gguf file or a model name with -m");
        }
        Path direct = Path.of(spec);
        if (Files.isRegularFile(direct)) {
            return direct;
        }
        if (Files.isDirectory(direct)) {
            throw new LucidException(spec + " is a folder; give the path of a .gguf file inside it");
        }
        if (spec.contains("/") || spec.contains(File.separator)) {
            throw new LucidException("no such file: " + spec);
        }
        boolean hasExtension = spec.toLowerCase(Locale.ROOT).endsWith(".gguf");
        String stem = hasExtension ? spec.substring(0, spec.length() - 5) : spec;
        for (Path folder : folders) {
            Path found = findByStem(folder, stem);
            if (found != null) {
                return found;
            }
        }
        StringBuilder where = new StringBuilder();
        for (Path folder : folders) {
            where.append(where.isEmpty() ? "" : ", ").append(folder).append(Files.isDirectory(folder) ? "" : " (missing)");
        }
        if (hasExtension) {
            throw new LucidException("no such file: " + spec + " (also looked for a model named " + stem + " in " + where + ")");
        }
        throw new LucidException("model \"" + spec + "\" not found: looked for " + stem + ".gguf in " + where
                + "; pass the path of a .gguf file with -m, or add its folder to " + ENVIRONMENT_VARIABLE);
    }

    private static Path findByStem(Path folder, String stem) {
        if (!Files.isDirectory(folder)) {
            return null;
        }
        try (DirectoryStream<Path> files = Files.newDirectoryStream(folder, "*.{gguf,GGUF,Gguf}")) {
            for (Path p : files) {
                String name = p.getFileName().toString();
                if (name.substring(0, name.length() - 5).equalsIgnoreCase(stem) && Files.isRegularFile(p)) {
                    return p;
                }
            }
        } catch (IOException e) {
            return null;
        }
        return null;
    }
}
