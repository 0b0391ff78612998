package lucid.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import lucid.LucidException;
import lucid.eval.Calibration;
import lucid.eval.CalibrationRun;
import lucid.eval.Perplexity;
import lucid.model.Model;
import lucid.tensor.ActivationRounding;
import lucid.tensor.WorkerPool;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/** {@code lucid calibrate}: does the model's confidence mean what it says? */
@Command(name = "calibrate",
        mixinStandardHelpOptions = true,
        header = "Calibration: ECE, Brier, fitted temperature, reliability diagram.",
        description = "Over a text (scored as perplexity scores it), compare the model's top-1 probability with whether its top-1 token was the actual next token: expected and maximum calibration error (ECE, MCE), Brier score, NLL, accuracy, a reliability diagram, and the single temperature that minimises NLL on the text with the ECE it gives.",
        footerHeading = "%nExamples:%n",
        footer = {
                "  lucid calibrate -m stories260K -f ../shared/text/tinyshakespeare.txt -c 256 --bins 15 --svg reliability.svg",
                "  lucid calibrate -m stories260K -f story.txt -c 256 --chunks 50 --png reliability.png --json"})
final class CalibrateCommand extends LucidCommand {
    @Mixin
    ModelOption modelOption;

    @Option(names = {"-f", "--file"}, required = true, paramLabel = "FILE", description = "the UTF-8 text")
    Path file;

    @Option(names = {"-c", "--ctx-size"}, paramLabel = "N", defaultValue = "512", description = "tokens per chunk (default: ${DEFAULT-VALUE})")
    int context;

    @Option(names = "--chunks", paramLabel = "N", defaultValue = "100", description = "chunks to score (default: ${DEFAULT-VALUE}; 0 = all)")
    int chunks;

    @Option(names = "--bins", paramLabel = "N", defaultValue = "15", description = "confidence bins (default: ${DEFAULT-VALUE})")
    int bins;

    @Option(names = "--svg", paramLabel = "FILE", description = "write the reliability diagram as SVG")
    Path svg;

    @Option(names = "--png", paramLabel = "FILE", description = "write the reliability diagram as PNG")
    Path png;

    @Option(names = "--json", description = "print the numbers as JSON")
    boolean json;

    @Mixin
    ThreadsOption threads;

    @Override
    public Integer call() throws Exception {
        if (bins < 1 || bins > 1000) {
            throw new LucidException("--bins must be between 1 and 1000, got " + bins);
        }
        if (chunks < 0) {
            throw new LucidException("--chunks must be 0 (all) or more, got " + chunks);
        }
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new LucidException("cannot read " + file + ": " + e.getMessage());
        }
        try (Model model = Model.load(modelOption.resolve(), modelOption.loading()); WorkerPool pool = new WorkerPool(threads.count())) {
            var setup = new Perplexity.Setup(pool, modelOption.cacheType(), ActivationRounding.EXACT);
            CalibrationRun.Result r = CalibrationRun.run(model, text, context, chunks, bins, setup);
            String title = model.name() + " on " + file.getFileName() + " (-c " + context + ")";
            if (svg != null) {
                Files.writeString(svg, ReliabilityDiagram.svg(r.before(), title));
                console.err().println("lucid: wrote " + svg);
            }
            if (png != null) {
                ReliabilityDiagram.png(r.before(), title, png);
                console.err().println("lucid: wrote " + png);
            }
            if (json) {
                console.out().println(new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(toJson(r)));
            } else {
                print(r);
            }
        }
        return 0;
    }

    private void print(CalibrationRun.Result r) {
        Calibration.Metrics m = r.before();
        var out = console.out();
        out.printf(Locale.ROOT, "%d predictions: accuracy %.4f, mean confidence %.4f%n", m.predictions(), m.accuracy(), m.meanConfidence());
        out.printf(Locale.ROOT, "ECE %.4f · MCE %.4f · Brier %.4f (top-1: %.4f) · NLL %.4f nats%n", m.ece(), m.mce(), r.brier(), m.brierTop(), r.nll());
        out.printf(Locale.ROOT, "temperature that minimises NLL: %.3f → NLL %.4f, ECE %.4f (was %.4f), MCE %.4f%n",
                r.fitted(), r.nllAfter(), r.after().ece(), m.ece(), r.after().mce());
        out.println("bin          | count  | confidence | accuracy | gap");
        for (Calibration.Bin b : m.bins()) {
            if (b.count() > 0) {
                out.printf(Locale.ROOT, "%.3f–%.3f  | %6d | %.4f     | %.4f   | %+.4f%n", b.lower(), b.upper(), b.count(), b.meanConfidence(), b.accuracy(),
                        b.accuracy() - b.meanConfidence());
            }
        }
    }

    private static Map<String, Object> toJson(CalibrationRun.Result r) {
        Map<String, Object> m = new LinkedHashMap<>();
        Calibration.Metrics before = r.before();
        m.put("predictions", before.predictions());
        m.put("accuracy", before.accuracy());
        m.put("mean_confidence", before.meanConfidence());
        m.put("ece", before.ece());
        m.put("mce", before.mce());
        m.put("brier", r.brier());
        m.put("brier_top1", before.brierTop());
        m.put("nll", r.nll());
        m.put("temperature", r.fitted());
        m.put("nll_at_temperature", r.nllAfter());
        m.put("ece_at_temperature", r.after().ece());
        m.put("mce_at_temperature", r.after().mce());
        m.put("bins", before.bins().stream().map(b -> {
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("lower", b.lower());
            row.put("upper", b.upper());
            row.put("count", b.count());
            row.put("confidence", b.count() == 0 ? null : b.meanConfidence());
            row.put("accuracy", b.count() == 0 ? null : b.accuracy());
            return row;
        }).toList());
        return m;
    }
}
