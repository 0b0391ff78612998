package lucid.server;

import java.util.List;

/**
 * Cuts generated text at the first stop string. Text that might be the start of a stop string is
 * held back until it is clear either way, so a stop string never reaches the client, not even in
 * part.
 */
final class StopStrings {
    private final List<String> stops;
    private final StringBuilder held = new StringBuilder();
    private boolean stopped;

    StopStrings(List<String> stops) {
        this.stops = stops;
    }

    boolean stopped() {
        return stopped;
    }

    /** Adds text; returns what can be sent now. */
    String feed(String text) {
        if (stopped) {
            return "";
        }
        held.append(text);
        if (stops.isEmpty()) {
            String all = held.toString();
            held.setLength(0);
            return all;
        }
        int cut = -1;
        for (String s : stops) {
            int at = held.indexOf(s);
            if (at >= 0 && (cut < 0 || at < cut)) {
                cut = at;
            }
        }
        if (cut >= 0) {
            stopped = true;
            String out = held.substring(0, cut);
            held.setLength(0);
            return out;
        }
        int keep = 0; // the longest end of the held text that begins some stop string
        String h = held.toString();
        for (String s : stops) {
            for (int k = Math.min(s.length() - 1, h.length()); k > keep; k--) {
                if (h.regionMatches(h.length() - k, s, 0, k)) {
                    keep = k;
                    break;
                }
            }
        }
        String out = held.substring(0, held.length() - keep);
        held.delete(0, held.length() - keep);
        return out;
    }

    /** The end: whatever was held back (it did not become a stop string). */
    String flush() {
        String out = stopped ? "" : held.toString();
        held.setLength(0);
        return out;
    }
}
