package lucid.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The synthetic models of {@link SyntheticArchitectures}, written once per test run into a
 * temporary folder (never into the repository), and llama.cpp's recorded outputs on them
 * ({@code src/test/resources/reference/architectures/NAME.json}, made by
 * {@code scripts/record-architecture-references}).
 */
public final class ArchitectureModels {
    private ArchitectureModels() {}

    /** The seed the references were recorded with. */
    public static final long SEED = 1;
    private static final Map<String, Path> WRITTEN = new ConcurrentHashMap<>();
    private static Path folder;

    /** The reference of model {@code name}. */
    public static JsonNode reference(String name) {
        try (InputStream in = ArchitectureModels.class.getResourceAsStream("/reference/architectures/" + name + ".json")) {
            if (in == null) {
                throw new IllegalStateException("no reference for " + name + "; run scripts/record-architecture-references");
            }
            return new ObjectMapper().readTree(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Model {@code name}, written on first use; fails when its bytes are not those llama.cpp was
     * run on (the generator changed: record the references again).
     */
    public static synchronized Path path(String name) {
        Path file = WRITTEN.get(name);
        if (file != null) {
            return file;
        }
        try {
            if (folder == null) {
                folder = Files.createTempDirectory("lucid-architectures");
                folder.toFile().deleteOnExit();
            }
            file = SyntheticArchitectures.write(folder.resolve(name + ".gguf"), name, SEED);
            file.toFile().deleteOnExit();
            String expected = reference(name).get("sha256").asText();
            String actual = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file)));
            if (!actual.equals(expected)) {
                throw new IllegalStateException("the synthetic " + name + " model is no longer the file llama.cpp's reference was "
                        + "recorded on (SHA-256 " + actual + ", recorded " + expected + "); run scripts/record-architecture-references");
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        WRITTEN.put(name, file);
        return file;
    }
}
