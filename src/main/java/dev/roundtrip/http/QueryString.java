package dev.roundtrip.http;

import java.net.URLDecoder;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;

/**
 * Refuses a query string that is not well-formed percent-encoding of UTF-8 (RFC 3986 §2.1): a '%' not
 * followed by two hex digits, or escaped bytes that are not UTF-8. Jetty drops such a query string
 * silently, so {@code ?q=%} would otherwise answer the whole unfiltered list. One pass over the value.
 */
public final class QueryString {

    private QueryString() {
    }

    /** Throws a 400 problem naming the parameter (or "query" when its name is the broken part). */
    public static void requireWellFormed(String query) {
        if (query == null) {
            return;
        }
        int start = 0; // of the current parameter
        int equals = -1; // its first '=', or -1
        for (int i = 0; i < query.length(); ) {
            char c = query.charAt(i);
            if (c == '&') {
                start = i + 1;
                equals = -1;
                i++;
            } else if (c == '=' && equals < 0) {
                equals = i++;
            } else if (c == '%') {
                int end = escapedRunEnd(query, i);
                if (end < 0 || !isUtf8(query, i, end)) {
                    throw malformed(query, start, equals);
                }
                i = end;
            } else {
                i++;
            }
        }
    }

    /** The end of the run of %XX escapes starting at {@code i}, or -1 if one of them lacks its two hex digits. */
    private static int escapedRunEnd(String query, int i) {
        while (i < query.length() && query.charAt(i) == '%') {
            if (i + 2 >= query.length() || !isHex(query.charAt(i + 1)) || !isHex(query.charAt(i + 2))) {
                return -1;
            }
            i += 3;
        }
        return i;
    }

    /** A UTF-8 sequence lies within one run of escapes: what surrounds a run is ASCII or a whole character. */
    private static boolean isUtf8(String query, int from, int to) {
        byte[] bytes = new byte[(to - from) / 3];
        for (int i = 0; i < bytes.length; i++) {
            bytes[i] = (byte) Integer.parseInt(query, from + 3 * i + 1, from + 3 * i + 3, 16);
        }
        try {
            StandardCharsets.UTF_8.newDecoder().decode(ByteBuffer.wrap(bytes)); // reports, never replaces
            return true;
        } catch (CharacterCodingException e) {
            return false;
        }
    }

    private static boolean isHex(char c) {
        return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
    }

    private static ProblemException malformed(String query, int start, int equals) {
        // The name is well-formed when the fault is in the value: it was checked first.
        String name = equals <= start ? "" : URLDecoder.decode(query.substring(start, equals), StandardCharsets.UTF_8);
        return ProblemException.invalid(name.isEmpty() ? "query" : name, // FieldError cuts a long name short
                "must be well-formed percent-encoding of UTF-8 (a % takes two hex digits)");
    }
}
