package lucid.tokenizer;

import java.util.PriorityQueue;
import java.util.stream.IntStream;

/**
 * One SentencePiece BPE segmentation of a prepared text (spaces already {@code ▁}), the algorithm of
 * llama.cpp's {@code llm_tokenizer_spm}: start from one symbol per character, and keep merging the
 * adjacent pair whose joined text is the token with the highest score, the leftmost pair first on
 * ties. Symbols form a linked list and candidate pairs wait in a priority queue, so a text of n
 * characters takes O(n log n). Used once, by one thread.
 *
 * <p>For speed the text is cut where no token can cross: between two characters that appear next
 * to each other in no token ({@link SentencePieceTokenizer#canJoin}). No merge ever spans such a
 * cut, and merges on one side never change the candidates on the other, so merging each piece on
 * its own gives exactly the ids of one merge over the whole text, with far smaller queues.
 */
final class BigramMerger {
    /** A candidate merge of two adjacent symbols; {@code length} tells whether it is still current. */
    private record Bigram(float score, int left, int right, int length, int token) {}

    private final SentencePieceTokenizer tokenizer;
    private final String text;

    // One entry per symbol, indexed from the left; a merged symbol absorbs its right neighbour,
    // which is left behind with length 0.
    private final int[] start;   // (symbols) first char in text
    private final int[] length;  // (symbols) chars; 0 once merged away
    private final int[] prev;    // (symbols) left neighbour, -1 at the start
    private final int[] next;    // (symbols) right neighbour, -1 at the end
    private final int[] token;   // (symbols) token id of a merged symbol; -1 for a single character

    private final PriorityQueue<Bigram> queue = new PriorityQueue<>((a, b) -> a.score != b.score
            ? Float.compare(b.score, a.score)       // highest score first
            : Integer.compare(a.left, b.left));     // then leftmost

    BigramMerger(SentencePieceTokenizer tokenizer, String text) {
        this.tokenizer = tokenizer;
        this.text = text;
        int n = text.codePointCount(0, text.length());
        start = new int[n];
        length = new int[n];
        prev = new int[n];
        next = new int[n];
        token = new int[n];
        int offset = 0;
        for (int i = 0; i < n; i++) {
            start[i] = offset;
            length[i] = Character.charCount(text.codePointAt(offset));
            offset += length[i];
            token[i] = -1;
            // A cut leaves the symbols on either side unlinked.
            boolean cut = i == 0 || !tokenizer.canJoin(text.charAt(start[i] - 1), text.charAt(start[i]));
            prev[i] = cut ? -1 : i - 1;
            if (i > 0) {
                next[i - 1] = cut ? -1 : i;
            }
        }
        if (n > 0) {
            next[n - 1] = -1;
        }
    }

    /** Merges all it can and appends the resulting token ids. */
    void segment(IntStream.Builder out) {
        for (int first = 0; first < start.length; ) {
            int end = first + 1;
            while (end < start.length && prev[end] >= 0) {
                end++;
            }
            segment(first, end, out);
            first = end;
        }
    }

    /** Merges the symbols first..end-1, which are linked to no others. */
    private void segment(int first, int end, IntStream.Builder out) {
        for (int i = first + 1; i < end; i++) {
            offer(i - 1, i);
        }
        while (!queue.isEmpty()) {
            Bigram b = queue.poll();
            // Stale: one side was absorbed or has grown since this pair was offered.
            if (length[b.left] == 0 || length[b.right] == 0 || length[b.left] + length[b.right] != b.length) {
                continue;
            }
            length[b.left] = b.length;
            length[b.right] = 0;
            token[b.left] = b.token;
            next[b.left] = next[b.right];
            if (next[b.right] >= 0) {
                prev[next[b.right]] = b.left;
            }
            offer(prev[b.left], b.left);
            offer(b.left, next[b.left]);
        }
        for (int i = first; i >= 0; i = next[i]) {
            if (token[i] >= 0) {
                out.add(token[i]);
                continue;
            }
            String character = text.substring(start[i], start[i] + length[i]);
            int id = tokenizer.tokenFromText(character);
            if (id >= 0) {
                out.add(id);
            } else {
                tokenizer.appendFallback(character, out);
            }
        }
    }

    private void offer(int left, int right) {
        if (left < 0 || right < 0) {
            return;
        }
        int joined = length[left] + length[right];
        int id = tokenizer.tokenFromText(text.substring(start[left], start[left] + joined));
        if (id >= 0) {
            queue.add(new Bigram(tokenizer.score(id), left, right, joined, id));
        }
    }
}
