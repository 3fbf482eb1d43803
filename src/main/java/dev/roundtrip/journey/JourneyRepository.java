package dev.roundtrip.journey;

import java.util.Map;
import org.jdbi.v3.core.Jdbi;

/** The database's side of the journey: SQLite's version and settings, and one real query, timed. */
public final class JourneyRepository {

    static final String TIMED_QUERY = "SELECT count(*) FROM notes";
    /** PRAGMA synchronous answers a number (sqlite.org/pragma.html#pragma_synchronous). */
    private static final Map<Integer, String> SYNCHRONOUS = Map.of(0, "OFF", 1, "NORMAL", 2, "FULL", 3, "EXTRA");

    private final Jdbi jdbi;

    public JourneyRepository(Jdbi jdbi) {
        this.jdbi = jdbi;
    }

    public Journey.Database describe() {
        return jdbi.withHandle(h -> {
            String version = h.select("SELECT sqlite_version()").mapTo(String.class).one();
            String journalMode = h.select("PRAGMA journal_mode").mapTo(String.class).one();
            int synchronous = h.select("PRAGMA synchronous").mapTo(Integer.class).one();
            long start = System.nanoTime();
            long rows = h.select(TIMED_QUERY).mapTo(Long.class).one();
            long micros = (System.nanoTime() - start) / 1_000;
            return new Journey.Database("SQLite", version, journalMode,
                    SYNCHRONOUS.getOrDefault(synchronous, String.valueOf(synchronous)), TIMED_QUERY, rows, micros);
        });
    }
}
