package lucid.tokenizer;

import lucid.LucidException;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Splits text into the pieces that byte-level BPE merges within ("pre-tokens"), by an ordered list
 * of regular expressions as llama.cpp's {@code unicode_regex_split} applies them: the first splits
 * the text, each next one splits every piece the previous produced, and the text between matches
 * is kept as pieces of its own. Immutable and thread-safe.
 *
 * <p>The expressions are written as upstream writes them and translated once: {@code \s} becomes
 * the Unicode White_Space set (llama.cpp's whitespace table, tiktoken's and Hugging Face's
 * {@code \s}), not Java's ASCII-only {@code \s}. Letters and digits are Java's {@code \p{L}} and
 * {@code \p{N}}, the same categories as llama.cpp's tables; Java 25 knows Unicode 16, llama.cpp's
 * tables Unicode 15.1, so only characters assigned in Unicode 16 can differ.
 *
 * {@snippet :
 * PreTokenizer.named("gpt-2").split("Hello world's  end")  // ["Hello", " world", "'s", " ", " end"]
 * }
 */
public final class PreTokenizer {
    /** The characters of Unicode White_Space, as the body of a character class. */
    private static final String WHITESPACE =
            "\\t\\n\\x0B\\f\\r\\x20\\x85\\xA0\\u1680\\u2000-\\u200A\\u2028\\u2029\\u202F\\u205F\\u3000";

    private static final Map<String, List<String>> NAMED = new LinkedHashMap<>();

    static {
        List<String> gpt2 = List.of(PreTokenizerRules.GPT2);
        for (String name : List.of("gpt-2", "gpt2", "mpt", "gpt-neox", "phi-2", "r50k_base", "p50k_base")) {
            NAMED.put(name, gpt2);
        }
        for (String name : List.of("llama-bpe", "llama3", "llama-v3")) {
            NAMED.put(name, List.of(PreTokenizerRules.LLAMA3));
        }
        NAMED.put("cl100k_base", List.of(PreTokenizerRules.CL100K));
        NAMED.put("o200k_base", List.of(PreTokenizerRules.O200K));
        NAMED.put("qwen2", List.of(PreTokenizerRules.QWEN2));
        NAMED.put("deepseek-llm", PreTokenizerRules.DEEPSEEK_LLM);
        NAMED.put("deepseek-coder", PreTokenizerRules.DEEPSEEK_CODER);
        NAMED.put("falcon", PreTokenizerRules.FALCON);
        NAMED.put("starcoder", PreTokenizerRules.STARCODER);
        NAMED.put("refact", PreTokenizerRules.STARCODER);
        NAMED.put("default", PreTokenizerRules.LLAMA_CPP_DEFAULT);
    }

    private final String name;
    private final Pattern[] rules;

    private PreTokenizer(String name, List<String> upstreamRegexes) {
        this.name = name;
        this.rules = upstreamRegexes.stream()
                .map(r -> Pattern.compile(translate(r), Pattern.UNICODE_CASE))
                .toArray(Pattern[]::new);
    }

    /**
     * The pre-tokenizer llama.cpp uses for a {@code tokenizer.ggml.pre} value, or for a tiktoken
     * encoding name ({@code r50k_base}, {@code p50k_base}, {@code cl100k_base}, {@code o200k_base}).
     *
     * @throws LucidException naming the supported values when {@code name} is not one of them
     */
    public static PreTokenizer named(String name) {
        List<String> rules = NAMED.get(name);
        if (rules == null) {
            throw new LucidException("the pre-tokenizer \"" + name + "\" is not supported by Lucid; supported: "
                    + String.join(", ", NAMED.keySet()));
        }
        return new PreTokenizer(name, rules);
    }

    /** The supported names, in the order {@link #named} lists them. */
    public static List<String> names() {
        return List.copyOf(NAMED.keySet());
    }

    /**
     * A pre-tokenizer from regular expressions in the Rust / Python {@code regex} dialect that
     * tokenizer.json and tiktoken use ({@code \s} is Unicode whitespace), applied in order.
     *
     * @throws LucidException if Java cannot compile one of them
     */
    public static PreTokenizer fromRegexes(String name, List<String> regexes) {
        try {
            return new PreTokenizer(name, regexes);
        } catch (IllegalArgumentException e) {
            throw new LucidException("cannot use the pre-tokenizer regex of " + name + ": " + e.getMessage(), e);
        }
    }

    public String name() {
        return name;
    }

    /** The pieces of {@code text}, in order; joined they give the text back. */
    public List<String> split(String text) {
        IntList ends = new IntList();
        split(text, 0, text.length(), ends);
        List<String> pieces = new ArrayList<>(ends.size());
        int start = 0;
        for (int end : ends.toArray()) {
            pieces.add(text.substring(start, end));
            start = end;
        }
        return pieces;
    }

    /** Appends the end offset of each piece of text[from, to). */
    void split(String text, int from, int to, IntList ends) {
        if (from >= to) {
            return;
        }
        int[] pieces = {to};
        for (Pattern rule : rules) {
            IntList refined = new IntList();
            Matcher m = rule.matcher(text);
            int start = from;
            for (int end : pieces) {
                // Region bounds are opaque: lookaheads see the piece end as the end of the text, as in llama.cpp.
                m.region(start, end);
                int last = start;
                while (m.find()) {
                    if (m.end() == m.start()) {
                        continue;
                    }
                    if (m.start() > last) {
                        refined.add(m.start());
                    }
                    refined.add(m.end());
                    last = m.end();
                }
                if (last < end) {
                    refined.add(end);
                }
                start = end;
            }
            pieces = refined.toArray();
        }
        ends.addAll(pieces);
    }

    /** Rewrites {@code \s} and {@code \S} as Unicode White_Space classes; Java's own cover only ASCII. */
    static String translate(String regex) {
        StringBuilder out = new StringBuilder(regex.length() + 64);
        int classDepth = 0;
        for (int i = 0; i < regex.length(); i++) {
            char c = regex.charAt(i);
            if (c == '\\' && i + 1 < regex.length()) {
                char d = regex.charAt(++i);
                if (d == 's') {
                    out.append(classDepth > 0 ? WHITESPACE : "[" + WHITESPACE + "]");
                } else if (d == 'S') {
                    out.append("[^").append(WHITESPACE).append(']');
                } else {
                    out.append(c).append(d);
                }
                continue;
            }
            if (c == '[') {
                classDepth++;
            } else if (c == ']' && classDepth > 0) {
                classDepth--;
            }
            out.append(c);
        }
        return out.toString();
    }

    @Override
    public String toString() {
        return "PreTokenizer[" + name + "]";
    }
}
