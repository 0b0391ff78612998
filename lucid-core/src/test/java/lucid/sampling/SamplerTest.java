package lucid.sampling;

import lucid.LucidException;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

class SamplerTest {
    private static final float[] LOGITS = {1.0f, 3.0f, 2.0f, -1.0f, 3.0f, 0.5f};

    private static Candidates candidates(float[] logits) {
        Candidates c = new Candidates(logits.length);
        c.reset(logits);
        return c;
    }

    private static int[] ids(Candidates c) {
        int[] out = new int[c.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = c.id(i);
        }
        return out;
    }

    @Test
    void greedyPicksHighestLogitAndLowestIdOnTies() {
        Candidates c = candidates(LOGITS);
        new Greedy().apply(c);
        assertThat(c.selectedId()).isEqualTo(1);
    }

    @Test
    void sortOrdersByLogitThenId() {
        Candidates c = candidates(LOGITS);
        c.sort();
        assertThat(ids(c)).containsExactly(1, 4, 2, 0, 5, 3);
        assertThat(c.logit(0)).isEqualTo(3.0f);
        assertThat(c.logit(5)).isEqualTo(-1.0f);
    }

    @Test
    void sortHandlesNegativeZeroInfinitiesAndRandomValues() {
        Random random = new Random(3);
        float[] logits = new float[1000];
        for (int i = 0; i < logits.length; i++) {
            logits[i] = (float) (random.nextGaussian() * 10);
        }
        logits[7] = Float.NEGATIVE_INFINITY;
        logits[8] = -0.0f;
        logits[9] = Float.POSITIVE_INFINITY;
        Candidates c = candidates(logits);
        c.sort();
        assertThat(c.id(0)).isEqualTo(9);
        assertThat(c.id(999)).isEqualTo(7);
        for (int i = 1; i < 1000; i++) {
            assertThat(c.logit(i)).isLessThanOrEqualTo(c.logit(i - 1));
            assertThat(c.logit(i)).isEqualTo(logits[c.id(i)]);
        }
    }

    @Test
    void topKOfZeroKeepsAllCandidates() {
        Candidates c = candidates(LOGITS);
        new TopK(0).apply(c);
        assertThat(c.size()).isEqualTo(6);
    }

    @Test
    void topKKeepsTheKMostLikely() {
        Candidates c = candidates(LOGITS);
        new TopK(3).apply(c);
        assertThat(ids(c)).containsExactly(1, 4, 2);
    }

    @Test
    void topPKeepsTheSmallestPrefixReachingP() {
        // softmax of LOGITS, sorted: 0.3842, 0.3842, 0.1413, 0.0520, 0.0315, 0.0070 (top two: 0.7683)
        Candidates c = candidates(LOGITS);
        new TopP(0.7f).apply(c);
        assertThat(ids(c)).containsExactly(1, 4);
        c = candidates(LOGITS);
        new TopP(0.77f).apply(c);
        assertThat(ids(c)).containsExactly(1, 4, 2);
        c = candidates(LOGITS);
        new TopP(1.0f).apply(c);
        assertThat(c.size()).isEqualTo(6);
    }

    @Test
    void minPDropsCandidatesFarBelowTheBest() {
        // relative to the best (e^3): id 2 is e^-1 = 0.37, id 0 e^-2 = 0.135, id 5 e^-2.5 = 0.082
        Candidates c = candidates(LOGITS);
        new MinP(0.1f).apply(c);
        assertThat(ids(c)).containsExactly(1, 4, 2, 0);
        c = candidates(LOGITS);
        new MinP(0.0f).apply(c);
        assertThat(c.size()).isEqualTo(6);
    }

    @Test
    void temperatureZeroKeepsOnlyTheBest() {
        Candidates c = candidates(LOGITS);
        new Temperature(0f).apply(c);
        assertThat(ids(c)).containsExactly(1);
    }

    @Test
    void temperatureScalesLogits() {
        Candidates c = candidates(LOGITS);
        new Temperature(2f).apply(c);
        assertThat(c.logit(1)).isEqualTo(1.5f);
    }

    @Test
    void repetitionPenaltyFollowsTheCtrlRuleAndForgetsOldTokens() {
        RepetitionPenalty p = new RepetitionPenalty(6, 2, 2.0f, 0.5f, 0.25f);
        p.accept(1);
        p.accept(3);
        p.accept(3);
        // window of 2 holds [3, 3]: token 1 has dropped out
        Candidates c = candidates(LOGITS);
        p.apply(c);
        assertThat(c.logit(1)).isEqualTo(3.0f);
        assertThat(c.logit(3)).isEqualTo(-1.0f * 2 - 2 * 0.5f - 0.25f);
        p.reset();
        c = candidates(LOGITS);
        p.apply(c);
        assertThat(c.logit(3)).isEqualTo(-1.0f);
        p.accept(4);
        c = candidates(LOGITS);
        p.apply(c);
        assertThat(c.logit(4)).isEqualTo(3.0f / 2 - 0.5f - 0.25f);
    }

    @Test
    void distributionDrawsInProportionToProbabilities() {
        float[] logits = {0f, (float) Math.log(3), (float) Math.log(6)}; // p = 0.1, 0.3, 0.6
        Distribution d = new Distribution(SamplerSettings.newRandom(7));
        int[] counts = new int[3];
        int n = 60_000;
        Candidates c = new Candidates(3);
        for (int i = 0; i < n; i++) {
            c.reset(logits);
            d.apply(c);
            counts[c.selectedId()]++;
        }
        assertThat(counts[0] / (double) n).isCloseTo(0.1, within(0.01));
        assertThat(counts[1] / (double) n).isCloseTo(0.3, within(0.01));
        assertThat(counts[2] / (double) n).isCloseTo(0.6, within(0.01));
    }

    @Test
    void sameSeedSameChoices() {
        Random random = new Random(1);
        float[] logits = new float[100];
        for (int i = 0; i < logits.length; i++) {
            logits[i] = (float) random.nextGaussian();
        }
        SamplerSettings settings = new SamplerSettings(1.0f, 0, 1f, 0f, 1f, 64, 0f, 0f, 42);
        SamplerChain a = settings.toChain(100);
        SamplerChain b = settings.toChain(100);
        for (int i = 0; i < 200; i++) {
            assertThat(a.sample(logits)).isEqualTo(b.sample(logits));
        }
    }

    @Test
    void chainOrderIsPenaltiesTopKTopPMinPTemperatureDist() {
        SamplerSettings s = new SamplerSettings(0.7f, 40, 0.9f, 0.05f, 1.1f, 64, 0f, 0f, 1);
        List<String> names = s.toChain(10).samplers().stream().map(Sampler::name).toList();
        assertThat(names).hasSize(6);
        assertThat(names.get(0)).startsWith("penalties");
        assertThat(names.subList(1, 6)).containsExactly("top-k(40)", "top-p(0.9)", "min-p(0.05)", "temp(0.7)", "dist");
        assertThat(SamplerSettings.greedy().toChain(10).name()).isEqualTo("greedy");
    }

    @Test
    void filteredChoicesStayInsideTheFilter() {
        SamplerChain chain = new SamplerSettings(1.5f, 2, 1f, 0f, 1f, 0, 0f, 0f, 5).toChain(LOGITS.length);
        for (int i = 0; i < 500; i++) {
            assertThat(chain.sample(LOGITS)).isIn(1, 4);
        }
    }

    @Test
    void invalidSettingsAreRefusedWithTheValue() {
        assertThatThrownBy(() -> new SamplerSettings(-1f, 40, 0.9f, 0.05f, 1f, 64, 0f, 0f, 1))
                .isInstanceOf(LucidException.class).hasMessageContaining("temperature").hasMessageContaining("-1.0");
        assertThatThrownBy(() -> new SamplerSettings(0.8f, 40, 3f, 0.05f, 1f, 64, 0f, 0f, 1)).hasMessage("top-p must be between 0 and 1, got 3.0");
        assertThatThrownBy(() -> new SamplerSettings(0.8f, 40, 0.9f, 2f, 1f, 64, 0f, 0f, 1)).hasMessageContaining("min-p");
        assertThatThrownBy(() -> new SamplerSettings(0.8f, 40, 0.9f, 0.05f, 0f, 64, 0f, 0f, 1)).hasMessageContaining("repeat penalty");
        assertThatThrownBy(() -> new SamplerSettings(Float.NaN, 40, 0.9f, 0.05f, 1f, 64, 0f, 0f, 1)).hasMessageContaining("temperature");
    }
}
