package dev.roundtrip.notes;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Locale;

/** Small checks on user text that JSON itself allows but a stored note should not contain. */
final class Text {

    private Text() {
    }

    /** C0 controls and DEL; a body may keep tab, newline and carriage return. */
    static boolean hasControlCharacter(String text, boolean allowLineBreaks) {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            boolean allowed = allowLineBreaks && (c == '\t' || c == '\n' || c == '\r');
            if ((c < 0x20 || c == 0x7f) && !allowed) {
                return true;
            }
        }
        return false;
    }

    /** "\ud800" is valid JSON but not valid Unicode: it could not be stored as UTF-8. */
    static boolean hasUnpairedSurrogate(String text) {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < text.length() && Character.isLowSurrogate(text.charAt(i + 1))) {
                i++;
            } else if (Character.isSurrogate(c)) {
                return true;
            }
        }
        return false;
    }

    static String typeOf(JsonNode node) {
        return node.getNodeType().name().toLowerCase(Locale.ROOT);
    }
}
