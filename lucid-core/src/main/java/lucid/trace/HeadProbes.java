package lucid.trace;

import lucid.generate.GenerationObserver;
import lucid.generate.Session;
import lucid.model.Model;
import lucid.model.ModelConfig;
import lucid.tensor.WorkerPool;
import lucid.tokenizer.TokenType;
import lucid.tokenizer.Vocabulary;

import java.util.ArrayList;
import java.util.List;
import java.util.random.RandomGenerator;

/**
 * The standard probes for attention-head roles, run on sequences of random tokens repeated twice
 * (BOS, r₁…r_n, r₁…r_n):
 * <ul>
 *   <li><b>induction</b>: in the second copy, the weight a head puts on the token that followed
 *       the current token's earlier occurrence (the mechanism of in-context copying);</li>
 *   <li><b>previous token</b>: the weight on the position just before;</li>
 *   <li><b>sink</b>: the weight on the first position.</li>
 * </ul>
 * Each score is an average weight in [0, 1], per layer and head.
 */
public final class HeadProbes {
    private HeadProbes() {}

    /** Scores per [layer][head]. */
    public record Scores(double[][] induction, double[][] previousToken, double[][] sink, int sequences, int length) {}

    public static Scores run(Model model, WorkerPool pool, int length, int sequences, long seed) {
        ModelConfig c = model.config();
        int[] candidates = ordinaryTokens(model.tokenizer().vocabulary());
        if (candidates.length < length) {
            throw new lucid.LucidException("the vocabulary has only " + candidates.length + " ordinary tokens; the probe needs " + length);
        }
        RandomGenerator random = lucid.sampling.SamplerSettings.newRandom(seed);
        int bos = model.tokenizer().vocabulary().bosId();
        Recorder recorder = new Recorder(c, length, bos >= 0 ? 1 : 0);
        for (int s = 0; s < sequences; s++) {
            int[] tokens = repeatedRandom(bos, candidates, length, random);
            Session session = model.newSession(tokens.length, pool);
            session.setObserver(recorder);
            session.evaluate(tokens);
        }
        return recorder.scores(sequences);
    }

    /** BOS (if any), then n distinct random tokens, then the same n again. */
    static int[] repeatedRandom(int bos, int[] candidates, int n, RandomGenerator random) {
        int[] pick = candidates.clone();
        for (int i = 0; i < n; i++) { // partial Fisher-Yates: n distinct tokens
            int j = i + random.nextInt(pick.length - i);
            int t = pick[i];
            pick[i] = pick[j];
            pick[j] = t;
        }
        int offset = bos >= 0 ? 1 : 0;
        int[] tokens = new int[offset + 2 * n];
        if (bos >= 0) {
            tokens[0] = bos;
        }
        for (int i = 0; i < n; i++) {
            tokens[offset + i] = pick[i];
            tokens[offset + n + i] = pick[i];
        }
        return tokens;
    }

    private static int[] ordinaryTokens(Vocabulary v) {
        List<Integer> ids = new ArrayList<>();
        for (int i = 0; i < v.size(); i++) {
            if (v.type(i) == TokenType.NORMAL) {
                ids.add(i);
            }
        }
        return ids.stream().mapToInt(Integer::intValue).toArray();
    }

    /** Accumulates the three scores from the attention rows of every position. */
    static final class Recorder implements GenerationObserver {
        private final int layers;
        private final int heads;
        private final int n;
        private final double[][] induction;
        private final double[][] previous;
        private final double[][] sink;
        /** 1 when the sequences start with BOS. */
        private final int offset;
        private long inductionCount;
        private long previousCount;

        Recorder(ModelConfig c, int n, int offset) {
            this.offset = offset;
            this.layers = c.blockCount();
            this.heads = c.headCount();
            this.n = n;
            induction = new double[layers][heads];
            previous = new double[layers][heads];
            sink = new double[layers][heads];
        }

        @Override
        public void onAttention(int layer, int position, float[] weights, int heads, int stride) {
            if (position == 0) {
                return;
            }
            for (int h = 0; h < heads; h++) {
                int row = h * stride;
                previous[layer][h] += weights[row + position - 1];
                sink[layer][h] += weights[row];
                // second copy: position = offset + n + i repeats offset + i; its induction target is offset + i + 1
                if (position >= offset + n) {
                    int i = position - offset - n;
                    induction[layer][h] += weights[row + offset + i + 1];
                }
            }
            if (layer == 0) {
                previousCount++;
                if (position >= offset + n) {
                    inductionCount++;
                }
            }
        }

        Scores scores(int sequences) {
            double[][] ind = new double[layers][heads];
            double[][] prev = new double[layers][heads];
            double[][] snk = new double[layers][heads];
            for (int l = 0; l < layers; l++) {
                for (int h = 0; h < heads; h++) {
                    ind[l][h] = induction[l][h] / inductionCount;
                    prev[l][h] = previous[l][h] / previousCount;
                    snk[l][h] = sink[l][h] / previousCount;
                }
            }
            return new Scores(ind, prev, snk, sequences, n);
        }
    }
}
