package lucid.tokenizer;

import java.util.Arrays;
import java.util.List;

/**
 * The BPE merge rules of a byte-level vocabulary: for a pair of adjacent tokens, the rank of their
 * merge (lower merges first) and the token it makes. An open-addressing hash table keyed by the
 * pair of ids, so the merge loop does no boxing and no string work. Immutable once built.
 */
final class MergeTable {
    private static final long EMPTY = -1;

    /** (slots, 2) key {@code left << 32 | right} or EMPTY, then value {@code rank << 32 | merged}: side by side, so a probe touches one cache line. */
    private long[] slots;
    private int size;

    MergeTable(int expected) {
        int capacity = Integer.highestOneBit(Math.max(16, expected * 2 - 1)) << 1;
        slots = newSlots(capacity);
    }

    /**
     * The rules of a merges list ({@code "Ġ t"}: two token texts and a space), ranked by their
     * order. Rules whose parts or result are not tokens can never apply and are left out.
     */
    static MergeTable fromMerges(Vocabulary vocab, List<String> merges) {
        MergeTable table = new MergeTable(merges.size());
        for (int rank = 0; rank < merges.size(); rank++) {
            String merge = merges.get(rank);
            int space = merge.indexOf(' ', 1); // from 1, as llama.cpp: a merge may start with a space-like char
            if (space < 0) {
                continue;
            }
            String left = merge.substring(0, space);
            String right = merge.substring(space + 1);
            int merged = vocab.id(left + right);
            int leftId = vocab.id(left);
            int rightId = vocab.id(right);
            if (merged >= 0 && leftId >= 0 && rightId >= 0) {
                table.putIfAbsent(leftId, rightId, rank, merged);
            }
        }
        return table;
    }

    /**
     * The rules tiktoken implies by ranks alone: two adjacent tokens merge iff their joined bytes
     * are a token, with that token's rank (its id) as priority. Only normal tokens take part.
     */
    static MergeTable fromRanks(Vocabulary vocab) {
        MergeTable table = new MergeTable(vocab.size() * 2);
        for (int id = 0; id < vocab.size(); id++) {
            String text = vocab.text(id);
            if (vocab.type(id) != TokenType.NORMAL || text.length() < 2) {
                continue;
            }
            for (int cut = 1; cut < text.length(); cut++) {
                int left = normalId(vocab, text.substring(0, cut));
                int right = normalId(vocab, text.substring(cut));
                if (left >= 0 && right >= 0) {
                    table.putIfAbsent(left, right, id, id);
                }
            }
        }
        return table;
    }

    private static int normalId(Vocabulary vocab, String text) {
        int id = vocab.id(text);
        return id >= 0 && vocab.type(id) == TokenType.NORMAL ? id : -1;
    }

    int size() {
        return size;
    }

    /** Adds a rule unless the pair already has one: the first (lowest-ranked) rule wins, as in llama.cpp. */
    void putIfAbsent(int left, int right, int rank, int merged) {
        if (size * 4 >= slots.length) {
            grow();
        }
        long key = (long) left << 32 | right;
        int slot = slot(slots, key);
        if (slots[slot] == EMPTY) {
            slots[slot] = key;
            slots[slot + 1] = (long) rank << 32 | merged;
            size++;
        }
    }

    /** The rule for the pair as {@code rank << 32 | merged}, or -1 when the pair never merges. */
    long find(int left, int right) {
        if (left < 0 || right < 0) {
            return -1;
        }
        int slot = slot(slots, (long) left << 32 | right);
        return slots[slot] == EMPTY ? -1 : slots[slot + 1];
    }

    /** The index of the key that is {@code key}, or of the empty key where it would go (linear probing). */
    private static int slot(long[] slots, long key) {
        int mask = slots.length - 2; // even indices only
        int slot = (int) mix(key) & mask;
        while (slots[slot] != EMPTY && slots[slot] != key) {
            slot = (slot + 2) & mask;
        }
        return slot;
    }

    private static long[] newSlots(int capacity) {
        long[] slots = new long[2 * capacity];
        Arrays.fill(slots, EMPTY);
        return slots;
    }

    private void grow() {
        long[] old = slots;
        slots = newSlots(old.length); // twice the slots: old.length is 2 * capacity
        for (int i = 0; i < old.length; i += 2) {
            if (old[i] != EMPTY) {
                int slot = slot(slots, old[i]);
                slots[slot] = old[i];
                slots[slot + 1] = old[i + 1];
            }
        }
    }

    /** A 64-bit finaliser (from MurmurHash3), so ids that differ in few bits spread over the table. */
    private static long mix(long x) {
        x ^= x >>> 33;
        x *= 0xff51afd7ed558ccdL;
        x ^= x >>> 33;
        x *= 0xc4ceb9fe1a85ec53L;
        return x ^ (x >>> 33);
    }
}
