package lucid.cli;

import lucid.LucidException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.InputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;

/**
 * The {@code lucid} command. Exit codes: 0 success, 1 a problem Lucid explains (bad file,
 * unknown model, prompt too long...), 2 a usage error (unknown option, bad value), 3 an internal
 * error (a bug: rerun with {@code LUCID_DEBUG=1} for the stack trace).
 */
@Command(name = "lucid",
        mixinStandardHelpOptions = true,
        versionProvider = Main.Version.class,
        description = "Run LLMs on the CPU and see how each token is chosen.",
        subcommands = {RunCommand.class, ChatCommand.class, ExplainCommand.class, HeadsCommand.class, EmbedCommand.class, BenchCommand.class,
                PerplexityCommand.class, ScoreCommand.class, CalibrateCommand.class, ServeCommand.class, TokenizeCommand.class,
                InspectCommand.class, TrainCommand.class,
                CommandLine.HelpCommand.class},
        footerHeading = "%nExamples:%n",
        footer = {
                "  lucid run -m stories260K -p \"Once upon a time\" -n 100 --temp 0",
                "  lucid chat -m Llama-3.2-1B-Instruct-Q8_0 --system \"Answer briefly.\"",
                "  lucid explain -m stories260K -p \"Once upon a time\" -n 8",
                "  lucid tokenize -m stories260K \"Lily and Tom\"",
                "  lucid inspect ../shared/models/stories260K.gguf",
                "  lucid run -m ./SmolLM2-135M/ -p \"Once upon a time\"",
                "",
                "MODEL is a .gguf file, a Hugging Face model folder (config.json, *.safetensors, tokenizer.json),",
                "or a name looked up in the folders of LUCID_MODELS (colon-separated) and then in ~/.cache/lucid/models."})
public final class Main {
    public static final int EXIT_ERROR = 1;
    public static final int EXIT_USAGE = 2;
    public static final int EXIT_INTERNAL = 3;

    public static void main(String[] args) {
        PrintStream out = new PrintStream(new FileOutputStream(FileDescriptor.out), false, StandardCharsets.UTF_8);
        PrintStream err = new PrintStream(new FileOutputStream(FileDescriptor.err), true, StandardCharsets.UTF_8);
        int code = run(args, System.in, out, err);
        out.flush();
        System.exit(code);
    }

    /** Runs the CLI with the given output streams and the process's standard input. */
    public static int run(String[] args, PrintStream out, PrintStream err) {
        return run(args, System.in, out, err);
    }

    /** Runs the CLI with the given streams (tests call this directly, {@code chat} tests with a scripted input). */
    public static int run(String[] args, InputStream in, PrintStream out, PrintStream err) {
        Console console = new Console(in, out, err);
        CommandLine cli = new CommandLine(new Main(), new CommandLine.IFactory() {
            @Override
            public <K> K create(Class<K> cls) throws Exception {
                K instance = CommandLine.defaultFactory().create(cls);
                if (instance instanceof Console.Aware aware) {
                    aware.setConsole(console);
                }
                return instance;
            }
        });
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        cli.setCaseInsensitiveEnumValuesAllowed(true);
        cli.setParameterExceptionHandler((ex, arguments) -> {
            String command = ex.getCommandLine().getCommandSpec().qualifiedName();
            err.println("error: " + ex.getMessage());
            err.println("Try '" + command + " --help' for the options and examples.");
            return EXIT_USAGE;
        });
        cli.setExecutionExceptionHandler((ex, commandLine, parseResult) -> report(ex, err));
        return cli.execute(args);
    }

    static int report(Throwable ex, PrintStream err) {
        boolean debug = System.getenv("LUCID_DEBUG") != null;
        if (ex instanceof LucidException) {
            err.println("error: " + ex.getMessage());
            if (debug) {
                ex.printStackTrace(err);
            }
            return EXIT_ERROR;
        }
        if (ex instanceof OutOfMemoryError) {
            err.println("error: out of Java heap memory; give the JVM more with LUCID_JAVA_OPTS=-Xmx<size> or use a smaller context (-c)");
            return EXIT_ERROR;
        }
        err.println("internal error: " + ex + " (this is a bug in Lucid; rerun with LUCID_DEBUG=1 for the stack trace)");
        if (debug) {
            ex.printStackTrace(err);
        }
        return EXIT_INTERNAL;
    }

    /** The version from the jar's manifest, or "dev" when run from classes. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = Main.class.getPackage().getImplementationVersion();
            return new String[] {"lucid " + (v == null ? "dev" : v) + " (Java " + Runtime.version() + ")"};
        }
    }
}
