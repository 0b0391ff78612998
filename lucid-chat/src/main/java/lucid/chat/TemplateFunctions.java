package lucid.chat;

import com.hubspot.jinjava.interpret.JinjavaInterpreter;
import com.hubspot.jinjava.lib.fn.ELFunctionDefinition;

import java.time.Instant;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.time.format.TextStyle;
import java.util.List;
import java.util.Locale;

/**
 * Functions that Hugging Face's chat-template environment adds to Jinja and Jinjava lacks:
 * {@code raise_exception(message)} (a template refuses a conversation it cannot format) and
 * {@code strftime_now(format)} (today's date, e.g. Llama 3.1's "Today Date: 26 Jul 2024").
 * The rest that templates use — {@code tojson}, {@code namespace}, {@code break}/{@code continue},
 * {@code loop.*}, slicing, {@code is defined} — Jinjava has.
 */
final class TemplateFunctions {
    private TemplateFunctions() {}

    static List<ELFunctionDefinition> all() {
        return List.of(
                new ELFunctionDefinition("", "raise_exception", TemplateFunctions.class, "raiseException", Object.class),
                new ELFunctionDefinition("", "strftime_now", TemplateFunctions.class, "strftimeNow", String.class));
    }

    /** The template's own error: thrown out of the render as a {@link ChatTemplateException}. */
    public static Object raiseException(Object message) {
        throw new TemplateRaised(String.valueOf(message));
    }

    /** Python's {@code strftime} of the current time (Jinjava's clock, so tests can fix it). */
    public static String strftimeNow(String format) {
        JinjavaInterpreter interpreter = JinjavaInterpreter.getCurrent();
        long millis = interpreter == null ? System.currentTimeMillis()
                : interpreter.getConfig().getDateTimeProvider().getCurrentTimeMillis();
        ZoneId zone = interpreter == null ? ZoneId.systemDefault() : interpreter.getConfig().getTimeZone();
        return strftime(format, ZonedDateTime.ofInstant(Instant.ofEpochMilli(millis), zone));
    }

    /**
     * The C/Python {@code strftime} directives templates use ({@code %Y %y %m %d %e %H %I %M %S %p
     * %b %h %B %a %A %j %Z %z %%}, with glibc's {@code %-d} for no padding), in English. Unknown
     * directives are left as they are.
     */
    static String strftime(String format, ZonedDateTime t) {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < format.length(); i++) {
            char c = format.charAt(i);
            if (c != '%' || i + 1 == format.length()) {
                out.append(c);
                continue;
            }
            boolean unpadded = format.charAt(i + 1) == '-' && i + 2 < format.length();
            char d = format.charAt(unpadded ? i + 2 : i + 1);
            String value = switch (d) {
                case 'Y' -> Integer.toString(t.getYear());
                case 'y' -> two(t.getYear() % 100, unpadded);
                case 'm' -> two(t.getMonthValue(), unpadded);
                case 'd' -> two(t.getDayOfMonth(), unpadded);
                case 'e' -> String.format(Locale.ROOT, "%2d", t.getDayOfMonth());
                case 'H' -> two(t.getHour(), unpadded);
                case 'I' -> two((t.getHour() + 11) % 12 + 1, unpadded);
                case 'M' -> two(t.getMinute(), unpadded);
                case 'S' -> two(t.getSecond(), unpadded);
                case 'p' -> t.getHour() < 12 ? "AM" : "PM";
                case 'b', 'h' -> t.getMonth().getDisplayName(TextStyle.SHORT, Locale.ENGLISH);
                case 'B' -> t.getMonth().getDisplayName(TextStyle.FULL, Locale.ENGLISH);
                case 'a' -> t.getDayOfWeek().getDisplayName(TextStyle.SHORT, Locale.ENGLISH);
                case 'A' -> t.getDayOfWeek().getDisplayName(TextStyle.FULL, Locale.ENGLISH);
                case 'j' -> unpadded ? Integer.toString(t.getDayOfYear()) : String.format(Locale.ROOT, "%03d", t.getDayOfYear());
                case 'Z' -> t.getZone().getDisplayName(TextStyle.SHORT, Locale.ENGLISH);
                case 'z' -> t.getOffset().getId().equals("Z") ? "+0000" : t.getOffset().getId().replace(":", "");
                case '%' -> "%";
                default -> null;
            };
            if (value == null) {
                out.append(c);
                continue;
            }
            out.append(value);
            i += unpadded ? 2 : 1;
        }
        return out.toString();
    }

    private static String two(int value, boolean unpadded) {
        return unpadded ? Integer.toString(value) : String.format(Locale.ROOT, "%02d", value);
    }

    /** What {@code raise_exception} throws inside Jinjava; {@link ChatTemplate} turns it into a ChatTemplateException. */
    static final class TemplateRaised extends RuntimeException {
        TemplateRaised(String message) {
            super(message, null, false, false);
        }
    }
}
