package lucid.cli;

import lucid.model.ModelConfig;
import picocli.CommandLine.Option;

/** -c CONTEXT, shared by the commands that generate. */
final class ContextOption {
    @Option(names = {"-c", "--ctx-size"}, paramLabel = "N", description = "context length in tokens (default: the model's, at most 4096)")
    Integer contextSize;

    int length(ModelConfig config, Console console) {
        return CliChecks.contextLength(contextSize, config, console);
    }
}
