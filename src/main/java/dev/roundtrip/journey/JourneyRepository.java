package dev.roundtrip.journey;

import dev.roundtrip.db.Database;
import java.util.Map;
import org.jdbi.v3.core.Handle;

/**
 * The database's side of the journey: which engine, its version and settings, and one real query, timed.
 * The settings are read differently on each engine (PRAGMA in SQLite, SHOW in PostgreSQL); the query is the same.
 */
public final class JourneyRepository {

    static final String TIMED_QUERY = "SELECT count(*) FROM notes";
    /** PRAGMA synchronous answers a number (sqlite.org/pragma.html#pragma_synchronous). */
    private static final Map<Integer, String> SYNCHRONOUS = Map.of(0, "OFF", 1, "NORMAL", 2, "FULL", 3, "EXTRA");

    private final Database database;

    public JourneyRepository(Database database) {
        this.database = database;
    }

    public Journey.Database describe() {
        return database.jdbi().withHandle(h -> {
            Settings settings = database.engine() == Database.Engine.SQLITE ? sqlite(h) : postgres(h);
            long start = System.nanoTime();
            long rows = h.select(TIMED_QUERY).mapTo(Long.class).one();
            long micros = (System.nanoTime() - start) / 1_000;
            return new Journey.Database(settings.engine, settings.version, settings.journalMode, settings.synchronous,
                    TIMED_QUERY, rows, micros);
        });
    }

    private record Settings(String engine, String version, String journalMode, String synchronous) {
    }

    private static Settings sqlite(Handle h) {
        int synchronous = h.select("PRAGMA synchronous").mapTo(Integer.class).one();
        return new Settings("SQLite", h.select("SELECT sqlite_version()").mapTo(String.class).one(),
                h.select("PRAGMA journal_mode").mapTo(String.class).one(),
                SYNCHRONOUS.getOrDefault(synchronous, String.valueOf(synchronous)));
    }

    /** PostgreSQL always writes ahead to its WAL; wal_level says how much, synchronous_commit when a commit returns. */
    private static Settings postgres(Handle h) {
        return new Settings("PostgreSQL", h.select("SHOW server_version").mapTo(String.class).one(),
                "wal (wal_level=" + h.select("SHOW wal_level").mapTo(String.class).one() + ")",
                "synchronous_commit=" + h.select("SHOW synchronous_commit").mapTo(String.class).one());
    }
}
