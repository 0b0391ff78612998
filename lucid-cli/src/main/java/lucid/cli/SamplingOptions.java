package lucid.cli;

import lucid.sampling.SamplerSettings;
import picocli.CommandLine.Option;

/** The decoding options shared by {@code run}, {@code explain} and friends (llama.cpp's names and defaults). */
final class SamplingOptions {
    @Option(names = "--temp", paramLabel = "T", defaultValue = "" + SamplerSettings.DEFAULT_TEMPERATURE,
            description = "temperature; 0 = greedy (default: ${DEFAULT-VALUE})")
    float temperature;

    @Option(names = "--top-k", paramLabel = "K", defaultValue = "" + SamplerSettings.DEFAULT_TOP_K,
            description = "keep the K most likely tokens; 0 = off (default: ${DEFAULT-VALUE})")
    int topK;

    @Option(names = "--top-p", paramLabel = "P", defaultValue = "" + SamplerSettings.DEFAULT_TOP_P,
            description = "keep the most likely tokens up to probability mass P; 1 = off (default: ${DEFAULT-VALUE})")
    float topP;

    @Option(names = "--min-p", paramLabel = "P", defaultValue = "" + SamplerSettings.DEFAULT_MIN_P,
            description = "drop tokens less likely than P × the most likely; 0 = off (default: ${DEFAULT-VALUE})")
    float minP;

    @Option(names = "--repeat-penalty", paramLabel = "R", defaultValue = "1.0",
            description = "penalise tokens seen in the last --repeat-last-n; 1 = off (default: ${DEFAULT-VALUE})")
    float repeatPenalty;

    @Option(names = "--repeat-last-n", paramLabel = "N", defaultValue = "" + SamplerSettings.DEFAULT_REPEAT_LAST_N,
            description = "how many recent tokens the penalties look at (default: ${DEFAULT-VALUE})")
    int repeatLastN;

    @Option(names = "--frequency-penalty", paramLabel = "F", defaultValue = "0", description = "subtract F per earlier occurrence (default: 0)")
    float frequencyPenalty;

    @Option(names = "--presence-penalty", paramLabel = "F", defaultValue = "0", description = "subtract F from tokens already present (default: 0)")
    float presencePenalty;

    @Option(names = {"-s", "--seed"}, paramLabel = "S", description = "random seed; the same seed and settings give the same text (default: random, printed)")
    Long seed;

    @picocli.CommandLine.Spec(picocli.CommandLine.Spec.Target.MIXEE)
    picocli.CommandLine.Model.CommandSpec spec;

    /** Whether --temp was given on the command line (explain's default differs from run's). */
    boolean temperatureGiven() {
        return spec != null && spec.commandLine() != null && spec.commandLine().getParseResult().hasMatchedOption("--temp");
    }

    /** The validated settings; a missing seed is drawn from the clock. */
    SamplerSettings toSettings() {
        long seedValue = seed != null ? seed : System.nanoTime() ^ 0x5DEECE66DL;
        return new SamplerSettings(temperature, topK, topP, minP, repeatPenalty, repeatLastN, frequencyPenalty, presencePenalty, seedValue);
    }
}
