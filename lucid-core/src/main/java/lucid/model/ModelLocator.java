package lucid.model;

import lucid.LucidException;
import lucid.huggingface.HuggingFaceFolder;

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
 * Finds a model from what the user typed: a path to a {@code .gguf} file or to a Hugging Face
 * model folder (one with a config.json), or a name looked up (case-insensitively) in the folders
 * of {@code LUCID_MODELS} (colon-separated), then in {@code ~/.cache/lucid/models}: there
 * {@code NAME.gguf}, else a model folder {@code NAME/}.
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

    /** The model file or folder for {@code spec}, or an error saying where Lucid looked and what to do. */
    public Path resolve(String spec) {
        if (spec == null || spec.isBlank()) {
            throw new LucidException("no model given; pass a .gguf file, a Hugging Face model folder or a model name with -m");
        }
        Path direct = Path.of(spec);
        if (Files.isRegularFile(direct) || HuggingFaceFolder.isModelFolder(direct)) {
            return direct;
        }
        if (Files.isDirectory(direct)) {
            throw new LucidException(spec + " is a folder without config.json; give the path of a .gguf file,"
                    + " or a Hugging Face model folder (config.json, model.safetensors, tokenizer.json)");
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
        throw new LucidException("model \"" + spec + "\" not found: looked for " + stem + ".gguf and a model folder " + stem
                + "/ in " + where + "; pass the path of a .gguf file or a model folder with -m, or add its folder to " + ENVIRONMENT_VARIABLE);
    }

    /** {@code STEM.gguf} in {@code folder}, else a Hugging Face model folder named {@code STEM}. */
    private static Path findByStem(Path folder, String stem) {
        if (!Files.isDirectory(folder)) {
            return null;
        }
        Path modelFolder = null;
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(folder)) {
            for (Path p : entries) {
                String name = p.getFileName().toString();
                boolean gguf = name.toLowerCase(Locale.ROOT).endsWith(".gguf");
                if (gguf && name.substring(0, name.length() - 5).equalsIgnoreCase(stem) && Files.isRegularFile(p)) {
                    return p;
                }
                if (name.equalsIgnoreCase(stem) && HuggingFaceFolder.isModelFolder(p)) {
                    modelFolder = p;
                }
            }
        } catch (IOException e) {
            return null;
        }
        return modelFolder;
    }
}
