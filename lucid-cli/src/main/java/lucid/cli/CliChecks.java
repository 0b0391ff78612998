package lucid.cli;

import lucid.LucidException;
import lucid.model.ModelConfig;

/** Option checks shared by commands, with messages that say what is allowed. */
final class CliChecks {
    private CliChecks() {}

    /** The default context is the model's trained one, capped to keep the KV cache modest. */
    static final int DEFAULT_MAX_CONTEXT = 4096;

    static int threads(Integer requested) {
        int cores = Runtime.getRuntime().availableProcessors();
        if (requested == null) {
            return cores;
        }
        if (requested < 1 || requested > 1024) {
            throw new LucidException("-t must be between 1 and 1024 threads, got " + requested);
        }
        return requested;
    }

    static int contextLength(Integer requested, ModelConfig config, Console console) {
        if (requested == null) {
            return Math.min(config.contextLength(), DEFAULT_MAX_CONTEXT);
        }
        if (requested < 1) {
            throw new LucidException("-c must be a positive number of tokens, got " + requested);
        }
        if (requested > config.contextLength()) {
            console.err().printf("lucid: warning: -c %d is longer than the %d tokens the model was trained on; quality may drop past it%n",
                    requested, config.contextLength());
        }
        return requested;
    }
}
