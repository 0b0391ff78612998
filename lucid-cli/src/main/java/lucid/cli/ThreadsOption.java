package lucid.cli;

import picocli.CommandLine.Option;

/** -t THREADS, shared by the commands that run a model once. */
final class ThreadsOption {
    @Option(names = {"-t", "--threads"}, paramLabel = "N", description = "threads (default: all cores)")
    Integer threads;

    int count() {
        return CliChecks.threads(threads);
    }
}
