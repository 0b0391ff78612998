package lucid.cli;

import lucid.LucidException;
import lucid.model.Model;
import lucid.trace.Embeddings;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/** {@code lucid embed}: the neighbourhood of words in the model's input embeddings. */
@Command(name = "embed",
        mixinStandardHelpOptions = true,
        header = "Nearest tokens and analogies in the embedding space.",
        description = "Nearest tokens by cosine similarity in the model's input embedding table: to a word, or with --analogy A B C to the vector A − B + C. A word split into several tokens is their mean.",
        footerHeading = "%nExamples:%n",
        footer = {
                "  lucid embed -m stories260K girl",
                "  lucid embed -m MODEL --analogy king man woman",
                "  lucid embed -m stories260K --top 20 \" dog\""})
final class EmbedCommand extends LucidCommand {
    @Mixin
    ModelOption modelOption;

    @Option(names = "--analogy", description = "treat the three words as A B C and search near A − B + C")
    boolean analogy;

    @Option(names = "--top", paramLabel = "N", defaultValue = "10", description = "neighbours to show (default: ${DEFAULT-VALUE})")
    int top;

    @Parameters(paramLabel = "WORD", arity = "1..3", description = "a word (a leading space is added as the tokenizer would, unless it has one)")
    List<String> words;

    @Override
    public Integer call() {
        if (analogy && words.size() != 3) {
            throw new LucidException("--analogy needs three words (A B C for A − B + C), got " + words.size());
        }
        if (!analogy && words.size() != 1) {
            throw new LucidException("give one word, or three with --analogy");
        }
        if (top < 1 || top > 1000) {
            throw new LucidException("--top must be between 1 and 1000, got " + top);
        }
        try (Model model = Model.load(modelOption.resolve(), modelOption.loading())) {
            Embeddings embeddings = new Embeddings(model);
            Set<Integer> exclude = new HashSet<>();
            float[][] vectors = new float[words.size()][];
            for (int i = 0; i < words.size(); i++) {
                int[] ids = model.tokenizer().encode(words.get(i), false);
                if (ids.length == 0) {
                    throw new LucidException("\"" + words.get(i) + "\" has no tokens");
                }
                vectors[i] = embeddings.vector(ids);
                for (int id : ids) {
                    exclude.add(id);
                }
                StringBuilder pieces = new StringBuilder();
                for (int id : ids) {
                    pieces.append(pieces.isEmpty() ? "" : " + ").append('"').append(DisplayWidth.visible(model.tokenizer().displayPiece(id))).append('"');
                }
                console.err().printf("lucid: %s = %s%n", words.get(i), ids.length == 1 ? pieces : "mean of " + pieces);
            }
            float[] query = analogy ? Embeddings.analogy(vectors[0], vectors[1], vectors[2]) : vectors[0];
            console.out().println(analogy ? words.get(0) + " − " + words.get(1) + " + " + words.get(2) + ":" : "nearest to " + words.getFirst() + ":");
            for (Embeddings.Neighbour n : embeddings.nearest(query, top, exclude)) {
                console.out().printf(Locale.ROOT, "  %-20s %.3f  (id %d)%n", "\"" + DisplayWidth.visible(n.text()) + "\"", n.cosine(), n.id());
            }
        }
        return 0;
    }
}
