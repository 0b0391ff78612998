package lucid.tokenizer;

import lucid.LucidException;
import lucid.gguf.GgufArray;
import lucid.gguf.GgufFile;
import lucid.gguf.GgufMetadata;
import lucid.gguf.GgufValueType;
import lucid.gguf.GgufWriter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.function.Consumer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Reading vocabularies from GGUF metadata, and the errors for broken ones. */
class VocabularyTest {
    @TempDir
    Path dir;

    private static final String[] TOKENS = {"<unk>", "<s>", "</s>", "▁a"};

    /** Metadata of a vocabulary-only GGUF: a valid four-token SentencePiece vocabulary, edited by {@code edit}. */
    private GgufMetadata metadata(Consumer<GgufWriter> edit) {
        GgufWriter w = new GgufWriter()
                .put("general.architecture", "llama")
                .put("tokenizer.ggml.model", "llama")
                .putArray("tokenizer.ggml.tokens", new GgufArray(GgufValueType.STRING, TOKENS))
                .putArray("tokenizer.ggml.scores", new GgufArray(GgufValueType.FLOAT32, new float[] {0, 0, 0, -1}))
                .putArray("tokenizer.ggml.token_type", new GgufArray(GgufValueType.INT32, new long[] {2, 3, 3, 1}));
        edit.accept(w);
        Path file = dir.resolve("vocab.gguf");
        w.write(file);
        try (GgufFile gguf = GgufFile.open(file)) {
            return gguf.metadata();
        }
    }

    @Test
    void missingIdsAndFlagsTakeLlamaCppDefaultsForSentencePiece() {
        Vocabulary vocab = Vocabulary.fromGguf(metadata(w -> {}));
        assertThat(vocab.size()).isEqualTo(4);
        assertThat(vocab.bosId()).isEqualTo(1);
        assertThat(vocab.eosId()).isEqualTo(2);
        assertThat(vocab.unknownId()).isEqualTo(0);
        assertThat(vocab.paddingId()).isEqualTo(-1);
        assertThat(vocab.addBos()).isTrue();
        assertThat(vocab.addEos()).isFalse();
        assertThat(vocab.addSpacePrefix()).isTrue();
        assertThat(vocab.id("▁a")).isEqualTo(3);
        assertThat(vocab.id("missing")).isEqualTo(-1);
        assertThat(vocab.score(3)).isEqualTo(-1f);
        assertThat(vocab.type(0)).isEqualTo(TokenType.UNKNOWN);
    }

    @Test
    void storedIdsAndFlagsOverrideTheDefaults() {
        Vocabulary vocab = Vocabulary.fromGguf(metadata(w -> w
                .putUInt32("tokenizer.ggml.bos_token_id", 2)
                .putUInt32("tokenizer.ggml.eos_token_id", 1)
                .putUInt32("tokenizer.ggml.padding_token_id", 3)
                .putBool("tokenizer.ggml.add_bos_token", false)
                .putBool("tokenizer.ggml.add_eos_token", true)
                .putBool("tokenizer.ggml.add_space_prefix", false)));
        assertThat(vocab.bosId()).isEqualTo(2);
        assertThat(vocab.eosId()).isEqualTo(1);
        assertThat(vocab.paddingId()).isEqualTo(3);
        assertThat(vocab.addBos()).isFalse();
        assertThat(vocab.addEos()).isTrue();
        assertThat(vocab.addSpacePrefix()).isFalse();
    }

    @Test
    void idsOutsideTheVocabularyMeanNoSuchToken() {
        Vocabulary vocab = Vocabulary.fromGguf(metadata(w -> w
                .putUInt32("tokenizer.ggml.padding_token_id", 4294967295L)
                .putUInt32("tokenizer.ggml.unknown_token_id", 4)));
        assertThat(vocab.paddingId()).isEqualTo(-1);
        assertThat(vocab.unknownId()).isEqualTo(-1);
    }

    @Test
    void missingScoresAndTypesMeanZeroAndNormal() {
        Vocabulary vocab = Vocabulary.fromGguf(metadataWithout("tokenizer.ggml.scores", "tokenizer.ggml.token_type"));
        assertThat(vocab.score(3)).isZero();
        assertThat(vocab.type(1)).isEqualTo(TokenType.NORMAL);
    }

    @Test
    void missingTokensArrayIsNamed() {
        GgufMetadata m = metadata(w -> w.put("tokenizer.ggml.tokens", GgufValueType.STRING, "oops"));
        assertThatThrownBy(() -> Vocabulary.fromGguf(m)).isInstanceOf(LucidException.class)
                .hasMessageContaining("tokenizer.ggml.tokens");
        GgufMetadata none = metadataWithout("tokenizer.ggml.tokens");
        assertThatThrownBy(() -> Vocabulary.fromGguf(none)).isInstanceOf(LucidException.class)
                .hasMessageContaining("tokenizer.ggml.tokens").hasMessageContaining("no vocabulary");
    }

    @Test
    void scoresOfTheWrongLengthAreNamed() {
        GgufMetadata m = metadata(w -> w.putArray("tokenizer.ggml.scores", new GgufArray(GgufValueType.FLOAT32, new float[3])));
        assertThatThrownBy(() -> Vocabulary.fromGguf(m)).isInstanceOf(LucidException.class)
                .hasMessage("tokenizer.ggml.scores has 3 entries but tokenizer.ggml.tokens has 4");
    }

    @Test
    void tokenTypesOfTheWrongLengthAreNamed() {
        GgufMetadata m = metadata(w -> w.putArray("tokenizer.ggml.token_type", new GgufArray(GgufValueType.INT32, new long[5])));
        assertThatThrownBy(() -> Vocabulary.fromGguf(m)).isInstanceOf(LucidException.class)
                .hasMessage("tokenizer.ggml.token_type has 5 entries but tokenizer.ggml.tokens has 4");
    }

    @Test
    void missingTokenizerModelIsNamed() {
        GgufMetadata m = metadataWithout("tokenizer.ggml.model");
        assertThatThrownBy(() -> Tokenizer.fromGguf(m)).isInstanceOf(LucidException.class)
                .hasMessageContaining("tokenizer.ggml.model");
    }

    @Test
    void unsupportedTokenizerModelNamesItAndTheSupportedOnes() {
        GgufMetadata m = metadata(w -> w.put("tokenizer.ggml.model", "bert"));
        assertThatThrownBy(() -> Tokenizer.fromGguf(m)).isInstanceOf(LucidException.class)
                .hasMessageContaining("\"bert\"").hasMessageContaining("llama");
    }

    @Test
    void sentencePieceModelGivesTheSentencePieceTokenizer() {
        Tokenizer t = Tokenizer.fromGguf(metadata(w -> {}));
        assertThat(t).isInstanceOf(SentencePieceTokenizer.class);
        assertThat(t.encode("a", true)).containsExactly(1, 3);
    }

    private GgufMetadata metadataWithout(String... keys) {
        GgufMetadata full = metadata(w -> {});
        GgufWriter w = new GgufWriter();
        full.entries().forEach((k, e) -> {
            if (!List.of(keys).contains(k)) {
                w.put(k, e.type(), e.value());
            }
        });
        Path file = dir.resolve("without.gguf");
        w.write(file);
        try (GgufFile gguf = GgufFile.open(file)) {
            return gguf.metadata();
        }
    }
}
