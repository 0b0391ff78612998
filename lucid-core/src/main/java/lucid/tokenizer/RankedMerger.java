package lucid.tokenizer;

/**
 * Byte-level BPE on one pre-token, as llama.cpp, Hugging Face tokenizers and tiktoken run it:
 * start from one token per byte, then keep merging the adjacent pair with the lowest-ranked rule,
 * the leftmost on ties, until no pair has a rule. Symbols form a linked list and candidate merges
 * wait in a binary min-heap of {@code rank << 32 | left}, so a piece of n bytes takes O(n log n).
 *
 * <p>Heap entries are not removed when a neighbour changes. Each symbol remembers the rule of the
 * pair it now starts; a popped entry is acted on only if that rule still has the entry's rank,
 * which is then the same merge with the same priority.
 */
final class RankedMerger {
    private static final int MERGED_AWAY = Integer.MIN_VALUE;

    private RankedMerger() {}

    /**
     * Appends the ids of {@code bytes}. A byte with no token of its own ({@code byteTokens[b] < 0})
     * is left out, as llama.cpp leaves it out.
     */
    static void merge(byte[] bytes, int[] byteTokens, MergeTable rules, IntList out) {
        int n = bytes.length;
        if (n == 1) {
            appendIfToken(byteTokens[bytes[0] & 0xFF], out);
            return;
        }
        int[] token = new int[n]; // (symbols) current token id; MERGED_AWAY once absorbed by its left neighbour
        int[] prev = new int[n];  // (symbols) left neighbour, -1 at the start
        int[] next = new int[n];  // (symbols) right neighbour, -1 at the end
        long[] rule = new long[n]; // (symbols) rule of the pair (i, next[i]) as rank << 32 | merged, or -1
        for (int i = 0; i < n; i++) {
            token[i] = byteTokens[bytes[i] & 0xFF];
            prev[i] = i - 1;
            next[i] = i + 1 < n ? i + 1 : -1;
        }
        Heap heap = new Heap(3 * n); // n-1 initial entries, at most 2 more per merge
        rule[n - 1] = -1;
        for (int i = 0; i + 1 < n; i++) {
            offer(heap, rules, token, rule, i, i + 1);
        }
        while (heap.size > 0) {
            long top = heap.poll();
            int left = (int) top;
            if (token[left] == MERGED_AWAY || rule[left] < 0 || (rule[left] >>> 32) != (top >>> 32)) {
                continue; // stale: the pair at left changed since this entry was offered
            }
            int right = next[left];
            token[left] = (int) rule[left];
            token[right] = MERGED_AWAY;
            next[left] = next[right];
            if (next[right] >= 0) {
                prev[next[right]] = left;
                offer(heap, rules, token, rule, left, next[left]);
            } else {
                rule[left] = -1;
            }
            if (prev[left] >= 0) {
                offer(heap, rules, token, rule, prev[left], left);
            }
        }
        for (int i = 0; i >= 0; i = next[i]) {
            appendIfToken(token[i], out);
        }
    }

    /** Looks up the rule of the pair (left, right), remembers it at left, and queues it if there is one. */
    private static void offer(Heap heap, MergeTable rules, int[] token, long[] rule, int left, int right) {
        rule[left] = rules.find(token[left], token[right]);
        if (rule[left] >= 0) {
            heap.add((rule[left] >>> 32) << 32 | left);
        }
    }

    private static void appendIfToken(int id, IntList out) {
        if (id >= 0) {
            out.add(id);
        }
    }

    /** A binary min-heap of longs. */
    private static final class Heap {
        private final long[] items;
        int size;

        Heap(int capacity) {
            items = new long[Math.max(4, capacity)];
        }

        void add(long item) {
            int i = size++;
            while (i > 0) {
                int parent = (i - 1) >>> 1;
                if (items[parent] <= item) {
                    break;
                }
                items[i] = items[parent];
                i = parent;
            }
            items[i] = item;
        }

        long poll() {
            long top = items[0];
            long last = items[--size];
            int i = 0;
            while (true) {
                int child = 2 * i + 1;
                if (child >= size) {
                    break;
                }
                if (child + 1 < size && items[child + 1] < items[child]) {
                    child++;
                }
                if (items[child] >= last) {
                    break;
                }
                items[i] = items[child];
                i = child;
            }
            items[i] = last;
            return top;
        }
    }
}
