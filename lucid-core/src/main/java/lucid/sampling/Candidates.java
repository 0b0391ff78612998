package lucid.sampling;

import java.util.Arrays;

/**
 * The candidate tokens of one step as samplers see them (llama.cpp's token data array): ids with
 * their logits, the first {@link #size()} of which are still in the running. Samplers shrink,
 * reorder or rescale them; the last sampler of a chain {@link #select}s one.
 *
 * <p>Allocated once per session with the vocabulary size; {@link #reset} refills it each step.
 */
public final class Candidates {
    final int[] ids;
    final float[] logits;
    final float[] probs;
    private final long[] sortKeys;
    int size;
    boolean sorted;
    private int selected = -1;

    public Candidates(int vocabularySize) {
        ids = new int[vocabularySize];
        logits = new float[vocabularySize];
        probs = new float[vocabularySize];
        sortKeys = new long[vocabularySize];
    }

    /** Makes every token a candidate with the model's logits. */
    public void reset(float[] modelLogits) {
        if (modelLogits.length != ids.length) {
            throw new IllegalArgumentException("got " + modelLogits.length + " logits for a vocabulary of " + ids.length);
        }
        for (int i = 0; i < ids.length; i++) {
            ids[i] = i;
        }
        System.arraycopy(modelLogits, 0, logits, 0, ids.length);
        size = ids.length;
        sorted = false;
        selected = -1;
    }

    public int size() {
        return size;
    }

    public int id(int i) {
        return ids[i];
    }

    public float logit(int i) {
        return logits[i];
    }

    /** The probability of candidate i as of the last {@link #softmax()}. */
    public float prob(int i) {
        return probs[i];
    }

    public boolean isSorted() {
        return sorted;
    }

    /** The chosen candidate's index, or -1 before a sampler picked one. */
    public int selected() {
        return selected;
    }

    /** The chosen token id. */
    public int selectedId() {
        if (selected < 0) {
            throw new IllegalStateException("no sampler selected a token; a chain must end with a picking sampler (greedy or dist)");
        }
        return ids[selected];
    }

    public void select(int index) {
        if (index < 0 || index >= size) {
            throw new IllegalArgumentException("candidate " + index + " is not among the " + size + " left");
        }
        selected = index;
    }

    /** Keeps only the first n candidates (n is clamped to [1, size]). */
    public void truncate(int n) {
        size = Math.max(1, Math.min(size, n));
    }

    /**
     * Sorts the candidates by logit, highest first; equal logits keep the lower id first, so the
     * order (and greedy choice) is deterministic.
     */
    public void sort() {
        if (sorted) {
            return;
        }
        for (int i = 0; i < size; i++) {
            // High 32 bits: the logit mapped to an int whose order is the reverse of the float's;
            // low 32 bits: the id. One primitive sort then orders by logit desc, id asc.
            sortKeys[i] = ((long) ~orderedBits(logits[i]) << 32) | (ids[i] & 0xFFFFFFFFL);
        }
        Arrays.sort(sortKeys, 0, size);
        for (int i = 0; i < size; i++) {
            ids[i] = (int) sortKeys[i];
        }
        for (int i = 0; i < size; i++) {
            logits[i] = fromOrderedBits(~(int) (sortKeys[i] >> 32));
        }
        sorted = true;
    }

    /** Float bits remapped so that signed int order equals float order. */
    private static int orderedBits(float f) {
        int bits = Float.floatToIntBits(f);
        return bits ^ ((bits >> 31) & 0x7FFFFFFF);
    }

    private static float fromOrderedBits(int ordered) {
        int bits = ordered ^ ((ordered >> 31) & 0x7FFFFFFF);
        return Float.intBitsToFloat(bits);
    }

    /** Fills probs with the softmax of the remaining candidates' logits (max-subtracted, summed in double). */
    public void softmax() {
        float max = Float.NEGATIVE_INFINITY;
        for (int i = 0; i < size; i++) {
            max = Math.max(max, logits[i]);
        }
        double sum = 0;
        for (int i = 0; i < size; i++) {
            double e = Math.exp(logits[i] - max);
            probs[i] = (float) e;
            sum += e;
        }
        for (int i = 0; i < size; i++) {
            probs[i] = (float) (probs[i] / sum);
        }
    }

    /** Index of the highest logit among the remaining candidates (lowest id on ties). */
    public int argmax() {
        int best = 0;
        for (int i = 1; i < size; i++) {
            if (logits[i] > logits[best] || (logits[i] == logits[best] && ids[i] < ids[best])) {
                best = i;
            }
        }
        return best;
    }
}
