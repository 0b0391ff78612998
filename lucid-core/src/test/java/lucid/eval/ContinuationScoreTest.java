package lucid.eval;

import lucid.SharedAssets;
import lucid.gguf.GgufFile;
import lucid.model.CacheType;
import lucid.model.Float64Llama;
import lucid.model.Model;
import lucid.sampling.SamplerSettings;
import lucid.tensor.ActivationRounding;
import lucid.tensor.WorkerPool;
import lucid.trace.Trace;
import lucid.trace.TraceOptions;
import lucid.trace.Tracing;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

class ContinuationScoreTest {

    @Test
    void tokenLogprobsEqualExplainsPromptScoresAndAFloat64Recomputation() {
        String prompt = "Once upon a time";
        String continuation = ", there was a little girl named Lily. She loved to play outside in the park with her ball";
        try (Model model = Model.load(SharedAssets.stories260K(), GgufFile.Loading.READ);
             GgufFile raw = GgufFile.open(SharedAssets.stories260K());
             WorkerPool pool = new WorkerPool(2)) {
            var setup = new Perplexity.Setup(pool, CacheType.F32, ActivationRounding.EXACT);
            ContinuationScore.Result r = ContinuationScore.score(model, prompt, continuation, setup);
            int[] promptIds = r.promptTokens();
            assertThat(promptIds).containsExactly(1, 403, 407, 261, 378);
            assertThat(r.tokens().size()).isGreaterThan(20);

            // explain -n 0 over prompt + continuation scores the same tokens
            Trace trace = Tracing.generate(model, prompt + continuation, 0, SamplerSettings.greedy(), TraceOptions.defaults(), 256, pool, t -> {}).trace();
            for (int i = 0; i < r.tokens().size(); i++) {
                Trace.PromptToken p = trace.promptTokens().get(promptIds.length + i);
                assertThat(p.id()).isEqualTo(r.tokens().get(i).id());
                assertThat(r.tokens().get(i).logprob()).isCloseTo(p.logprob(), within(1e-4));
            }

            // and an independent float64 forward pass agrees
            Float64Llama reference = new Float64Llama(raw);
            double[] logits = null;
            for (int id : promptIds) {
                logits = reference.step(id);
            }
            double sum = 0;
            for (ContinuationScore.ScoredToken t : r.tokens()) {
                double max = Double.NEGATIVE_INFINITY;
                for (double l : logits) {
                    max = Math.max(max, l);
                }
                double z = 0;
                for (double l : logits) {
                    z += Math.exp(l - max);
                }
                double expected = logits[t.id()] - max - Math.log(z);
                assertThat(t.logprob()).isCloseTo(expected, within(1e-4));
                sum += t.logprob();
                assertThat(t.cumulativeLogprob()).isCloseTo(sum, within(1e-9));
                logits = reference.step(t.id());
            }
            assertThat(r.totalLogprob()).isCloseTo(sum, within(1e-9));
        }
    }
}
