package dev.roundtrip.db;

import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;

/**
 * How the store keeps a moment: ISO-8601 UTC text with milliseconds and a fixed width
 * ({@code 2026-12-01T09:30:00.250Z}), so stored timestamps sort as text the way they sort as time, and
 * read the same in any SQL shell. Reading is done by hand because it runs for every row of every read:
 * {@link Instant#parse} was 5 % of a GET by id's CPU in the profile (docs/performance.md).
 */
public final class StoredTime {

    private static final DateTimeFormatter FORMAT =
            DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSS'Z'").withZone(ZoneOffset.UTC);
    /** "uuuu-MM-ddTHH:mm:ss.SSSZ": every field at a fixed position. */
    private static final int LENGTH = 24;

    private StoredTime() {
    }

    public static String format(Instant instant) {
        return FORMAT.format(instant.truncatedTo(ChronoUnit.MILLIS));
    }

    /** The inverse of {@link #format}; any other ISO-8601 instant is still read, the slow way. */
    public static Instant parse(String text) {
        if (text.length() != LENGTH || text.charAt(4) != '-' || text.charAt(10) != 'T' || text.charAt(19) != '.'
                || text.charAt(23) != 'Z') {
            return Instant.parse(text);
        }
        LocalDateTime time = LocalDateTime.of(digits(text, 0, 4), digits(text, 5, 2), digits(text, 8, 2),
                digits(text, 11, 2), digits(text, 14, 2), digits(text, 17, 2), digits(text, 20, 3) * 1_000_000);
        return time.toInstant(ZoneOffset.UTC);
    }

    private static int digits(String text, int start, int count) {
        int value = 0;
        for (int i = start; i < start + count; i++) {
            int digit = text.charAt(i) - '0';
            if (digit < 0 || digit > 9) {
                throw new IllegalArgumentException("not a stored timestamp: " + text);
            }
            value = value * 10 + digit;
        }
        return value;
    }
}
