package dev.roundtrip.notes;

import java.util.ArrayList;
import java.util.List;

/**
 * What a user typed into {@code ?q=}: words that must all appear in the title or the body, anywhere inside a
 * word ("요청" finds "요청을"), in any case. {@link NoteSearch} turns them into each engine's SQL; this class
 * only checks and splits them and writes them the ways that SQL needs, so user input is always searched as text.
 * Every method here is one pass over the text: no regular expression sees what a client typed.
 */
final class SearchTerms {

    /** Trigram indexes (FTS5's, pg_trgm's) can only look up words of at least this many characters. */
    static final int TRIGRAM = 3;
    /** Each word is one more condition on every candidate row: a bounded number keeps a search's cost bounded. */
    static final int MAX_WORDS = 8;
    /** A word under {@link #TRIGRAM} characters has no index entry, so it is a LIKE over every note it meets. */
    static final int MAX_SHORT_WORDS = 4;
    /** A phrase's cost grows with its length on repetitive text (200 characters ~6x what 64 cost): no real word is longer. */
    static final int MAX_WORD = 64;

    private SearchTerms() {
    }

    /** Why {@code userInput} cannot be searched, or null when it can. */
    static String problem(String userInput) {
        for (int i = 0; i < userInput.length(); i++) {
            char c = userInput.charAt(i);
            if (Character.isISOControl(c)) { // NUL ends a C string in the engines; no control character is text
                return "must not contain control characters (found U+%04X at %d)".formatted((int) c, i);
            }
            if (c == '\uFFFD') { // the server decodes %-escapes that are not UTF-8 (%C3%28, %FF) to U+FFFD
                return "must be valid UTF-8 (percent-encoded bytes at " + i + " are not UTF-8)";
            }
            if (Character.isSurrogate(c) && !pairedAt(userInput, i)) {
                return "must be valid text (a lone UTF-16 surrogate at " + i + ")";
            }
        }
        List<String> words = words(userInput);
        long shortWords = words.stream().filter(word -> !hasTrigram(word)).count();
        if (words.isEmpty()) {
            return "must have at least one word";
        }
        if (words.size() > MAX_WORDS) {
            return "must have at most " + MAX_WORDS + " words (has " + words.size() + ")";
        }
        for (String word : words) {
            int length = word.codePointCount(0, word.length());
            if (length > MAX_WORD) {
                return "must have words of at most " + MAX_WORD + " characters (one has " + length + ")";
            }
        }
        if (shortWords > MAX_SHORT_WORDS) {
            return "must have at most " + MAX_SHORT_WORDS + " words shorter than " + TRIGRAM
                    + " characters (has " + shortWords + "); use longer words";
        }
        return null;
    }

    private static boolean pairedAt(String text, int i) {
        char c = text.charAt(i);
        return Character.isHighSurrogate(c)
                ? i + 1 < text.length() && Character.isLowSurrogate(text.charAt(i + 1))
                : i > 0 && Character.isHighSurrogate(text.charAt(i - 1));
    }

    /** The words between runs of white space (any Unicode white space, not only ASCII's). */
    static List<String> words(String userInput) {
        List<String> words = new ArrayList<>();
        int start = -1;
        for (int i = 0; i <= userInput.length(); i++) {
            boolean space = i == userInput.length() || Character.isWhitespace(userInput.charAt(i))
                    || Character.isSpaceChar(userInput.charAt(i));
            if (space && start >= 0) {
                words.add(userInput.substring(start, i));
                start = -1;
            } else if (!space && start < 0) {
                start = i;
            }
        }
        return words;
    }

    static boolean hasTrigram(String word) {
        return word.codePointCount(0, word.length()) >= TRIGRAM;
    }

    /** An FTS5 phrase: quoted, so operators a user types (AND, NOT, NEAR, *, ^, column:) are searched as text. */
    static String ftsPhrase(String word) {
        return "\"" + word.replace("\"", "\"\"") + "\"";
    }

    /** A LIKE pattern matching the word anywhere; its wildcards are escaped with '!' (ESCAPE '!' in the SQL). */
    static String containing(String word) {
        StringBuilder pattern = new StringBuilder(word.length() + 8).append('%');
        for (int i = 0; i < word.length(); i++) {
            char c = word.charAt(i);
            if (c == '!' || c == '%' || c == '_') {
                pattern.append('!');
            }
            pattern.append(c);
        }
        return pattern.append('%').toString();
    }
}
