package lucid.huggingface;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import lucid.gguf.GgufFile;
import lucid.gguf.GgufMetadata;
import lucid.gguf.GgufWriter;
import lucid.gguf.TensorInfo;
import lucid.safetensors.Dtype;
import lucid.safetensors.SafetensorsWriter;
import lucid.tensor.GgmlType;
import lucid.tensor.Tensor;
import lucid.tensor.WeightFormat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The oracle for Hugging Face folders: writes the model of a GGUF file (one of Lucid's synthetic
 * models) as the folder transformers would have saved before llama.cpp converted it — config.json,
 * safetensors (one file or shards and an index), tokenizer.json, tokenizer_config.json,
 * generation_config.json — and the same GGUF with its tensors in the folder's dtype, so that the
 * two hold exactly the same numbers.
 *
 * <p>llama.cpp's converter permutes the Q and K rows of llama models ({@code permute} in
 * convert_hf_to_gguf.py: {@code w.reshape(n_head, 2, d/2, ...).swapaxes(1, 2)}), so checkpoint
 * row h·d + a·d/2 + i (head h, half a, pair i) is GGUF row h·d + 2i + a. The folder gets the
 * checkpoint's order back. Names and config fields are written here by hand from transformers'
 * conventions, independently of Lucid's reader.
 */
public final class HuggingFaceFolders {
    private HuggingFaceFolders() {}

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    /**
     * How to write a folder.
     *
     * @param shards         1 for model.safetensors, more for shards and model.safetensors.index.json
     * @param tokenizerFiles a folder whose tokenizer.json and tokenizer_config.json to copy, or null to
     *                       write them from the GGUF's (SentencePiece) vocabulary
     */
    public record Options(Dtype dtype, int shards, Path tokenizerFiles) {
        public static Options of(Dtype dtype, int shards) {
            return new Options(dtype, shards, null);
        }

        public Options withTokenizerFiles(Path folder) {
            return new Options(dtype, shards, folder);
        }
    }

    private static final Map<String, String> GLOBAL = Map.of(
            "token_embd.weight", "model.embed_tokens.weight",
            "output_norm.weight", "model.norm.weight",
            "output.weight", "lm_head.weight");
    private static final Map<String, String> LAYER = Map.ofEntries(
            Map.entry("attn_norm", "input_layernorm"),
            Map.entry("attn_q", "self_attn.q_proj"),
            Map.entry("attn_k", "self_attn.k_proj"),
            Map.entry("attn_v", "self_attn.v_proj"),
            Map.entry("attn_output", "self_attn.o_proj"),
            Map.entry("attn_q_norm", "self_attn.q_norm"),
            Map.entry("attn_k_norm", "self_attn.k_norm"),
            Map.entry("ffn_norm", "post_attention_layernorm"),
            Map.entry("ffn_gate", "mlp.gate_proj"),
            Map.entry("ffn_up", "mlp.up_proj"),
            Map.entry("ffn_down", "mlp.down_proj"));
    private static final Pattern BLOCK = Pattern.compile("blk\\.(\\d+)\\.(\\w+)\\.(weight|bias)");

    /** The GGUF with every tensor stored as {@code dtype}: the numbers the folder holds, in GGUF's layout. */
    public static Path roundedGguf(Path gguf, Dtype dtype, Path out) {
        GgmlType type = dtype.ggmlType().orElseThrow();
        GgufWriter w = new GgufWriter();
        try (GgufFile g = GgufFile.open(gguf)) {
            g.metadata().entries().forEach((k, e) -> w.put(k, e.type(), e.value()));
            for (TensorInfo t : g.tensorInfos()) {
                w.addTensor(t.name(), type, t.shape(), MemorySegment.ofArray(stored(g.requireTensor(t.name()), type)));
            }
            w.write(out);
        }
        return out;
    }

    /** A copy of {@code gguf} whose vocabulary (every {@code tokenizer.} key) is that of {@code vocabularyGguf}. */
    public static Path withVocabulary(Path gguf, Path vocabularyGguf, Path out) {
        GgufWriter w = new GgufWriter();
        try (GgufFile g = GgufFile.open(gguf); GgufFile v = GgufFile.open(vocabularyGguf)) {
            g.metadata().entries().forEach((k, e) -> {
                if (!k.startsWith("tokenizer.")) {
                    w.put(k, e.type(), e.value());
                }
            });
            v.metadata().entries().forEach((k, e) -> {
                if (k.startsWith("tokenizer.")) {
                    w.put(k, e.type(), e.value());
                }
            });
            for (TensorInfo t : g.tensorInfos()) {
                w.addTensor(t.name(), t.type(), t.shape(), g.requireTensor(t.name()).data());
            }
            w.write(out);
        }
        return out;
    }

    /** Writes the folder of {@code gguf}'s model; returns the folder. */
    public static Path write(Path gguf, Path folder, Options o) {
        try (GgufFile g = GgufFile.open(gguf)) {
            Files.createDirectories(folder);
            GgufMetadata m = g.metadata();
            String arch = m.requireString("general.architecture");
            boolean llama = arch.equals("llama");
            Map<String, byte[]> data = new LinkedHashMap<>();
            Map<String, long[]> shapes = new LinkedHashMap<>();
            GgmlType type = o.dtype().ggmlType().orElseThrow();
            for (TensorInfo t : g.tensorInfos()) {
                byte[] bytes = stored(g.requireTensor(t.name()), type);
                if (llama && t.name().matches("blk\\.\\d+\\.attn_[qk]\\.(weight|bias)")) {
                    int heads = m.requireInt(arch + (t.name().contains("attn_q") ? ".attention.head_count" : ".attention.head_count_kv"));
                    bytes = unpermute(bytes, t.shape(), heads, o.dtype().size);
                }
                String name = huggingFaceName(t.name());
                data.put(name, bytes);
                shapes.put(name, reversed(t.shape()));
            }
            if (llama) {
                // old checkpoints carry RoPE's inverse frequencies as a buffer; loaders ignore it
                int half = m.intValue(arch + ".rope.dimension_count", 16) / 2;
                data.put("model.layers.0.self_attn.rotary_emb.inv_freq", new byte[4 * half]);
                shapes.put("model.layers.0.self_attn.rotary_emb.inv_freq", new long[] {half});
            }
            writeWeights(folder, data, shapes, o);
            json(folder.resolve("config.json"), config(g, o.dtype()));
            Map<String, Object> generation = new LinkedHashMap<>();
            generation.put("bos_token_id", m.longValue("tokenizer.ggml.bos_token_id").orElse(1L));
            generation.put("eos_token_id", m.longValue("tokenizer.ggml.eos_token_id").orElse(2L));
            json(folder.resolve("generation_config.json"), generation);
            if (o.tokenizerFiles() != null) {
                for (String file : List.of("tokenizer.json", "tokenizer_config.json")) {
                    Files.copy(o.tokenizerFiles().resolve(file), folder.resolve(file));
                }
            } else {
                writeTokenizer(folder, m);
            }
            return folder;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String huggingFaceName(String gguf) {
        if (GLOBAL.containsKey(gguf)) {
            return GLOBAL.get(gguf);
        }
        Matcher b = BLOCK.matcher(gguf);
        if (!b.matches() || !LAYER.containsKey(b.group(2))) {
            throw new IllegalArgumentException("no Hugging Face name for " + gguf);
        }
        return "model.layers." + b.group(1) + "." + LAYER.get(b.group(2)) + "." + b.group(3);
    }

    /** The tensor's values stored as {@code type}. */
    private static byte[] stored(Tensor t, GgmlType type) {
        int n = Math.toIntExact(t.elementCount());
        float[] values = new float[n];
        WeightFormat.of(t.type()).dequantize(t.data(), 0, values, 0, n);
        MemorySegment out = MemorySegment.ofArray(new byte[Math.toIntExact(type.bytesFor(n))]);
        WeightFormat.of(type).quantize(values, 0, n, out, 0);
        return out.toArray(ValueLayout.JAVA_BYTE);
    }

    /** GGUF row h·d + 2i + a goes back to checkpoint row h·d + a·d/2 + i. */
    private static byte[] unpermute(byte[] gguf, long[] ggmlShape, int heads, int elementSize) {
        int rows = Math.toIntExact(ggmlShape.length > 1 ? ggmlShape[1] : ggmlShape[0]);
        int rowBytes = gguf.length / rows;
        int d = rows / heads;
        byte[] hf = new byte[gguf.length];
        for (int h = 0; h < heads; h++) {
            for (int i = 0; i < d / 2; i++) {
                for (int a = 0; a < 2; a++) {
                    System.arraycopy(gguf, (h * d + 2 * i + a) * rowBytes, hf, (h * d + a * d / 2 + i) * rowBytes, rowBytes);
                }
            }
        }
        return hf;
    }

    private static long[] reversed(long[] shape) {
        long[] r = new long[shape.length];
        for (int i = 0; i < shape.length; i++) {
            r[i] = shape[shape.length - 1 - i];
        }
        return r;
    }

    /** model.safetensors, or the tensors in order split into {@code shards} files and an index. */
    private static void writeWeights(Path folder, Map<String, byte[]> data, Map<String, long[]> shapes, Options o) throws IOException {
        List<String> names = new ArrayList<>(data.keySet());
        if (o.shards() == 1) {
            SafetensorsWriter w = new SafetensorsWriter();
            for (String name : names) {
                w.add(name, dtypeOf(name, o.dtype()), shapes.get(name), data.get(name));
            }
            w.write(folder.resolve("model.safetensors"));
            return;
        }
        Map<String, String> weightMap = new TreeMap<>();
        long total = 0;
        for (int s = 0; s < o.shards(); s++) {
            String file = String.format("model-%05d-of-%05d.safetensors", s + 1, o.shards());
            SafetensorsWriter w = new SafetensorsWriter();
            for (String name : names.subList(s * names.size() / o.shards(), (s + 1) * names.size() / o.shards())) {
                w.add(name, dtypeOf(name, o.dtype()), shapes.get(name), data.get(name));
                weightMap.put(name, file);
                total += data.get(name).length;
            }
            w.write(folder.resolve(file));
        }
        json(folder.resolve("model.safetensors.index.json"), Map.of("metadata", Map.of("total_size", total), "weight_map", weightMap));
    }

    private static Dtype dtypeOf(String name, Dtype weights) {
        return name.endsWith("inv_freq") ? Dtype.F32 : weights;
    }

    /** config.json as transformers writes it for the GGUF's family. */
    private static Map<String, Object> config(GgufFile g, Dtype dtype) {
        GgufMetadata m = g.metadata();
        String arch = m.requireString("general.architecture");
        String p = arch + ".";
        boolean window = arch.equals("llama") && m.contains(p + "attention.sliding_window");
        String architecture = switch (arch) {
            case "llama" -> window ? "MistralForCausalLM" : "LlamaForCausalLM";
            case "qwen2" -> "Qwen2ForCausalLM";
            case "qwen3" -> "Qwen3ForCausalLM";
            default -> throw new IllegalArgumentException("no Hugging Face class for " + arch);
        };
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("architectures", List.of(architecture));
        c.put("model_type", architecture.replace("ForCausalLM", "").toLowerCase());
        c.put("hidden_act", "silu");
        c.put("hidden_size", m.requireInt(p + "embedding_length"));
        c.put("intermediate_size", m.requireInt(p + "feed_forward_length"));
        c.put("num_hidden_layers", m.requireInt(p + "block_count"));
        c.put("num_attention_heads", m.requireInt(p + "attention.head_count"));
        c.put("num_key_value_heads", m.requireInt(p + "attention.head_count_kv"));
        m.intValue(p + "attention.key_length").ifPresent(d -> c.put("head_dim", d));
        c.put("max_position_embeddings", m.requireInt(p + "context_length"));
        c.put("rms_norm_eps", m.doubleValue(p + "attention.layer_norm_rms_epsilon").orElseThrow());
        c.put("rope_theta", m.doubleValue(p + "rope.freq_base").orElse(10000.0));
        c.put("rope_scaling", null);
        c.put("vocab_size", g.requireTensor("token_embd.weight").shape()[1]);
        c.put("tie_word_embeddings", !g.hasTensor("output.weight"));
        if (window) {
            c.put("sliding_window", m.requireInt(p + "attention.sliding_window"));
        }
        c.put("bos_token_id", m.longValue("tokenizer.ggml.bos_token_id").orElse(1L));
        c.put("eos_token_id", m.longValue("tokenizer.ggml.eos_token_id").orElse(2L));
        c.put("torch_dtype", switch (dtype) {
            case F32 -> "float32";
            case F16 -> "float16";
            case BF16 -> "bfloat16";
            default -> throw new IllegalArgumentException(dtype.name());
        });
        return c;
    }

    /**
     * tokenizer.json and tokenizer_config.json for a GGUF SentencePiece vocabulary: BPE with byte
     * fallback, a ▁ normalizer, control tokens as special added tokens, BOS added by the post-processor.
     */
    private static void writeTokenizer(Path folder, GgufMetadata m) throws IOException {
        String[] tokens = m.stringArray("tokenizer.ggml.tokens").orElseThrow();
        int[] types = m.intArray("tokenizer.ggml.token_type").orElseThrow();
        Map<String, Integer> vocab = new LinkedHashMap<>();
        List<Map<String, Object>> added = new ArrayList<>();
        for (int id = 0; id < tokens.length; id++) {
            vocab.put(tokens[id], id);
            if (types[id] == 2 || types[id] == 3) {
                added.add(Map.of("id", id, "content", tokens[id], "single_word", false, "lstrip", false, "rstrip", false,
                        "normalized", false, "special", true));
            }
        }
        String bos = tokens[Math.toIntExact(m.longValue("tokenizer.ggml.bos_token_id").orElse(1L))];
        String eos = tokens[Math.toIntExact(m.longValue("tokenizer.ggml.eos_token_id").orElse(2L))];
        Map<String, Object> tokenizer = new LinkedHashMap<>();
        tokenizer.put("version", "1.0");
        tokenizer.put("added_tokens", added);
        tokenizer.put("normalizer", Map.of("type", "Sequence", "normalizers", List.of(
                Map.of("type", "Prepend", "prepend", "\u2581"),
                Map.of("type", "Replace", "pattern", Map.of("String", " "), "content", "\u2581"))));
        tokenizer.put("pre_tokenizer", null);
        tokenizer.put("post_processor", Map.of("type", "TemplateProcessing",
                "single", List.of(Map.of("SpecialToken", Map.of("id", bos, "type_id", 0)), Map.of("Sequence", Map.of("id", "A", "type_id", 0))),
                "special_tokens", Map.of(bos, Map.of("id", bos, "ids", List.of(vocab.get(bos)), "tokens", List.of(bos)))));
        tokenizer.put("model", Map.of("type", "BPE", "unk_token", tokens[0], "byte_fallback", true, "fuse_unk", true,
                "vocab", vocab, "merges", List.of()));
        json(folder.resolve("tokenizer.json"), tokenizer);
        Map<String, Object> config = new LinkedHashMap<>();
        config.put("add_bos_token", true);
        config.put("add_eos_token", false);
        config.put("bos_token", Map.of("__type", "AddedToken", "content", bos));
        config.put("eos_token", eos);
        config.put("unk_token", tokens[0]);
        config.put("tokenizer_class", "LlamaTokenizer");
        json(folder.resolve("tokenizer_config.json"), config);
    }

    /** Writes {@code value} as JSON. */
    public static void json(Path file, Object value) {
        try {
            JSON.writeValue(file.toFile(), value);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
