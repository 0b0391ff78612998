package lucid.model;

import lucid.gguf.GgufFile;
import lucid.generate.Session;
import lucid.tensor.GgmlType;
import lucid.tensor.WorkerPool;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Several sequences stepped together ({@link Session#evaluate(Session[], int[], int, SequenceBatch)})
 * get, bit for bit, the logits each gets stepped alone: whatever the weight type, family, cache
 * type, thread count, how many run together and in what order — so a server's sampled tokens
 * never depend on the other requests.
 */
class ForwardSequencesTest {
    static final int SEQUENCES = 5;
    static final int STEPS = 24;

    @TempDir
    Path dir;

    /** Prompts of different lengths (some batched, some token by token), so the positions differ. */
    private static int[][] prompts(int vocab, long seed) {
        Random random = new Random(seed);
        int[] lengths = {1, 3, 40, 7, 33};
        int[][] prompts = new int[SEQUENCES][];
        for (int i = 0; i < SEQUENCES; i++) {
            prompts[i] = random.ints(lengths[i], 0, vocab).toArray();
        }
        return prompts;
    }

    /** The next token of a sequence: greedy, with a twist by step so ties and repeats do not settle into a loop. */
    private static int next(float[] logits, int step) {
        int best = 0;
        for (int v = 1; v < logits.length; v++) {
            if (logits[v] > logits[best]) {
                best = v;
            }
        }
        return (best + step * 7) % logits.length;
    }

    /** Each sequence alone: its logits after every step. */
    private static float[][][] alone(Model model, int[][] prompts, CacheType cache, int threads) {
        float[][][] out = new float[SEQUENCES][STEPS + 1][];
        try (WorkerPool pool = new WorkerPool(threads)) {
            for (int i = 0; i < SEQUENCES; i++) {
                Session s = model.newSession(128, pool, cache);
                out[i][0] = s.evaluate(prompts[i]).clone();
                for (int step = 1; step <= STEPS; step++) {
                    out[i][step] = s.evaluate(next(out[i][step - 1], step)).clone();
                }
            }
        }
        return out;
    }

    /**
     * All sequences in one session each, stepped together: at every round a random subset, in a
     * random order, takes its next step (sequences join and leave as a server's requests do).
     */
    private static float[][][] together(Model model, int[][] prompts, CacheType cache, int threads, long seed) {
        float[][][] out = new float[SEQUENCES][STEPS + 1][];
        Random random = new Random(seed);
        try (WorkerPool pool = new WorkerPool(threads)) {
            SequenceBatch batch = new SequenceBatch(model.config(), SEQUENCES, pool);
            Session[] sessions = new Session[SEQUENCES];
            int[] done = new int[SEQUENCES];
            for (int i = 0; i < SEQUENCES; i++) {
                sessions[i] = model.newSession(128, pool, cache);
                out[i][0] = sessions[i].evaluate(prompts[i]).clone();
            }
            Session[] group = new Session[SEQUENCES];
            int[] tokens = new int[SEQUENCES];
            int[] members = new int[SEQUENCES];
            while (Arrays.stream(done).anyMatch(d -> d < STEPS)) {
                List<Integer> order = new ArrayList<>(List.of(0, 1, 2, 3, 4));
                java.util.Collections.shuffle(order, random);
                int count = 0;
                for (int i : order) {
                    if (done[i] < STEPS && random.nextInt(4) != 0) {
                        members[count] = i;
                        group[count] = sessions[i];
                        tokens[count] = next(out[i][done[i]], done[i] + 1);
                        count++;
                    }
                }
                if (count == 0) {
                    continue;
                }
                Session.evaluate(group, tokens, count, batch);
                for (int m = 0; m < count; m++) {
                    int i = members[m];
                    out[i][++done[i]] = sessions[i].state().logits().clone();
                }
            }
        }
        return out;
    }

    private static void assertSame(float[][][] alone, float[][][] together, String what) {
        for (int i = 0; i < SEQUENCES; i++) {
            for (int step = 0; step <= STEPS; step++) {
                assertThat(Arrays.equals(alone[i][step], together[i][step]))
                        .as("%s: sequence %d, step %d", what, i, step).isTrue();
            }
        }
    }

    @ParameterizedTest
    @EnumSource(value = GgmlType.class, names = {"F32", "F16", "BF16", "Q8_0", "Q4_0", "Q4_1", "Q5_0", "Q4_K", "Q6_K"})
    void everyWeightTypeGivesEachSequenceItsOwnBits(GgmlType type) {
        // 256 × 768 products at up to five vectors: above MatVec's parallel threshold, so rows split over threads
        Path file = TestModels.writeLlama(dir.resolve("m.gguf"), new TestModels.Shape(256, 2, 8, 4, 768, 700, 256), type, 21);
        try (Model model = Model.load(file, GgufFile.Loading.READ)) {
            int[][] prompts = prompts(700, 5);
            float[][][] alone = alone(model, prompts, CacheType.F32, 2);
            assertSame(alone, together(model, prompts, CacheType.F32, 2, 6), type + ", 2 threads");
            assertSame(alone, together(model, prompts, CacheType.F32, 1, 7), type + ", 1 thread");
        }
    }

    @Test
    void anActivationLengthThatLeavesAVectorTailAndAnF16CacheKeepTheBits() {
        // ffn 172 is not a multiple of the vector length: a batch-wide activation would round its tail differently
        Path file = TestModels.writeLlama(dir.resolve("odd.gguf"), new TestModels.Shape(64, 3, 8, 4, 172, 512, 256), GgmlType.F32, 8);
        try (Model model = Model.load(file, GgufFile.Loading.READ)) {
            int[][] prompts = prompts(512, 9);
            for (CacheType cache : CacheType.values()) {
                assertSame(alone(model, prompts, cache, 3), together(model, prompts, cache, 3, 10), cache + " cache");
            }
        }
    }

    static List<String> families() {
        return List.copyOf(SyntheticArchitectures.SPECS.keySet());
    }

    @ParameterizedTest
    @MethodSource("families")
    void everyFamilyGivesEachSequenceItsOwnBits(String family) {
        Path file = SyntheticArchitectures.write(dir.resolve(family + ".gguf"), family, 31);
        try (Model model = Model.load(file, GgufFile.Loading.READ)) {
            int vocab = model.config().vocabularySize();
            int[][] prompts = prompts(vocab, 12);
            assertSame(alone(model, prompts, CacheType.F16, 2), together(model, prompts, CacheType.F16, 2, 13), family);
        }
    }

    /**
     * The same steps repeated while the JIT compiles the kernels give the same bits: the first run
     * goes through the interpreter and C1, later ones through C2. (With the Vector API's own TANH
     * and EXP, Gemma's logits differed between runs here.)
     */
    @ParameterizedTest
    @MethodSource("families")
    void repeatedRunsGiveTheSameBitsWhileTheJitWarmsUp(String family) {
        Path file = SyntheticArchitectures.write(dir.resolve(family + "-warm.gguf"), family, 41);
        try (Model model = Model.load(file, GgufFile.Loading.READ)) {
            int[][] prompts = prompts(model.config().vocabularySize(), 14);
            float[][][] first = alone(model, prompts, CacheType.F16, 2);
            for (int run = 1; run <= 4; run++) {
                float[][][] again = alone(model, prompts, CacheType.F16, 2);
                assertSame(first, again, family + ", run " + run);
            }
        }
    }

    @Test
    void observedSessionsAndRepeatedSessionsAreRefused() {
        Path file = TestModels.writeLlama(dir.resolve("r.gguf"), new TestModels.Shape(64, 1, 4, 2, 128, 300, 64), GgmlType.F32, 3);
        try (Model model = Model.load(file, GgufFile.Loading.READ); WorkerPool pool = new WorkerPool(1)) {
            SequenceBatch batch = new SequenceBatch(model.config(), 2, pool);
            Session a = model.newSession(16, pool);
            Session b = model.newSession(16, pool);
            assertThatThrownBy(() -> Session.evaluate(new Session[] {a, a}, new int[] {1, 2}, 2, batch))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("one token per step");
            assertThatThrownBy(() -> Session.evaluate(new Session[] {a, b}, new int[] {1, 2}, 3, batch))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("1..2");
            b.setObserver(new lucid.generate.GenerationObserver() {});
            assertThatThrownBy(() -> Session.evaluate(new Session[] {a, b}, new int[] {1, 2}, 2, batch))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("alone");
            assertThat(a.length()).isZero();
        }
    }
}
