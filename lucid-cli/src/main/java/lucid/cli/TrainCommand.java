package lucid.cli;

import lucid.model.SyntheticModels;
import lucid.tensor.GgmlType;
import picocli.CommandLine.Command;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/**
 * A short representative run (tokenize, generate, explain on a tiny synthetic model) that
 * {@code ./lucid} uses once after a build to record the JDK's ahead-of-time cache
 * ({@code -XX:AOTCacheOutput}): classes loaded and linked ahead of time make every later start faster.
 */
@Command(name = "train-startup", hidden = true, description = "record a start-up (AOT) cache training run; used by ./lucid")
final class TrainCommand implements Callable<Integer> {
    @Override
    public Integer call() throws Exception {
        Path dir = Files.createTempDirectory("lucid-train");
        try {
            Path model = SyntheticModels.write(dir.resolve("tiny.gguf"), SyntheticModels.SHAPES.get("tiny"), GgmlType.Q8_0, 1);
            PrintStream quiet = new PrintStream(new ByteArrayOutputStream(), true, java.nio.charset.StandardCharsets.UTF_8);
            String m = model.toString();
            Main.run(new String[] {"run", "-m", m, "-p", "Once upon a time", "-n", "16", "--temp", "0"}, quiet, quiet);
            Main.run(new String[] {"run", "-m", m, "-p", "Once upon a time", "-n", "16", "--seed", "1"}, quiet, quiet);
            Main.run(new String[] {"explain", "-m", m, "-p", "Once upon a time", "-n", "4", "--json", "-"}, quiet, quiet);
            Main.run(new String[] {"chat", "-m", m, "-n", "8", "--seed", "1"},
                    new java.io.ByteArrayInputStream("Hello\n/help\nAnd then?\n".getBytes(java.nio.charset.StandardCharsets.UTF_8)), quiet, quiet);
            Main.run(new String[] {"tokenize", "-m", m, "Once upon a time"}, quiet, quiet);
            Main.run(new String[] {"inspect", m}, quiet, quiet);
            Main.run(new String[] {"run", "--help"}, quiet, quiet);
        } finally {
            try (var files = Files.walk(dir)) {
                files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
        return 0;
    }
}
