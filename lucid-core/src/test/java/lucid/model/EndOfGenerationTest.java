package lucid.model;

import lucid.gguf.GgufArray;
import lucid.gguf.GgufFile;
import lucid.gguf.GgufValueType;
import lucid.gguf.GgufWriter;
import lucid.tensor.GgmlType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

class EndOfGenerationTest {
    @TempDir
    Path dir;

    @Test
    void eosEndOfTurnIdsAndChatEndTokensEndAGeneration() {
        Path base = TestModels.writeLlama(dir.resolve("m.gguf"), new TestModels.Shape(64, 1, 4, 2, 128, 300, 64), GgmlType.F32, 1);
        try (Model model = Model.load(base, GgufFile.Loading.READ)) {
            assertThat(model.isEndOfGeneration(2)).isTrue();   // </s>
            assertThat(model.isEndOfGeneration(1)).isFalse();  // <s>
            assertThat(model.isEndOfGeneration(299)).isFalse();
        }
        // the same model with a chat vocabulary: <|im_end|> as a control token and an explicit eot id
        GgufWriter w = new GgufWriter();
        try (GgufFile g = GgufFile.open(base)) {
            g.metadata().entries().forEach((k, e) -> w.put(k, e.type(), e.value()));
            String[] tokens = g.metadata().stringArray("tokenizer.ggml.tokens").orElseThrow().clone();
            long[] types = (long[]) g.metadata().array("tokenizer.ggml.token_type").orElseThrow().values();
            types = types.clone();
            tokens[298] = "<|im_end|>";
            types[298] = 3;
            w.putArray("tokenizer.ggml.tokens", new GgufArray(GgufValueType.STRING, tokens));
            w.putArray("tokenizer.ggml.token_type", new GgufArray(GgufValueType.INT32, types));
            w.putUInt32("tokenizer.ggml.eot_token_id", 297);
            w.putUInt32("tokenizer.ggml.eom_token_id", 4294967295L);
            for (var t : g.tensorInfos()) {
                w.addTensor(t.name(), t.type(), t.shape(), g.tensor(t.name()).orElseThrow().data());
            }
            w.write(dir.resolve("chat.gguf"));
        }
        try (Model model = Model.load(dir.resolve("chat.gguf"), GgufFile.Loading.READ)) {
            assertThat(model.isEndOfGeneration(298)).isTrue();
            assertThat(model.isEndOfGeneration(297)).isTrue();
            assertThat(model.isEndOfGeneration(2)).isTrue();
            assertThat(model.isEndOfGeneration(296)).isFalse();
        }
    }
}
