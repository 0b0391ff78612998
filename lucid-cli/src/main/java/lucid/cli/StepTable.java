package lucid.cli;

import lucid.tokenizer.Tokenizer;
import lucid.tokenizer.Utf8StreamDecoder;
import lucid.trace.Trace;

import java.io.PrintStream;
import java.util.Locale;

/**
 * The step table of {@code lucid explain}: per generated token, the text so far, where the new
 * token's query looked, and the model's top candidates (the chosen one in brackets). Columns
 * share the terminal's width; CJK text is measured in display columns. A token that holds part of
 * a character shows as its bytes ({@code <0xE4>}), and the text so far shows that character once
 * its last byte has come.
 */
final class StepTable {
    private final Tokenizer tokenizer;
    private final int width;

    StepTable(Tokenizer tokenizer, int width) {
        this.tokenizer = tokenizer;
        this.width = Math.max(60, width);
    }

    void print(Trace trace, int[] promptIds, boolean lens, PrintStream out) {
        int stepWidth = 4;
        int rest = width - stepWidth - 9;
        int textWidth = rest * 32 / 100;
        int focusWidth = rest * 28 / 100;
        int candidatesWidth = rest - textWidth - focusWidth;
        out.println(DisplayWidth.fitEnd("step", stepWidth) + " | " + DisplayWidth.fitEnd("text so far", textWidth) + " | "
                + DisplayWidth.fitEnd("attention focus", focusWidth) + " | top candidates");
        // The text as it would stream: a character whose bytes are not all there yet waits for them.
        Utf8StreamDecoder stream = new Utf8StreamDecoder(tokenizer, true);
        StringBuilder text = new StringBuilder();
        for (int id : promptIds) {
            text.append(stream.feed(id));
        }
        for (Trace.Step step : trace.steps()) {
            String textSoFar = DisplayWidth.visible(text.toString());
            String row = DisplayWidth.fitEnd(Integer.toString(step.index() + 1), stepWidth) + " | "
                    + DisplayWidth.fitStart(textSoFar, textWidth) + " | "
                    + DisplayWidth.fitEnd(focus(step), focusWidth) + " | "
                    + DisplayWidth.fitEnd(candidates(step), candidatesWidth).stripTrailing();
            out.println(row);
            if (lens && step.lens() != null) {
                out.println(" ".repeat(stepWidth) + " | " + DisplayWidth.fitEnd("lens: " + lensLine(step), width - stepWidth - 3).stripTrailing());
            }
            text.append(stream.feed(step.token().id()));
        }
    }

    /** The sink's share first (it is often most of the weight), then the most attended other positions. */
    static String focus(Trace.Step step) {
        if (step.attention() == null) {
            return "";
        }
        StringBuilder sb = new StringBuilder("sink ").append(shortProb(step.attention().sink()));
        for (Trace.Focus f : step.attention().focus()) {
            sb.append(" · ").append(quote(f.text())).append(' ').append(shortProb(f.weight()));
        }
        return sb.toString();
    }

    static String candidates(Trace.Step step) {
        StringBuilder sb = new StringBuilder();
        boolean chosenShown = false;
        for (Trace.Candidate c : step.candidates()) {
            boolean chosen = c.id() == step.token().id();
            chosenShown |= chosen;
            String item = quote(c.text()) + " " + shortProb(c.prob());
            sb.append(sb.isEmpty() ? "" : " · ").append(chosen ? "[" + item + "]" : item);
        }
        if (!chosenShown) {
            sb.append(" · [").append(quote(step.token().text())).append(' ').append(shortProb(step.prob()))
                    .append(", rank ").append(step.rank()).append(']');
        }
        return sb.toString();
    }

    private static String lensLine(Trace.Step step) {
        StringBuilder sb = new StringBuilder();
        for (Trace.LensLayer layer : step.lens()) {
            Trace.Candidate top = layer.top().getFirst();
            sb.append(sb.isEmpty() ? "" : " · ").append('L').append(layer.layer()).append(' ')
                    .append(quote(top.text())).append(' ').append(shortProb(top.prob()));
        }
        return sb.toString();
    }

    /** A token's text in quotes with control characters visible. */
    static String quote(String text) {
        return "\"" + DisplayWidth.visible(text) + "\"";
    }

    /** .93, .03, 1.0, <.01 — probabilities the way the seed table shows them. */
    static String shortProb(double p) {
        if (p >= 0.995) {
            return "1.0";
        }
        if (p < 0.005) {
            return "<.01";
        }
        return String.format(Locale.ROOT, "%.2f", p).substring(1);
    }

    /** The prompt on its own, scored token by token: the chain rule made visible. */
    static void printPromptScores(Trace trace, int width, PrintStream out) {
        out.println("pos  | token            | prob   | rank  | model's top candidates at this point");
        int pos = 0;
        for (Trace.PromptToken t : trace.promptTokens()) {
            String token = DisplayWidth.fitEnd(quote(t.text()), 16);
            if (t.prob() == null) {
                out.println(DisplayWidth.fitEnd(Integer.toString(pos), 4) + " | " + token + " | (start)");
            } else {
                StringBuilder top = new StringBuilder();
                for (Trace.Candidate c : t.candidates()) {
                    top.append(top.isEmpty() ? "" : " · ").append(quote(c.text())).append(' ').append(shortProb(c.prob()));
                }
                String row = DisplayWidth.fitEnd(Integer.toString(pos), 4) + " | " + token + " | "
                        + String.format(Locale.ROOT, "%.4f", t.prob()) + " | " + DisplayWidth.fitEnd(Integer.toString(t.rank()), 5) + " | " + top;
                out.println(DisplayWidth.fitEnd(row, Math.max(60, width)).stripTrailing());
            }
            pos++;
        }
        if (trace.promptLogprob() != null) {
            out.printf(Locale.ROOT, "log P(prompt | first token) = %.4f nats (%.4f bits); perplexity %.3f over %d scored tokens%n",
                    trace.promptLogprob(), trace.promptLogprob() / Math.log(2),
                    Math.exp(-trace.promptLogprob() / Math.max(1, trace.promptTokens().size() - 1)), trace.promptTokens().size() - 1);
        }
    }
}
