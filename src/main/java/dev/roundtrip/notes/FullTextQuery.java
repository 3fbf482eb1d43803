package dev.roundtrip.notes;

import java.util.Arrays;
import java.util.stream.Collectors;

/**
 * Turns what a user typed into an FTS5 query that cannot be a syntax error: every word becomes a
 * quoted string (FTS5 has operators such as AND, NOT, NEAR, *, ^ and column filters), and the
 * words must all appear. {@code hello wor"ld} → {@code "hello" "wor""ld"}.
 */
final class FullTextQuery {

    private FullTextQuery() {
    }

    static String from(String userInput) {
        return Arrays.stream(userInput.strip().split("\\s+"))
                .map(word -> "\"" + word.replace("\"", "\"\"") + "\"")
                .collect(Collectors.joining(" "));
    }
}
