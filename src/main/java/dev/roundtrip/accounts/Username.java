package dev.roundtrip.accounts;

import dev.roundtrip.http.FieldErrors;
import java.text.Normalizer;
import java.util.Locale;

/**
 * A username as typed (after NFKC) and the key it is compared by (NFKC, then lower case). NFKC makes the forms a
 * person cannot tell apart one name: "ﬁ" (one ligature character) is "fi", "É" composed (U+00C9) and decomposed
 * (E + U+0301) are one, full-width "ａｌｉｃｅ" is "alice". Lower case makes Alice and alice one account.
 * Letters and digits of any script and . _ - are allowed: no spaces, no invisible or control characters.
 */
record Username(String display, String key) {

    static final int MIN = 3;
    static final int MAX = 32;
    /** Checked before normalizing: NFKC can grow a string (one "ﷺ" becomes 18 characters), so it runs on a bounded one. */
    static final int MAX_RAW = 4 * MAX;

    /** The normalized name, or null with an entry in {@code errors}. */
    static Username parse(String raw, FieldErrors errors) {
        if (raw == null) {
            errors.add("username", "is required");
            return null;
        }
        if (raw.length() > MAX_RAW) {
            errors.add("username", "must be at most " + MAX + " characters");
            return null;
        }
        String display = Normalizer.normalize(raw, Normalizer.Form.NFKC);
        int length = display.codePointCount(0, display.length());
        if (length < MIN || length > MAX) {
            errors.add("username", "must be " + MIN + "–" + MAX + " characters, got " + length);
            return null;
        }
        if (!display.codePoints().allMatch(Username::allowed)) {
            errors.add("username", "may hold letters, digits and . _ - only (no spaces or invisible characters)");
            return null;
        }
        return new Username(display, key(display));
    }

    /** The comparison key of an already normalized name (lower case is applied after NFKC, then NFKC again). */
    static String key(String display) {
        return Normalizer.normalize(display.toLowerCase(Locale.ROOT), Normalizer.Form.NFKC);
    }

    private static boolean allowed(int c) {
        return Character.isLetterOrDigit(c) || c == '.' || c == '_' || c == '-'
                || Character.getType(c) == Character.NON_SPACING_MARK // vowel signs of Indic scripts and the like
                || Character.getType(c) == Character.COMBINING_SPACING_MARK;
    }
}
