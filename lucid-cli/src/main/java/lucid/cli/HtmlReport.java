package lucid.cli;

import lucid.model.Model;
import lucid.trace.Trace;
import lucid.trace.TraceJson;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/**
 * The one-file HTML report of a trace: the page template (inline CSS and JS, no network) with the
 * trace embedded as JSON.
 */
final class HtmlReport {
    private HtmlReport() {}

    static String render(Trace trace, Model model) {
        String template;
        try (InputStream in = HtmlReport.class.getResourceAsStream("report.html")) {
            if (in == null) {
                throw new IllegalStateException("report.html is missing from the CLI's resources");
            }
            template = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        // Inside <script>, "</" could end the element early: escape it (JSON allows "<\/").
        String json = TraceJson.toJson(trace, false).replace("</", "<\\/");
        return template.replace("__TITLE__", escapeHtml(model.name() + ": " + trace.prompt())).replace("__TRACE_JSON__", json);
    }

    private static String escapeHtml(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
