package lucid.cli;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/** Runs the CLI in-process and captures what it prints. */
record CliRun(int exitCode, String out, String err) {

    static CliRun of(String... args) {
        return withInput("", args);
    }

    /** Runs the CLI with {@code input} as its standard input (what a user would type, line by line). */
    static CliRun withInput(String input, String... args) {
        return withInput(input, new ByteArrayOutputStream(), args);
    }

    /** As {@link #withInput(String, String...)}, writing stdout to {@code out} (to watch how it is written). */
    static CliRun withInput(String input, ByteArrayOutputStream out, String... args) {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code;
        try (PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8);
             PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8)) {
            code = Main.run(args, new ByteArrayInputStream(input.getBytes(StandardCharsets.UTF_8)), o, e);
        }
        return new CliRun(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    static Path shared(String relative) {
        return Path.of(System.getProperty("lucid.shared", "../../shared")).resolve(relative);
    }

    static String stories260K() {
        return shared("models/stories260K.gguf").toString();
    }

    /** stderr without blank lines. */
    String[] errLines() {
        return err.lines().filter(l -> !l.isBlank()).toArray(String[]::new);
    }
}
