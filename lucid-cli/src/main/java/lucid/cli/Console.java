package lucid.cli;

import java.io.PrintStream;

/**
 * Where a command writes: {@code out} for its result (generated text, ids, tables), {@code err}
 * for diagnostics, progress and speed.
 */
public record Console(PrintStream out, PrintStream err) {
    /** Commands that need the console get it from the CLI's factory. */
    interface Aware {
        void setConsole(Console console);
    }
}
