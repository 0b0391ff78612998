package lucid.generate;

import lucid.SharedAssets;
import lucid.gguf.GgufFile;
import lucid.model.Model;
import lucid.tensor.WorkerPool;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SessionTruncateTest {

    @Test
    void truncatingAndEvaluatingOtherTokensGivesTheLogitsOfAFreshSession() {
        try (Model model = Model.load(SharedAssets.stories260K(), GgufFile.Loading.READ);
             WorkerPool pool = new WorkerPool(1)) {
            int[] first = model.tokenizer().encode("Once upon a time, there was a cat", true);
            int[] second = model.tokenizer().encode("Once upon a time, there was a dog named Max", true);
            int common = 0;
            while (first[common] == second[common]) {
                common++;
            }
            Session reused = model.newSession(64, pool);
            reused.evaluate(first);
            reused.truncate(common);
            assertThat(reused.length()).isEqualTo(common);
            float[] logits = reused.evaluate(java.util.Arrays.copyOfRange(second, common, second.length)).clone();

            Session fresh = model.newSession(64, pool);
            float[] expected = fresh.evaluate(second);
            assertThat(logits).containsExactly(expected);
            assertThat(reused.tokens()).containsExactly(second);
        }
    }

    @Test
    void truncateRejectsLengthsOutsideTheSequence() {
        try (Model model = Model.load(SharedAssets.stories260K(), GgufFile.Loading.READ);
             WorkerPool pool = new WorkerPool(1)) {
            Session session = model.newSession(16, pool);
            session.evaluate(new int[] {1, 403});
            assertThatThrownBy(() -> session.truncate(3)).isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> session.truncate(-1)).isInstanceOf(IllegalArgumentException.class);
        }
    }
}
