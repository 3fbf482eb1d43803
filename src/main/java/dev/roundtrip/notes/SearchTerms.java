package dev.roundtrip.notes;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;

/**
 * What a user typed into {@code ?q=}, split into words that must all appear in the title or the body,
 * anywhere inside a word ("요청" finds "요청을"). Words of 3+ characters go to the trigram index as one
 * FTS5 query, each quoted so FTS5 operators (AND, NOT, NEAR, *, ^, column:) are searched as text; shorter
 * words cannot use a trigram index and become LIKE patterns on the notes themselves.
 */
record SearchTerms(String trigramQuery, List<String> likePatterns) {

    /** Trigrams need at least this many characters. */
    static final int TRIGRAM = 3;

    static SearchTerms from(String userInput) {
        List<String> indexed = new ArrayList<>();
        List<String> scanned = new ArrayList<>();
        for (String word : userInput.strip().split("\\s+")) {
            if (word.codePointCount(0, word.length()) >= TRIGRAM) {
                indexed.add("\"" + word.replace("\"", "\"\"") + "\"");
            } else {
                scanned.add("%" + escapeLike(word) + "%");
            }
        }
        return new SearchTerms(indexed.isEmpty() ? null : String.join(" ", indexed), List.copyOf(scanned));
    }

    /** LIKE's wildcards typed by the user are searched literally ('!' is the ESCAPE character in the SQL). */
    private static String escapeLike(String word) {
        return Arrays.stream(word.split("")).map(c -> "!%_".contains(c) ? "!" + c : c).collect(Collectors.joining());
    }
}
