package lucid.cli;

import lucid.model.Model;
import lucid.tensor.WorkerPool;
import lucid.trace.HeadProbes;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** {@code lucid heads}: which attention heads copy, look back one token, or rest on the sink. */
@Command(name = "heads",
        mixinStandardHelpOptions = true,
        header = "Find induction, previous-token and attention-sink heads.",
        description = "Probe the roles of attention heads on random tokens repeated twice: induction heads (attend to the token after the current token's earlier occurrence: in-context copying), previous-token heads, and attention-sink heads (weight on the first token). Prints layers × heads tables of average weights.",
        footerHeading = "%nExamples:%n",
        footer = {
                "  lucid heads -m stories260K",
                "  lucid heads -m stories260K --length 30 --sequences 8 --seed 1"})
final class HeadsCommand extends LucidCommand {
    @Mixin
    ModelOption modelOption;

    @Option(names = "--length", paramLabel = "N", defaultValue = "20", description = "random tokens per copy (default: ${DEFAULT-VALUE})")
    int length;

    @Option(names = "--sequences", paramLabel = "N", defaultValue = "4", description = "random sequences averaged (default: ${DEFAULT-VALUE})")
    int sequences;

    @Option(names = "--seed", paramLabel = "S", defaultValue = "42", description = "seed of the random tokens (default: ${DEFAULT-VALUE})")
    long seed;

    @Mixin
    ThreadsOption threads;

    @Override
    public Integer call() {
        if (length < 2 || length > 2000 || sequences < 1 || sequences > 1000) {
            throw new lucid.LucidException("--length must be 2..2000 and --sequences 1..1000, got " + length + " and " + sequences);
        }
        try (Model model = Model.load(modelOption.resolve(), modelOption.loading()); WorkerPool pool = new WorkerPool(threads.count())) {
            if (2 * length + 1 > model.config().contextLength()) {
                throw new lucid.LucidException("--length " + length + " needs " + (2 * length + 1) + " positions; the model's context is "
                        + model.config().contextLength());
            }
            HeadProbes.Scores scores = HeadProbes.run(model, pool, length, sequences, seed);
            PrintStream out = console.out();
            out.printf("%s: %d random sequences of %d tokens, each repeated twice%n", model.name(), sequences, length);
            table(out, "induction (weight on the token after the current token's earlier occurrence)", scores.induction());
            table(out, "previous token (weight on the position just before)", scores.previousToken());
            table(out, "sink (weight on the first position)", scores.sink());
            out.println();
            out.println(verdict("induction", scores.induction()));
            out.println(verdict("previous-token", scores.previousToken()));
            out.println(verdict("sink", scores.sink()));
        }
        return 0;
    }

    private static void table(PrintStream out, String title, double[][] scores) {
        out.printf("%n%s%n      ", title);
        for (int h = 0; h < scores[0].length; h++) {
            out.printf("  H%-3d", h);
        }
        out.println();
        for (int l = 0; l < scores.length; l++) {
            out.printf("L%-4d ", l);
            for (double v : scores[l]) {
                out.printf(Locale.ROOT, "  %.2f", v);
            }
            out.println();
        }
    }

    /**
     * The strongest heads, named when they stand clear of the rest: a score at least twice the
     * median of all heads and above 0.3.
     */
    static String verdict(String role, double[][] scores) {
        List<double[]> all = new ArrayList<>(); // {score, layer, head}
        for (int l = 0; l < scores.length; l++) {
            for (int h = 0; h < scores[l].length; h++) {
                all.add(new double[] {scores[l][h], l, h});
            }
        }
        all.sort((a, b) -> Double.compare(b[0], a[0]));
        double median = all.get(all.size() / 2)[0];
        List<String> named = new ArrayList<>();
        for (double[] s : all) {
            if (s[0] >= 0.3 && s[0] >= 2 * median && named.size() < 5) {
                named.add(String.format(Locale.ROOT, "L%d H%d (%.2f)", (int) s[1], (int) s[2], s[0]));
            }
        }
        if (named.isEmpty()) {
            return String.format(Locale.ROOT, "%s heads: none stands out (best L%d H%d at %.2f; median of all heads %.2f)",
                    role, (int) all.getFirst()[1], (int) all.getFirst()[2], all.getFirst()[0], median);
        }
        return String.format(Locale.ROOT, "%s heads: %s; median of all heads %.2f", role, String.join(", ", named), median);
    }
}
