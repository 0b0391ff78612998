package lucid.model;

import lucid.gguf.GgufWriter;
import lucid.tensor.GgmlType;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.Consumer;
import java.util.stream.IntStream;

/**
 * Small random-weight models of every family Lucid runs, with the metadata keys and tensor names
 * llama.cpp's converter writes, so that Lucid and llama.cpp can be compared on the same file.
 * Generation is deterministic: the same spec and seed give the same bytes.
 *
 * <p>Random weights alone give flat, fragile predictions, where float differences flip greedy
 * choices. So a successor map is planted, as {@code tools/synth/synth_gguf.py} does: a random
 * cycle s through the ordinary tokens (control tokens lead to a chosen ordinary token), and
 * <ul>
 *   <li>untied models: output row s(t) = (A/dim)·embedding(t), so the logit of s(t) is about A
 *       when the final hidden state still points along the current token's embedding;</li>
 *   <li>tied models (the output head is the embedding): the last layer's feed-forward is a lookup
 *       table, hidden unit j detecting token j (gate and up rows along embedding(j)) and writing
 *       embedding(s(j)) into the residual stream, strongly enough to outweigh the token itself.</li>
 * </ul>
 * Every other weight is random, with the scale a trained model's has at that place, so attention,
 * norms and the feed-forward still move the probabilities step by step (top-1 roughly 0.5-0.99).
 */
public final class SyntheticArchitectures {
    private SyntheticArchitectures() {}

    /**
     * One test model.
     *
     * @param ropeDimensions rotated elements per head (partial rotary when below headSize); 0 without RoPE
     * @param tied           no {@code output.weight}: the head is the token embedding
     * @param fusedQkv       one {@code attn_qkv} tensor instead of attn_q, attn_k, attn_v
     * @param qkvBias        Q, K and V biases
     */
    public record Spec(String name, String architecture, int dim, int layers, int heads, int kvHeads, int headSize, int ffn,
                       int vocab, int context, int ropeDimensions, boolean tied, boolean fusedQkv, boolean qkvBias) {
        ArchitectureOptions options() {
            return ArchitectureOptions.FAMILIES.get(architecture);
        }
    }

    /** The models of the architecture tests, by name. */
    public static final Map<String, Spec> SPECS = specs();

    private static Map<String, Spec> specs() {
        Map<String, Spec> m = new LinkedHashMap<>();
        add(m, new Spec("llama-swa", "llama", 64, 2, 4, 2, 16, 128, 320, 512, 16, false, false, false));
        add(m, new Spec("qwen2", "qwen2", 64, 2, 4, 2, 16, 128, 320, 512, 16, false, false, true));
        add(m, new Spec("qwen3", "qwen3", 64, 2, 4, 2, 32, 320, 320, 512, 32, true, false, false));
        add(m, new Spec("gemma2", "gemma2", 64, 4, 4, 2, 32, 320, 320, 512, 32, true, false, false));
        add(m, new Spec("gemma3", "gemma3", 64, 6, 4, 2, 32, 320, 320, 512, 32, true, false, false));
        add(m, new Spec("phi3", "phi3", 64, 2, 4, 4, 16, 128, 320, 4096, 8, false, true, false));
        add(m, new Spec("phi3-long", "phi3", 64, 2, 4, 4, 16, 128, 320, 131072, 8, false, true, false));
        add(m, new Spec("gpt2", "gpt2", 64, 2, 4, 4, 16, 256, 320, 256, 0, false, true, true));
        return java.util.Collections.unmodifiableMap(m);
    }

    private static void add(Map<String, Spec> m, Spec s) {
        m.put(s.name(), s);
    }

    /** Sliding window of the windowed test models, short so that 64 generated tokens run far past it. */
    public static final int WINDOW = 8;

    /**
     * A vocabulary of one's own and a path through it that the model is built to follow, for tests
     * that need a chosen greedy continuation (say, tokens that split characters).
     *
     * @param vocabulary writes the {@code tokenizer.ggml.*} keys: {@link Spec#vocab} tokens, ids 0..2
     *                   being control tokens (such as unknown, BOS and EOS), as in the default vocabulary
     * @param path       distinct token ids: each leads to the next and the last back to the first;
     *                   control tokens 0..2 that are not on it lead to its first, and the other tokens
     *                   form a random cycle of their own. A token's successor depends on that token
     *                   alone, which is why a token can appear on the path only once.
     */
    public record Planted(Consumer<GgufWriter> vocabulary, int[] path) {
        public Planted {
            path = path.clone();
            if (path.length < 2 || Arrays.stream(path).distinct().count() != path.length) {
                throw new IllegalArgumentException("a planted path needs two or more distinct tokens: " + Arrays.toString(path));
            }
        }

        @Override
        public int[] path() {
            return path.clone();
        }
    }

    /** Writes model {@code name} (a key of {@link #SPECS}) to {@code file}. */
    public static Path write(Path file, String name, long seed) {
        Spec spec = SPECS.get(name);
        if (spec == null) {
            throw new IllegalArgumentException("no synthetic architecture \"" + name + "\"; known: " + SPECS.keySet());
        }
        return write(file, spec, seed, null);
    }

    /** Writes a model of {@code spec} with the default vocabulary and a random cycle, or with {@code planted} (null: none). */
    public static Path write(Path file, Spec spec, long seed, Planted planted) {
        if (planted != null && Arrays.stream(planted.path()).anyMatch(t -> t < 0 || t >= spec.vocab())) {
            throw new IllegalArgumentException("the planted path leaves the vocabulary of " + spec.vocab() + ": " + Arrays.toString(planted.path()));
        }
        GgufWriter w = new GgufWriter();
        new Builder(spec, seed, w, planted).build();
        w.write(file);
        return file;
    }

    /** Writes every model into {@code args[0]} as NAME.gguf (seed {@code args[1]}, default 1). */
    public static void main(String[] args) throws java.io.IOException {
        Path folder = Path.of(args.length > 0 ? args[0] : ".");
        long seed = args.length > 1 ? Long.parseLong(args[1]) : 1;
        Files.createDirectories(folder);
        for (String name : SPECS.keySet()) {
            System.out.println(write(folder.resolve(name + ".gguf"), name, seed));
        }
    }

    /** Writes one model: metadata, then tensors in llama.cpp's order, drawing from one random stream. */
    private static final class Builder {
        private final Spec s;
        private final ArchitectureOptions o;
        private final SplittableRandom random;
        private final GgufWriter w;
        private final String p;
        /** The chosen vocabulary and path, or null. */
        private final Planted planted;
        /** Token embeddings (vocab × dim), unit RMS per row. */
        private final float[] embedding;
        /** successor[t]: the token the model is built to predict after t. */
        private final int[] successor;
        /** Logit size of the planted successor. */
        private final double peak;
        /** Residual-stream scale of the embedding (√dim for Gemma). */
        private final double embeddingScale;
        /** Scale of each random sublayer's output: 1/√(2·layers), as for trained residual branches. */
        private final double branch;

        Builder(Spec s, long seed, GgufWriter w, Planted planted) {
            this.s = s;
            this.planted = planted;
            this.o = s.options();
            // each model its own stream (and successor cycle), from the seed and its name
            this.random = new SplittableRandom(seed * 1_000_003L + s.name().hashCode());
            this.w = w;
            this.p = s.architecture() + ".";
            this.embedding = uniform(s.vocab() * s.dim(), 1.0);
            this.successor = planted == null ? successors() : successorsAlong(planted.path());
            this.peak = Math.log(s.vocab()) + 4;
            this.embeddingScale = o.scaledEmbedding() ? Math.sqrt(s.dim()) : 1;
            this.branch = 1 / Math.sqrt(2.0 * s.layers());
        }

        /** A random cycle through the ordinary tokens; control tokens 0..2 lead to random ordinary ones. */
        private int[] successors() {
            int n = s.vocab() - 3;
            int[] cycle = new int[n];
            for (int i = 0; i < n; i++) {
                cycle[i] = 3 + i;
            }
            for (int i = n - 1; i > 0; i--) { // Sattolo: a single cycle
                int j = random.nextInt(i);
                int t = cycle[i];
                cycle[i] = cycle[j];
                cycle[j] = t;
            }
            int[] next = new int[s.vocab()];
            for (int i = 0; i < n; i++) {
                next[cycle[i]] = cycle[(i + 1) % n];
            }
            for (int c = 0; c < 3; c++) {
                next[c] = 3 + random.nextInt(n);
            }
            return next;
        }

        /** The planted path as a cycle; control tokens 0..2 off it lead to its start, the rest form a random cycle. */
        private int[] successorsAlong(int[] path) {
            int[] next = new int[s.vocab()];
            boolean[] onPath = new boolean[s.vocab()];
            for (int i = 0; i < path.length; i++) {
                next[path[i]] = path[(i + 1) % path.length];
                onPath[path[i]] = true;
            }
            int[] rest = IntStream.range(3, s.vocab()).filter(t -> !onPath[t]).toArray();
            for (int i = rest.length - 1; i > 0; i--) { // Fisher-Yates, then the shuffled order closed into a cycle
                int j = random.nextInt(i + 1);
                int t = rest[i];
                rest[i] = rest[j];
                rest[j] = t;
            }
            for (int i = 0; i < rest.length; i++) {
                next[rest[i]] = rest[(i + 1) % rest.length];
            }
            for (int c = 0; c < 3; c++) {
                if (!onPath[c]) {
                    next[c] = path[0];
                }
            }
            return next;
        }

        void build() {
            metadata();
            if (planted == null) {
                SyntheticModels.vocabulary(w, s.vocab());
            } else {
                planted.vocabulary().accept(w);
            }
            tensor("token_embd.weight", embedding, s.dim(), s.vocab());
            if (o.positionEmbedding()) {
                tensor("position_embd.weight", uniform(s.context() * s.dim(), 0.3), s.dim(), s.context());
            }
            if (s.architecture().equals("phi3")) {
                int pairs = s.ropeDimensions() / 2;
                tensor("rope_factors_long.weight", factors(pairs, 1, 8), pairs);
                tensor("rope_factors_short.weight", factors(pairs, 1, 1.5), pairs);
            }
            for (int l = 0; l < s.layers(); l++) {
                layer(l, s.tied() && l == s.layers() - 1);
            }
            if (s.tied()) {
                // logits = embedding · (norm(x) ⊙ κ): κ puts the successor's logit near the peak
                norm("output_norm", s.dim(), peak / s.dim() * 1.2, 0.05);
            } else {
                norm("output_norm", s.dim(), 1, 0.1);
                tensor("output.weight", plantedOutput(), s.dim(), s.vocab());
            }
        }

        private void metadata() {
            w.put("general.architecture", s.architecture());
            // llama.cpp adjusts the vocabulary of models whose general.name contains "phi3" and then
            // needs Phi-3's <|endoftext|> token, which the synthetic vocabulary lacks
            w.put("general.name", "synthetic-" + s.name().replace("phi3", "phi-three"));
            w.putUInt32("general.file_type", 0);
            w.putUInt32(p + "context_length", s.context());
            w.putUInt32(p + "embedding_length", s.dim());
            w.putUInt32(p + "block_count", s.layers());
            w.putUInt32(p + "feed_forward_length", s.ffn());
            w.putUInt32(p + "attention.head_count", s.heads());
            w.putUInt32(p + "attention.head_count_kv", s.kvHeads());
            if (s.headSize() * s.heads() != s.dim()) {
                w.putUInt32(p + "attention.key_length", s.headSize());
                w.putUInt32(p + "attention.value_length", s.headSize());
            }
            if (o.norm() == ArchitectureOptions.NormKind.LAYER) {
                w.putFloat32(p + "attention.layer_norm_epsilon", 1e-5f);
            } else {
                w.putFloat32(p + "attention.layer_norm_rms_epsilon", 1e-6f);
            }
            if (s.ropeDimensions() > 0) {
                w.putUInt32(p + "rope.dimension_count", s.ropeDimensions());
            }
            switch (s.name()) {
                case "llama-swa" -> {
                    w.putUInt32(p + "vocab_size", s.vocab());
                    w.putFloat32(p + "rope.freq_base", 10000f);
                    w.putUInt32(p + "attention.sliding_window", WINDOW);
                }
                case "qwen2", "qwen3" -> w.putFloat32(p + "rope.freq_base", 1_000_000f);
                case "gemma2" -> {
                    w.putFloat32(p + "attn_logit_softcapping", 5f);
                    w.putFloat32(p + "final_logit_softcapping", 15f);
                    w.putUInt32(p + "attention.sliding_window", WINDOW);
                }
                case "gemma3" -> {
                    w.putFloat32(p + "rope.freq_base", 1_000_000f);
                    w.putFloat32(p + "rope.freq_base_swa", 20000f);
                    w.putUInt32(p + "attention.sliding_window", WINDOW);
                }
                case "phi3", "phi3-long" -> {
                    int original = s.name().equals("phi3") ? 4096 : 32;
                    w.putFloat32(p + "rope.freq_base", 10000f);
                    w.putUInt32(p + "rope.scaling.original_context_length", original);
                    // llama.cpp ignores Phi-3's window (and so does Lucid): 16 would show if either did not
                    w.putUInt32(p + "attention.sliding_window", 16);
                    if (s.context() > original) {
                        double scale = (double) s.context() / original;
                        w.putFloat32(p + "rope.scaling.attn_factor", (float) Math.sqrt(1 + Math.log(scale) / Math.log(original)));
                    }
                }
                default -> { }
            }
        }

        private void layer(int l, boolean lookup) {
            String b = "blk." + l + ".";
            int dim = s.dim();
            int qDim = s.heads() * s.headSize();
            int kvDim = s.kvHeads() * s.headSize();
            double projection = 1 / Math.sqrt(dim);
            norm(b + "attn_norm", dim, 1, 0.1);
            if (s.fusedQkv()) {
                tensor(b + "attn_qkv.weight", uniform((qDim + 2 * kvDim) * dim, projection), dim, qDim + 2 * kvDim);
                if (s.qkvBias()) {
                    tensor(b + "attn_qkv.bias", uniform(qDim + 2 * kvDim, 0.3), qDim + 2 * kvDim);
                }
            } else {
                tensor(b + "attn_q.weight", uniform(qDim * dim, projection), dim, qDim);
                tensor(b + "attn_k.weight", uniform(kvDim * dim, projection), dim, kvDim);
                tensor(b + "attn_v.weight", uniform(kvDim * dim, projection), dim, kvDim);
                if (s.qkvBias()) {
                    tensor(b + "attn_q.bias", uniform(qDim, 0.3), qDim);
                    tensor(b + "attn_k.bias", uniform(kvDim, 0.3), kvDim);
                    tensor(b + "attn_v.bias", uniform(kvDim, 0.3), kvDim);
                }
            }
            if (o.queryKeyNorm()) {
                norm(b + "attn_q_norm", s.headSize(), 1, 0.3);
                norm(b + "attn_k_norm", s.headSize(), 1, 0.3);
            }
            tensor(b + "attn_output.weight", uniform(dim * qDim, branch * embeddingScale / Math.sqrt(qDim)), qDim, dim);
            if (o.norm() == ArchitectureOptions.NormKind.LAYER) {
                tensor(b + "attn_output.bias", uniform(dim, 0.1), dim);
            }
            if (o.postNorms()) {
                // the post-norm sets the size of what the sublayer adds to the residual
                norm(b + "post_attention_norm", dim, branch * embeddingScale, 0.1);
            }
            norm(b + "ffn_norm", dim, 1, 0.1);
            if (lookup) {
                lookupFeedForward(b);
            } else {
                randomFeedForward(b);
            }
        }

        private void randomFeedForward(String b) {
            int dim = s.dim();
            int ffn = s.ffn();
            double projection = 1 / Math.sqrt(dim);
            if (!o.gated()) {
                tensor(b + "ffn_up.weight", uniform(ffn * dim, projection), dim, ffn);
                tensor(b + "ffn_up.bias", uniform(ffn, 0.1), ffn);
            } else if (s.architecture().equals("phi3")) {
                tensor(b + "ffn_up.weight", uniform(2 * ffn * dim, projection), dim, 2 * ffn);
            } else {
                tensor(b + "ffn_gate.weight", uniform(ffn * dim, projection), dim, ffn);
                tensor(b + "ffn_up.weight", uniform(ffn * dim, projection), dim, ffn);
            }
            tensor(b + "ffn_down.weight", uniform(dim * ffn, branch * embeddingScale / Math.sqrt(ffn)), ffn, dim);
            if (!o.gated()) {
                tensor(b + "ffn_down.bias", uniform(dim, 0.1), dim);
            }
            if (o.postNorms()) {
                norm(b + "post_ffw_norm", dim, branch * embeddingScale, 0.1);
            }
        }

        /**
         * Hidden unit j (j &lt; vocab) fires for token j: gate and up rows are (γ/dim)·embedding(j),
         * so both are about γ for the current token and about γ/√dim for the others; the down
         * column writes embedding(successor(j)) with weight λ/γ², three times the embedding's own
         * size in the residual stream.
         */
        private void lookupFeedForward(String b) {
            int dim = s.dim();
            int ffn = s.ffn();
            double gamma = 4;
            double lambda = 3 * embeddingScale;
            float[] gate = uniform(ffn * dim, 0.1 / Math.sqrt(dim));
            float[] up = uniform(ffn * dim, 0.1 / Math.sqrt(dim));
            float[] down = new float[dim * ffn];
            for (int j = 0; j < Math.min(ffn, s.vocab()); j++) {
                for (int i = 0; i < dim; i++) {
                    gate[j * dim + i] = (float) (gamma / dim * embedding[j * dim + i]);
                    up[j * dim + i] = (float) (gamma / dim * embedding[j * dim + i]);
                    down[i * ffn + j] = (float) (lambda / (gamma * gamma) * embedding[successor[j] * dim + i]);
                }
            }
            tensor(b + "ffn_gate.weight", gate, dim, ffn);
            tensor(b + "ffn_up.weight", up, dim, ffn);
            tensor(b + "ffn_down.weight", down, ffn, dim);
            if (o.postNorms()) {
                norm(b + "post_ffw_norm", dim, lambda, 0.05);
            }
        }

        /** Row s(t) = (A/dim)·embedding(t) for every token t; rows no token leads to stay small. */
        private float[] plantedOutput() {
            int dim = s.dim();
            float[] out = uniform(s.vocab() * dim, 0.25 * peak / dim);
            boolean[] planted = new boolean[s.vocab()];
            for (int t = 0; t < s.vocab(); t++) {
                int u = successor[t];
                if (!planted[u]) {
                    java.util.Arrays.fill(out, u * dim, u * dim + dim, 0f);
                    planted[u] = true;
                }
                for (int i = 0; i < dim; i++) {
                    out[u * dim + i] += (float) (peak / dim * embedding[t * dim + i]);
                }
            }
            return out;
        }

        /** Phi-3 style rope factors: 1 for the fast pairs rising to {@code high} for the slow ones. */
        private float[] factors(int pairs, double low, double high) {
            float[] f = new float[pairs];
            for (int i = 0; i < pairs; i++) {
                f[i] = (float) (low + (high - low) * i / Math.max(1, pairs - 1));
            }
            return f;
        }

        /** {@code NAME.weight} = scale·(1 ± spread), and {@code NAME.bias} for LayerNorm. */
        private void norm(String name, int n, double scale, double spread) {
            float[] weight = new float[n];
            for (int i = 0; i < n; i++) {
                weight[i] = (float) (scale * (1 + spread * (random.nextDouble() * 2 - 1)));
            }
            tensor(name + ".weight", weight, n);
            if (o.norm() == ArchitectureOptions.NormKind.LAYER) {
                tensor(name + ".bias", uniform(n, 0.1), n);
            }
        }

        /** n uniform values with standard deviation {@code std}. */
        private float[] uniform(int n, double std) {
            double half = std * Math.sqrt(3);
            float[] a = new float[n];
            for (int i = 0; i < n; i++) {
                a[i] = (float) ((random.nextDouble() * 2 - 1) * half);
            }
            return a;
        }

        /** An F32 tensor of shape {@code shape} (ne0 first: a matrix is [cols, rows]) from row-major values. */
        private void tensor(String name, float[] values, long... shape) {
            MemorySegment data = MemorySegment.ofArray(new byte[4 * values.length]);
            MemorySegment.copy(values, 0, data, ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 0, values.length);
            w.addTensor(name, GgmlType.F32, shape, data);
        }
    }
}
