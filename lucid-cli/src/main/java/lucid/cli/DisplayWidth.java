package lucid.cli;

/**
 * How many terminal columns text takes: CJK and most emoji take two, combining marks and
 * zero-width joiners none. Used to align tables that mix scripts.
 */
final class DisplayWidth {
    private DisplayWidth() {}

    static int of(String s) {
        int width = 0;
        for (int i = 0; i < s.length(); ) {
            int cp = s.codePointAt(i);
            width += of(cp);
            i += Character.charCount(cp);
        }
        return width;
    }

    static int of(int cp) {
        int type = Character.getType(cp);
        if (type == Character.NON_SPACING_MARK || type == Character.ENCLOSING_MARK || type == Character.FORMAT
                || cp == 0x200B || (cp >= 0xFE00 && cp <= 0xFE0F)) {
            return 0;
        }
        return isWide(cp) ? 2 : 1;
    }

    private static boolean isWide(int cp) {
        return (cp >= 0x1100 && cp <= 0x115F)
                || (cp >= 0x2E80 && cp <= 0x303E)
                || (cp >= 0x3041 && cp <= 0x33FF)
                || (cp >= 0x3400 && cp <= 0x4DBF)
                || (cp >= 0x4E00 && cp <= 0x9FFF)
                || (cp >= 0xA000 && cp <= 0xA4CF)
                || (cp >= 0xAC00 && cp <= 0xD7A3)
                || (cp >= 0xF900 && cp <= 0xFAFF)
                || (cp >= 0xFE30 && cp <= 0xFE4F)
                || (cp >= 0xFF00 && cp <= 0xFF60)
                || (cp >= 0xFFE0 && cp <= 0xFFE6)
                || (cp >= 0x1F300 && cp <= 0x1F64F)
                || (cp >= 0x1F680 && cp <= 0x1F6FF)
                || (cp >= 0x1F900 && cp <= 0x1F9FF)
                || (cp >= 0x1FA70 && cp <= 0x1FAFF)
                || (cp >= 0x20000 && cp <= 0x3FFFD);
    }

    /** s padded with spaces to exactly {@code width} columns, cut at the end with "…" if longer. */
    static String fitEnd(String s, int width) {
        if (of(s) <= width) {
            return s + " ".repeat(width - of(s));
        }
        StringBuilder sb = new StringBuilder();
        int used = 0;
        for (int i = 0; i < s.length(); ) {
            int cp = s.codePointAt(i);
            int w = of(cp);
            if (used + w > width - 1) {
                break;
            }
            sb.appendCodePoint(cp);
            used += w;
            i += Character.charCount(cp);
        }
        sb.append('…');
        used++;
        return sb + " ".repeat(Math.max(0, width - used));
    }

    /** s padded to {@code width} columns, keeping its end and cutting the start with "…" if longer. */
    static String fitStart(String s, int width) {
        if (of(s) <= width) {
            return s + " ".repeat(width - of(s));
        }
        StringBuilder sb = new StringBuilder();
        int used = 1;
        int i = s.length();
        while (i > 0) {
            int cp = s.codePointBefore(i);
            int w = of(cp);
            if (used + w > width) {
                break;
            }
            sb.insert(0, Character.toChars(cp));
            used += w;
            i -= Character.charCount(cp);
        }
        return "…" + sb + " ".repeat(Math.max(0, width - used));
    }

    /** Control characters made visible (a newline as ⏎, a tab as →), so a table row stays one line. */
    static String visible(String s) {
        StringBuilder sb = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '\n' -> sb.append('⏎');
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append('→');
                default -> sb.append(c < 0x20 || c == 0x7F ? '·' : c);
            }
        }
        return sb.toString();
    }
}
