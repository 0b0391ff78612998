package lucid.cli;

import java.io.InputStream;
import java.io.PrintStream;

/**
 * Where a command reads and writes: {@code in} for what the user types ({@code chat}),
 * {@code out} for its result (generated text, ids, tables), {@code err} for diagnostics,
 * progress and speed.
 */
public record Console(InputStream in, PrintStream out, PrintStream err) {
    /** Whether {@code in} and {@code out} are the process's own streams on a terminal (a person types and reads). */
    boolean isTerminal() {
        java.io.Console system = System.console();
        return in == System.in && system != null && system.isTerminal();
    }

    /** Commands that need the console get it from the CLI's factory. */
    interface Aware {
        void setConsole(Console console);
    }
}
