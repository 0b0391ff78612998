package lucid.cli;

import java.util.concurrent.Callable;

/** A subcommand: it runs with the CLI's {@link Console}, which the CLI's factory hands it. */
abstract class LucidCommand implements Callable<Integer>, Console.Aware {
    protected Console console;

    @Override
    public void setConsole(Console console) {
        this.console = console;
    }
}
