package lucid.cli;

/** The terminal's width: $COLUMNS (./lucid exports it when stdout is a terminal), else 120. */
final class Terminal {
    private Terminal() {}

    static int width() {
        String columns = System.getenv("COLUMNS");
        if (columns != null) {
            try {
                int w = Integer.parseInt(columns.trim());
                if (w >= 40 && w <= 1000) {
                    return w;
                }
            } catch (NumberFormatException ignored) {
                // fall through to the default
            }
        }
        return 120;
    }
}
