package lucid.tokenizer;

import lucid.LucidException;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Collects tokens by id from files that list them sparsely (vocab.json, tiktoken ranks, added
 * tokens) and makes a {@link Vocabulary}. Ids nobody claimed become empty {@link TokenType#UNUSED}
 * slots, so ids stay those of the files (cl100k_base skips 100256, o200k_base 199998).
 */
final class VocabularyBuilder {
    /** Far above the largest vocabularies (about 260,000 tokens). */
    static final int MAX_TOKENS = 1 << 22;
    private final List<String> texts = new ArrayList<>();
    private final List<TokenType> types = new ArrayList<>();
    private final String source;

    /** @param source the file or format, for error messages */
    VocabularyBuilder(String source) {
        this.source = source;
    }

    /** Sets the token at {@code id}, replacing what was there (added tokens override the base vocabulary). */
    VocabularyBuilder put(int id, String text, TokenType type) {
        if (id < 0) {
            throw new LucidException(source + " gives the token \"" + text + "\" the negative id " + id);
        }
        if (id >= MAX_TOKENS) {
            // ids are slots in a list: a corrupt id must not make it billions long
            throw new LucidException(source + " gives the token \"" + text + "\" the id " + id + ", more than any vocabulary has ("
                    + MAX_TOKENS + ")");
        }
        while (texts.size() <= id) {
            texts.add("");
            types.add(TokenType.UNUSED);
        }
        texts.set(id, text);
        types.set(id, type);
        return this;
    }

    /** One more than the highest id put so far. */
    int size() {
        return texts.size();
    }

    Vocabulary build(String model, Vocabulary.Settings settings) {
        if (texts.isEmpty()) {
            throw new LucidException(source + " holds no tokens");
        }
        float[] scores = new float[texts.size()];
        return new Vocabulary(model, texts, scores, types.toArray(TokenType[]::new), settings);
    }

    Vocabulary build(String model, Vocabulary.Settings settings, float[] scores) {
        float[] padded = Arrays.copyOf(scores, texts.size());
        return new Vocabulary(model, texts, padded, types.toArray(TokenType[]::new), settings);
    }

    /** No special ids, nothing added: what a bare vocabulary file implies. */
    static Vocabulary.Settings plainSettings() {
        return new Vocabulary.Settings(-1, -1, -1, -1, false, false, false);
    }
}
