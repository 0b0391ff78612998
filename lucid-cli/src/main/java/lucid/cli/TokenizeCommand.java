package lucid.cli;

import lucid.gguf.GgufFile;
import lucid.gguf.ModelFile;
import lucid.model.Model;
import lucid.model.ModelLocator;
import lucid.tokenizer.Tokenizer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.util.StringJoiner;

/** {@code lucid tokenize}: the token ids of a text, as the model's tokenizer splits it. */
@Command(name = "tokenize",
        mixinStandardHelpOptions = true,
        header = "Token ids of a text.",
        description = "Print the token ids of TEXT on one line, separated by spaces (BOS included when the model adds one). With --pieces, one 'id<TAB>piece' line per token.",
        footerHeading = "%nExamples:%n",
        footer = {
                "  lucid tokenize -m stories260K \"Lily and Tom\"",
                "  lucid tokenize -m stories260K --pieces \"人工智能\"",
                "  lucid tokenize -m ../shared/tokenizers/llamacpp-vocab/ggml-vocab-llama-spm.gguf --no-bos \"Hello world\""})
final class TokenizeCommand extends LucidCommand {
    @Option(names = {"-m", "--model"}, required = true, paramLabel = "MODEL",
            description = "a .gguf file (a vocabulary-only file will do), a Hugging Face model folder, or a model name")
    String model;

    @Option(names = "--no-bos", description = "do not add the BOS token")
    boolean noBos;

    @Option(names = "--pieces", description = "print 'id<TAB>piece' lines instead of the ids")
    boolean pieces;

    @Parameters(index = "0", paramLabel = "TEXT", description = "the text to tokenize")
    String text;

    @Override
    public Integer call() {
        // Only the vocabulary is needed: map the file, read no weights.
        try (ModelFile file = Model.openFile(ModelLocator.fromEnvironment().resolve(model), GgufFile.Loading.MMAP)) {
            Tokenizer tokenizer = Model.tokenizer(file);
            int[] ids = tokenizer.encode(text, !noBos);
            if (pieces) {
                for (int id : ids) {
                    console.out().println(id + "\t" + displayPiece(tokenizer, id));
                }
            } else {
                StringJoiner line = new StringJoiner(" ");
                for (int id : ids) {
                    line.add(Integer.toString(id));
                }
                console.out().println(line);
            }
        }
        return 0;
    }

    /** A piece of a character shows as its bytes (e.g. {@code <0xE4>}): alone it is not a character. */
    static String displayPiece(Tokenizer tokenizer, int id) {
        return escape(tokenizer.displayPiece(id));
    }

    /** Control characters shown as escapes, so each piece stays on its line. */
    static String escape(String piece) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < piece.length(); i++) {
            char c = piece.charAt(i);
            switch (c) {
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                case '\\' -> sb.append("\\\\");
                default -> {
                    if (c < 0x20 || c == 0x7F) {
                        sb.append(String.format("\\x%02x", (int) c));
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        return sb.toString();
    }
}
