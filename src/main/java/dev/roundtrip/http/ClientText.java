package dev.roundtrip.http;

/**
 * Client text that an answer or a log line repeats (a field name, a Content-Type, a path) is cut short first
 * and then made harmless, so a bad request can never make its answer large or forge a line.
 */
public final class ClientText {

    private ClientText() {
    }

    /**
     * At most {@code max} characters of {@code text} (then "…"), control characters as a backslash-u escape and
     * lone surrogates as U+FFFD: linear in {@code max}, whatever the length of {@code text}.
     */
    public static String echo(String text, int max) {
        if (text == null) {
            return null;
        }
        int end = Math.min(text.length(), max);
        if (end < text.length() && end > 0 && Character.isHighSurrogate(text.charAt(end - 1))) {
            end--; // never cut a pair in two
        }
        StringBuilder out = new StringBuilder(end + 8);
        for (int i = 0; i < end; i++) {
            char c = text.charAt(i);
            if (c < 0x20 || (c >= 0x7f && c < 0xa0)) {
                out.append(String.format("\\u%04x", (int) c));
            } else if (Character.isHighSurrogate(c) && i + 1 < end && Character.isLowSurrogate(text.charAt(i + 1))) {
                out.append(c).append(text.charAt(++i));
            } else if (Character.isSurrogate(c)) {
                out.append('\uFFFD');
            } else {
                out.append(c);
            }
        }
        return end < text.length() ? out.append('…').toString() : out.toString();
    }
}
