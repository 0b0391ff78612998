package lucid.tokenizer;

import java.util.List;

/**
 * The split rules of the supported pre-tokenizers, spelled as upstream spells them ({@code \s} is
 * Unicode whitespace; {@link PreTokenizer#translate} makes them Java). The lists per llama.cpp
 * pre-tokenizer type follow {@code llm_tokenizer_bpe} in llama.cpp's {@code llama-vocab.cpp}; the
 * tiktoken ones follow tiktoken's encoding definitions.
 */
final class PreTokenizerRules {
    private PreTokenizerRules() {}

    /** GPT-2 (r50k, p50k), also GPT-NeoX, MPT, Phi-2. llama.cpp leaves out the final {@code |\s+}, but
     *  its hand-written version of the rule behaves as if it were there. */
    static final String GPT2 = "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+";

    /** Llama 3 as llama.cpp adapted it: contractions matched with explicit ASCII case classes. */
    static final String LLAMA3 = "(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])"
            + "|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";

    /** tiktoken's cl100k_base, also Llama 3's own tokenizer.model: case-insensitive contractions. */
    static final String CL100K = "(?i:'s|'t|'re|'ve|'m|'ll|'d)"
            + "|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";

    /** Qwen2 as llama.cpp writes it: Llama 3's rule with single digits. */
    static final String QWEN2 = "(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])"
            + "|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";

    /** tiktoken's o200k_base (GPT-4o): words split at case changes, contractions attached. */
    static final String O200K = "[^\\r\\n\\p{L}\\p{N}]?[\\p{Lu}\\p{Lt}\\p{Lm}\\p{Lo}\\p{M}]*[\\p{Ll}\\p{Lm}\\p{Lo}\\p{M}]+"
            + "(?i:'s|'t|'re|'ve|'m|'ll|'d)?"
            + "|[^\\r\\n\\p{L}\\p{N}]?[\\p{Lu}\\p{Lt}\\p{Lm}\\p{Lo}\\p{M}]+[\\p{Ll}\\p{Lm}\\p{Lo}\\p{M}]*"
            + "(?i:'s|'t|'re|'ve|'m|'ll|'d)?"
            + "|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n/]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";

    /**
     * CJK ideographs and Hangul as DeepSeek writes them (U+4E00-9FA5, U+0800-4E00, U+AC00-D7FF).
     * llama.cpp matches this rule after turning non-ASCII whitespace into U+000B, so the
     * whitespace inside U+0800-4E00 (U+1680, U+2000.., U+3000) never matches: hence {@code &&[^\s]}.
     */
    private static final String CJK = "[\\u4E00-\\u9FA5\\u0800-\\u4E00\\uAC00-\\uD7FF&&[^\\s]]+";

    /**
     * DeepSeek LLM's letter class: cased letters (Latin, Greek, Cyrillic, Armenian, Georgian, ...),
     * a subset of {@code \p{LC}}. Upstream lists only the ranges; testing {@code \p{LC}} first
     * gives the same set but spares Java the walk through ~120 ranges for every CJK character.
     */
    private static final String DEEPSEEK_LETTERS = "[\\p{LC}&&[A-Za-z\\u00B5\\u00C0-\\u00D6\\u00D8-\\u00F6\\u00F8-\\u01BA"
            + "\\u01BC-\\u01BF\\u01C4-\\u0293\\u0295-\\u02AF\\u0370-\\u0373\\u0376\\u0377\\u037B-\\u037D\\u037F"
            + "\\u0386\\u0388-\\u038A\\u038C\\u038E-\\u03A1\\u03A3-\\u03F5\\u03F7-\\u0481\\u048A-\\u052F"
            + "\\u0531-\\u0556\\u10A0-\\u10C5\\u13A0-\\u13F5\\u13F8-\\u13FD\\u1C90-\\u1CBA\\u1CBD-\\u1CBF"
            + "\\u1D00-\\u1D2B\\u1D6B-\\u1D77\\u1D79-\\u1D9A\\u1E00-\\u1F15\\u1F18-\\u1F1D\\u1F20-\\u1F45"
            + "\\u1F48-\\u1F4D\\u1F50-\\u1F57\\u1F59\\u1F5B\\u1F5D\\u1F5F-\\u1F7D\\u1F80-\\u1FB4\\u1FB6-\\u1FBC"
            + "\\u1FBE\\u1FC2-\\u1FC4\\u1FC6-\\u1FCC\\u1FD0-\\u1FD3\\u1FD6-\\u1FDB\\u1FE0-\\u1FEC\\u1FF2-\\u1FF4"
            + "\\u1FF6-\\u1FFC\\u2102\\u2107\\u210A-\\u2113\\u2115\\u2119-\\u211D\\u2124\\u2126\\u2128"
            + "\\u212A-\\u212D\\u212F-\\u2134\\u2139\\u213C-\\u213F\\u2145-\\u2149\\u214E\\u2183\\u2184"
            + "\\u2C00-\\u2C7B\\u2C7E-\\u2CE4\\u2CEB-\\u2CEE\\u2CF2\\u2CF3\\uA640-\\uA66D\\uA680-\\uA69B"
            + "\\uA722-\\uA76F\\uA771-\\uA787\\uA78B-\\uA78E\\uAB70-\\uABBF\\uFB00-\\uFB06\\uFB13-\\uFB17"
            + "\\uFF21-\\uFF3A\\uFF41-\\uFF5A\\x{10400}-\\x{1044F}\\x{104B0}-\\x{104D3}\\x{104D8}-\\x{104FB}"
            + "\\x{10C80}-\\x{10CB2}\\x{10CC0}-\\x{10CF2}\\x{118A0}-\\x{118DF}\\x{1E900}-\\x{1E943}]]";

    /**
     * DeepSeek LLM. The fourth rule is upstream's {@code \s+$}: in llama.cpp's ECMAScript regex
     * {@code $} is only the end of the piece, which Java spells {@code \z}; the look-behind makes
     * a match start only where a whitespace run starts, which finds the same match without
     * retrying every position of a long run (quadratic time).
     */
    static final List<String> DEEPSEEK_LLM = List.of(
            "[\\r\\n]",
            "\\s?" + DEEPSEEK_LETTERS + "+",
            "\\s?[!-/:-~\\uFF01-\\uFF0F\\uFF1A-\\uFF5E\\u2018-\\u201F\\u3000-\\u3002&&[^\\s]]+",
            "(?<!\\s)\\s+\\z",
            CJK,
            "\\p{N}+");

    static final List<String> DEEPSEEK_CODER = List.of(
            "[\\r\\n]",
            "\\s?\\p{L}+",
            "\\s?\\p{P}+",
            CJK,
            "\\p{N}");

    static final List<String> FALCON = List.of(
            "[\\p{P}\\$\\+<=>\\^~\\|`]+",
            GPT2,
            "[0-9][0-9][0-9]");

    /** StarCoder and Refact: single digits, then GPT-2's rule. */
    static final List<String> STARCODER = List.of("\\p{N}", GPT2);

    /** What llama.cpp uses when a file names the pre-tokenizer "default". */
    static final List<String> LLAMA_CPP_DEFAULT = List.of(
            "[\\p{P}\\$\\+<=>\\^~\\|]+",
            GPT2,
            "\\p{N}+",
            "[0-9][0-9][0-9]");
}
