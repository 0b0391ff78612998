package lucid.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import lucid.LucidException;
import lucid.gguf.GgufArray;
import lucid.gguf.GgufFile;
import lucid.gguf.GgufMetadata;
import lucid.gguf.GgufValueType;
import lucid.gguf.ModelFile;
import lucid.gguf.TensorInfo;
import lucid.huggingface.HuggingFaceFolder;
import lucid.model.Model;
import lucid.model.ModelConfig;
import lucid.model.ModelLocator;
import lucid.tensor.GgmlType;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** {@code lucid inspect}: what is in a GGUF file or a Hugging Face folder. */
@Command(name = "inspect",
        mixinStandardHelpOptions = true,
        header = "Metadata, tensors and architecture of a GGUF file or a Hugging Face folder.",
        description = {"Show a model file's metadata, tensors (name, type, shape), parameter count and architecture.",
                "A Hugging Face folder is shown as Lucid reads it: config.json as GGUF metadata keys, tensors by llama.cpp's names."},
        footerHeading = "%nExamples:%n",
        footer = {
                "  lucid inspect ../shared/models/stories260K.gguf",
                "  lucid inspect ./SmolLM2-135M/",
                "  lucid inspect stories260K --json | jq .architecture"})
final class InspectCommand extends LucidCommand {
    /** Arrays longer than this are summarised (first elements and the length). */
    private static final int ARRAY_PREVIEW = 16;

    @Parameters(index = "0", paramLabel = "MODEL", description = "a .gguf file, a Hugging Face model folder or a model name")
    String model;

    @Option(names = "--json", description = "print JSON instead of text")
    boolean json;

    @Override
    public Integer call() throws Exception {
        try (ModelFile file = Model.openFile(ModelLocator.fromEnvironment().resolve(model), GgufFile.Loading.MMAP)) {
            Summary summary = Summary.of(file);
            if (json) {
                ObjectMapper mapper = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
                console.out().println(mapper.writeValueAsString(toJson(file, summary)));
            } else {
                printText(file, summary, console.out());
            }
        }
        return 0;
    }

    /** Totals over the tensors, and the architecture if Lucid can run it. */
    record Summary(long parameters, long tensorBytes, Map<GgmlType, Integer> tensorsByType, ModelConfig config, String configProblem) {
        static Summary of(ModelFile file) {
            long parameters = 0;
            long bytes = 0;
            Map<GgmlType, Integer> byType = new EnumMap<>(GgmlType.class);
            for (TensorInfo t : file.tensorInfos()) {
                parameters += t.elementCount();
                bytes += t.byteSize();
                byType.merge(t.type(), 1, Integer::sum);
            }
            ModelConfig config = null;
            String problem = null;
            if (!file.tensorInfos().isEmpty()) {
                try {
                    config = ModelConfig.fromGguf(file);
                } catch (LucidException e) {
                    problem = e.getMessage();
                }
            } else {
                problem = "no tensors: a vocabulary-only file";
            }
            return new Summary(parameters, bytes, byType, config, problem);
        }
    }

    private static void printText(ModelFile file, Summary s, PrintStream out) {
        switch (file) {
            case GgufFile g -> out.printf("file:         %s (%s, GGUF v%d, alignment %d, data at byte %d)%n", g.path(), bytes(g.fileSize()),
                    g.version(), g.alignment(), g.dataOffset());
            case HuggingFaceFolder f -> out.printf("folder:       %s (%s, Hugging Face %s, %d safetensors file%s)%n", f.path(),
                    bytes(f.fileSize()), f.architecture(), f.weightFiles().size(), f.weightFiles().size() == 1 ? "" : "s");
            default -> out.printf("file:         %s (%s)%n", file.path(), bytes(file.fileSize()));
        }
        out.printf("parameters:   %s in %d tensors (%s)%n", count(s.parameters), file.tensorInfos().size(), typeCounts(s.tensorsByType));
        if (s.config != null) {
            ModelConfig c = s.config;
            out.printf("architecture: %s · %d layers · dim %d · %d heads (%d KV, head size %d) · FFN %d · vocab %d · context %d%n",
                    c.architecture(), c.blockCount(), c.embeddingLength(), c.headCount(), c.headCountKv(), c.headSize(),
                    c.feedForwardLength(), c.vocabularySize(), c.contextLength());
            out.printf("              %s%n", blockSummary(c));
        } else {
            out.printf("architecture: %s (%s)%n", file.metadata().string("general.architecture").orElse("?"), s.configProblem);
        }
        out.printf("%nmetadata (%d keys):%n", file.metadata().keys().size());
        int width = file.metadata().keys().stream().mapToInt(String::length).max().orElse(10);
        for (var e : file.metadata().entries().entrySet()) {
            out.printf("  %-" + width + "s  %-8s %s%n", e.getKey(), typeName(e.getValue()), GgufMetadata.render(e.getValue()));
        }
        out.printf("%ntensors (%d):%n", file.tensorInfos().size());
        int nameWidth = file.tensorInfos().stream().mapToInt(t -> t.name().length()).max().orElse(10);
        for (TensorInfo t : file.tensorInfos()) {
            out.printf("  %-" + nameWidth + "s  %-7s %-22s %s%n", t.name(), t.type(), shape(t.shape()), bytes(t.byteSize()));
        }
    }

    /** The block in one line: rotary embedding, norm, feed-forward and the family's extras. */
    private static String blockSummary(ModelConfig c) {
        StringBuilder sb = new StringBuilder();
        if (c.rope() == null) {
            sb.append("learned positions");
        } else {
            sb.append(String.format("RoPE %d dims (%s), base %s, scaling %s", c.rope().dimensions(),
                    c.options().rope().name().toLowerCase(), trim(c.rope().base()), c.rope().scaling().name().toLowerCase()));
        }
        boolean rms = c.options().norm() == lucid.model.ArchitectureOptions.NormKind.RMS;
        sb.append(String.format(" · %s eps %s · %s", rms ? "RMSNorm" : "LayerNorm", c.normEpsilon(), feedForwardName(c)));
        if (c.attention().hasWindow()) {
            int local = 0;
            for (int l = 0; l < c.blockCount(); l++) {
                local += c.attention().isWindowed(l) ? 1 : 0;
            }
            sb.append(String.format(" · sliding window %d on %d of %d layers", c.attention().slidingWindow(), local, c.blockCount()));
        }
        if (c.attention().logitSoftCap() > 0) {
            sb.append(" · attention soft-cap ").append(trim(c.attention().logitSoftCap()));
        }
        if (c.finalLogitSoftCap() > 0) {
            sb.append(" · final soft-cap ").append(trim(c.finalLogitSoftCap()));
        }
        return sb.toString();
    }

    private static String feedForwardName(ModelConfig c) {
        var o = c.options();
        if (!o.gated()) {
            return "GELU MLP";
        }
        return o.activation() == lucid.model.ArchitectureOptions.Activation.SILU ? "SwiGLU" : "GeGLU";
    }

    private static String typeName(GgufMetadata.Entry e) {
        if (e.value() instanceof GgufArray a) {
            return a.elementType().name() + "[]";
        }
        return e.type().name();
    }

    private static Map<String, Object> toJson(ModelFile file, Summary s) {
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("file", file.path().toString());
        root.put("file_size", file.fileSize());
        if (file instanceof GgufFile g) {
            root.put("gguf_version", g.version());
            root.put("alignment", g.alignment());
            root.put("data_offset", g.dataOffset());
        } else if (file instanceof HuggingFaceFolder f) {
            root.put("format", "huggingface");
            root.put("hf_architecture", f.architecture());
            root.put("weight_files", f.weightFiles().stream().map(p -> p.getFileName().toString()).toList());
        }
        root.put("parameters", s.parameters);
        Map<String, Object> arch = new LinkedHashMap<>();
        if (s.config != null) {
            ModelConfig c = s.config;
            arch.put("name", c.architecture());
            arch.put("layers", c.blockCount());
            arch.put("embedding_length", c.embeddingLength());
            arch.put("heads", c.headCount());
            arch.put("kv_heads", c.headCountKv());
            arch.put("head_size", c.headSize());
            arch.put("feed_forward_length", c.feedForwardLength());
            arch.put("vocab_size", c.vocabularySize());
            arch.put("context_length", c.contextLength());
            arch.put("rope_dimensions", c.ropeDimensions());
            arch.put("rope_base", c.rope() == null ? null : c.rope().base());
            arch.put("rope_scaling", c.rope() == null ? null : c.rope().scaling().name().toLowerCase());
            arch.put("rope_style", c.options().rope().name().toLowerCase());
            arch.put("norm", c.options().norm() == lucid.model.ArchitectureOptions.NormKind.RMS ? "rms" : "layer");
            arch.put("norm_epsilon", c.normEpsilon());
            if (c.options().norm() == lucid.model.ArchitectureOptions.NormKind.RMS) {
                arch.put("rms_norm_epsilon", c.normEpsilon());
            }
            arch.put("feed_forward", feedForwardName(c));
            arch.put("sliding_window", c.attention().slidingWindow());
            arch.put("attention_logit_softcap", c.attention().logitSoftCap());
            arch.put("final_logit_softcap", c.finalLogitSoftCap());
            arch.put("supported", true);
        } else {
            arch.put("name", file.metadata().string("general.architecture").orElse(null));
            arch.put("supported", false);
            arch.put("problem", s.configProblem);
        }
        root.put("architecture", arch);
        Map<String, Object> metadata = new LinkedHashMap<>();
        for (var e : file.metadata().entries().entrySet()) {
            metadata.put(e.getKey(), jsonValue(e.getValue().type(), e.getValue().value()));
        }
        root.put("metadata", metadata);
        List<Map<String, Object>> tensors = new ArrayList<>();
        for (TensorInfo t : file.tensorInfos()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("name", t.name());
            m.put("type", t.type().name());
            m.put("shape", t.shape());
            m.put("offset", t.offset());
            m.put("bytes", t.byteSize());
            tensors.add(m);
        }
        root.put("tensors", tensors);
        return root;
    }

    /** Scalars as JSON values; arrays longer than {@link #ARRAY_PREVIEW} as their type, length and first elements. */
    private static Object jsonValue(GgufValueType type, Object value) {
        if (value instanceof GgufArray a) {
            int n = a.size();
            List<Object> head = new ArrayList<>();
            for (int i = 0; i < Math.min(n, ARRAY_PREVIEW); i++) {
                head.add(switch (a.values()) {
                    case long[] l -> l[i];
                    case float[] f -> f[i];
                    case double[] d -> d[i];
                    case boolean[] b -> b[i];
                    case String[] str -> str[i];
                    case GgufArray[] nested -> jsonValue(GgufValueType.ARRAY, nested[i]);
                    default -> null;
                });
            }
            if (n <= ARRAY_PREVIEW) {
                return head;
            }
            Map<String, Object> summary = new LinkedHashMap<>();
            summary.put("type", a.elementType().name());
            summary.put("length", n);
            summary.put("first", head);
            return summary;
        }
        if (type == GgufValueType.UINT64 && value instanceof Long l && l < 0) {
            return new java.math.BigInteger(Long.toUnsignedString(l));
        }
        if (value instanceof Float f && !Float.isFinite(f) || value instanceof Double d && !Double.isFinite(d)) {
            return value.toString();
        }
        return value;
    }

    private static String typeCounts(Map<GgmlType, Integer> byType) {
        StringBuilder sb = new StringBuilder();
        byType.forEach((t, n) -> sb.append(sb.isEmpty() ? "" : ", ").append(n).append(' ').append(t));
        return sb.isEmpty() ? "none" : sb.toString();
    }

    private static String shape(long[] shape) {
        StringBuilder sb = new StringBuilder("[");
        for (int i = 0; i < shape.length; i++) {
            sb.append(i == 0 ? "" : ", ").append(shape[i]);
        }
        return sb.append(']').toString();
    }

    static String count(long n) {
        if (n >= 1_000_000_000) {
            return String.format("%.2f B", n / 1e9);
        }
        if (n >= 1_000_000) {
            return String.format("%.2f M", n / 1e6);
        }
        if (n >= 1_000) {
            return String.format("%.1f K", n / 1e3);
        }
        return Long.toString(n);
    }

    static String bytes(long n) {
        if (n >= 1L << 30) {
            return String.format("%.2f GiB", n / (double) (1L << 30));
        }
        if (n >= 1L << 20) {
            return String.format("%.2f MiB", n / (double) (1L << 20));
        }
        if (n >= 1L << 10) {
            return String.format("%.1f KiB", n / 1024.0);
        }
        return n + " B";
    }

    private static String trim(double d) {
        return d == Math.rint(d) ? Long.toString((long) d) : Double.toString(d);
    }
}
