package lucid.tokenizer;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Cuts the texts of special tokens out of text before it is pre-tokenized, the way llama.cpp's
 * {@code tokenizer_st_partition} does: one token text at a time, longest first, every occurrence
 * in every piece of text not yet cut. Control and unknown tokens ({@code <|eot_id|>},
 * {@code <unk>}) are cut only when the caller asks to parse special tokens; user-defined tokens
 * (GPT-NeoX's whitespace runs, DeepSeek's fill-in-the-middle markers) always are, as in llama.cpp
 * and Hugging Face tokenizers, because the model saw them that way in training.
 */
final class SpecialTokens {
    /** A piece of the text: {@code token >= 0} for a cut-out special token, else text[start, end). */
    record Fragment(int start, int end, int token) {
        boolean isText() {
            return token < 0;
        }
    }

    /** @param order the position in cutting order */
    private record Special(String text, int id, boolean control, int order) {}

    /** All specials, longest text first; ties in id order. */
    private final Special[] specials;
    /** Per first character, the specials that start with it, for a quick look at which occur at all. */
    private final Map<Character, Special[]> byFirstChar = new HashMap<>();
    private final BitSet firstChars = new BitSet();
    private final boolean hasUserDefined;

    SpecialTokens(Vocabulary vocab) {
        List<Special> list = new ArrayList<>();
        for (int id = 0; id < vocab.size(); id++) {
            TokenType type = vocab.type(id);
            String text = vocab.text(id);
            if (!text.isEmpty() && (type == TokenType.CONTROL || type == TokenType.UNKNOWN || type == TokenType.USER_DEFINED)) {
                list.add(new Special(text, id, type != TokenType.USER_DEFINED, 0));
            }
        }
        list.sort(Comparator.comparingInt((Special s) -> -s.text.length()).thenComparingInt(Special::id));
        specials = new Special[list.size()];
        for (int i = 0; i < specials.length; i++) {
            Special s = list.get(i);
            specials[i] = new Special(s.text, s.id, s.control, i);
            firstChars.set(s.text.charAt(0));
        }
        Map<Character, List<Special>> grouped = new HashMap<>();
        for (Special s : specials) {
            grouped.computeIfAbsent(s.text.charAt(0), c -> new ArrayList<>()).add(s);
        }
        grouped.forEach((c, group) -> byFirstChar.put(c, group.toArray(Special[]::new)));
        hasUserDefined = list.stream().anyMatch(s -> !s.control);
    }

    /** True when {@link #split} can only return the text whole. */
    boolean cutsNothing(boolean parseSpecial) {
        return specials.length == 0 || (!parseSpecial && !hasUserDefined);
    }

    /** The text cut at the special tokens it contains; user-defined always, control only with parseSpecial. */
    List<Fragment> split(String text, boolean parseSpecial) {
        List<Fragment> fragments = new ArrayList<>();
        if (text.isEmpty()) {
            return fragments;
        }
        fragments.add(new Fragment(0, text.length(), -1));
        if (cutsNothing(parseSpecial)) {
            return fragments;
        }
        for (Special special : occurring(text, parseSpecial)) {
            List<Fragment> cut = new ArrayList<>(fragments.size() + 2);
            for (Fragment f : fragments) {
                if (!f.isText()) {
                    cut.add(f);
                    continue;
                }
                int from = f.start;
                for (int at = text.indexOf(special.text, from); at >= 0 && at + special.text.length() <= f.end;
                        at = text.indexOf(special.text, from)) {
                    if (at > from) {
                        cut.add(new Fragment(from, at, -1));
                    }
                    cut.add(new Fragment(at, at + special.text.length(), special.id));
                    from = at + special.text.length();
                }
                if (from < f.end) {
                    cut.add(new Fragment(from, f.end, -1));
                }
            }
            fragments = cut;
        }
        return fragments;
    }

    /** The specials that occur somewhere in the text, in cutting order: usually none, so cutting costs nothing. */
    private List<Special> occurring(String text, boolean parseSpecial) {
        boolean[] found = new boolean[specials.length];
        for (int i = 0; i < text.length(); i++) {
            if (!firstChars.get(text.charAt(i))) {
                continue;
            }
            for (Special s : byFirstChar.get(text.charAt(i))) {
                if ((parseSpecial || !s.control) && text.startsWith(s.text, i)) {
                    found[s.order] = true;
                }
            }
        }
        List<Special> result = new ArrayList<>();
        for (int i = 0; i < specials.length; i++) {
            if (found[i]) {
                result.add(specials[i]);
            }
        }
        return result;
    }

    @Override
    public String toString() {
        return "SpecialTokens" + Arrays.stream(specials).map(Special::text).limit(8).toList();
    }
}
