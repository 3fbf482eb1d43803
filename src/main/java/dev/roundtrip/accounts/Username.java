package dev.roundtrip.accounts;

import dev.roundtrip.http.FieldErrors;
import java.text.Normalizer;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * A username as typed (after NFKC) and the key it is compared by (NFKC, then lower case). NFKC makes the forms a
 * person cannot tell apart one name: "ﬁ" (one ligature character) is "fi", "É" composed (U+00C9) and decomposed
 * (E + U+0301) are one, full-width "ａｌｉｃｅ" is "alice". Lower case makes Alice and alice one account.
 * Letters and digits of any script and . _ - are allowed: no spaces, no invisible or control characters, and no
 * mix of scripts that hides a look-alike letter (Cyrillic "а" in "аlice"). Whole-script look-alikes (a name made
 * only of Cyrillic letters that look Latin) are not caught: that needs Unicode's confusable skeletons.
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
        if (!display.codePoints().allMatch(Username::allowed) || mark(display.codePointAt(0))) { // a mark needs a letter
            errors.add("username", "may hold letters, digits and . _ - only (no spaces or invisible characters)");
            return null;
        }
        if (!oneScript(display)) {
            errors.add("username", "must be written in one script (Latin may go with Hangul, Han or Japanese kana):"
                    + " a Cyrillic а inside a Latin name looks like a but is another letter");
            return null;
        }
        return new Username(display, key(display));
    }

    /** The mixes people write names in (Unicode TS #39's "highly restrictive" level); any one script alone is fine too. */
    private static final List<Set<Character.UnicodeScript>> MIXES = List.of(
            Set.of(Character.UnicodeScript.LATIN, Character.UnicodeScript.HAN, Character.UnicodeScript.HANGUL),
            Set.of(Character.UnicodeScript.LATIN, Character.UnicodeScript.HAN, Character.UnicodeScript.HIRAGANA,
                    Character.UnicodeScript.KATAKANA),
            Set.of(Character.UnicodeScript.LATIN, Character.UnicodeScript.HAN, Character.UnicodeScript.BOPOMOFO));

    /** Whether the letters' scripts (digits, . _ - and marks count for any) are one script or one of {@link #MIXES}. */
    static boolean oneScript(String name) {
        Set<Character.UnicodeScript> scripts = EnumSet.noneOf(Character.UnicodeScript.class);
        name.codePoints().mapToObj(Character.UnicodeScript::of)
                .filter(script -> script != Character.UnicodeScript.COMMON && script != Character.UnicodeScript.INHERITED)
                .forEach(scripts::add);
        return scripts.size() <= 1 || MIXES.stream().anyMatch(mix -> mix.containsAll(scripts));
    }

    /** The comparison key of an already normalized name (lower case is applied after NFKC, then NFKC again). */
    static String key(String display) {
        return Normalizer.normalize(display.toLowerCase(Locale.ROOT), Normalizer.Form.NFKC);
    }

    private static boolean allowed(int c) {
        return (Character.isLetterOrDigit(c) || c == '.' || c == '_' || c == '-' || mark(c)) && !invisible(c);
    }

    /** Vowel signs of Indic scripts and the like: part of a letter, never a character of their own. */
    private static boolean mark(int c) {
        return Character.getType(c) == Character.NON_SPACING_MARK || Character.getType(c) == Character.COMBINING_SPACING_MARK;
    }

    /**
     * Letters and marks that show nothing (Unicode's Default_Ignorable_Code_Point; NFKC keeps them): Hangul fillers,
     * variation selectors, the grapheme joiner. "alice" with one of them looks like alice but would be another name.
     */
    private static boolean invisible(int c) {
        return c == 0x034F || c == 0x115F || c == 0x1160 || c == 0x17B4 || c == 0x17B5 || (c >= 0x180B && c <= 0x180F)
                || c == 0x3164 || c == 0xFFA0 || (c >= 0xFE00 && c <= 0xFE0F) || (c >= 0xE0100 && c <= 0xE01EF);
    }
}
