package dev.roundtrip.notes;

import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;

/**
 * What a user typed into {@code ?q=}: words that must all appear in the title or the body, anywhere inside a
 * word ("요청" finds "요청을"), in any case. {@link NoteSearch} turns them into each engine's SQL; this class
 * only splits them and writes them the ways that SQL needs, so user input is always searched as text.
 */
final class SearchTerms {

    /** Trigram indexes (FTS5's, pg_trgm's) can only look up words of at least this many characters. */
    static final int TRIGRAM = 3;

    private SearchTerms() {
    }

    static List<String> words(String userInput) {
        return List.of(userInput.strip().split("\\s+"));
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
        return "%" + Arrays.stream(word.split("")).map(c -> "!%_".contains(c) ? "!" + c : c).collect(Collectors.joining()) + "%";
    }
}
