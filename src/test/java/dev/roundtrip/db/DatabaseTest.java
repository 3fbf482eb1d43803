package dev.roundtrip.db;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.roundtrip.Config;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The settings every pooled connection must have, read back from SQLite itself. */
class DatabaseTest {

    @TempDir
    Path dir;

    @Test
    void connectionsUseWalBusyTimeoutForeignKeysAndTheChosenSynchronous() {
        Path file = dir.resolve("nested/dir/roundtrip.db");
        try (Database db = Database.open(file, Config.Synchronous.FULL)) {
            assertTrue(Files.exists(file), "the data directory and file are created");
            assertEquals("wal", pragma(db, "journal_mode"));
            assertEquals("2", pragma(db, "synchronous")); // 2 = FULL
            assertEquals("1", pragma(db, "foreign_keys"));
            assertEquals(String.valueOf(SqlitePool.BUSY_TIMEOUT_MS), pragma(db, "busy_timeout"));
        }
        try (Database db = Database.open(file, Config.Synchronous.NORMAL)) {
            assertEquals("1", pragma(db, "synchronous")); // 1 = NORMAL
        }
    }

    @Test
    void migrationsRunOnceAndAReopenAppliesNothingNew() {
        Path file = dir.resolve("roundtrip.db");
        int first;
        try (Database db = Database.open(file, Config.Synchronous.NORMAL)) {
            first = appliedMigrations(db);
        }
        try (Database db = Database.open(file, Config.Synchronous.NORMAL)) {
            assertEquals(first, appliedMigrations(db));
        }
        assertTrue(first >= 2, "V1 notes and V2 idempotency keys at least");
    }

    private static int appliedMigrations(Database db) {
        return db.jdbi().withHandle(h -> h.select("SELECT count(*) FROM flyway_schema_history WHERE success = 1")
                .mapTo(Integer.class).one());
    }

    @Test
    void reachableUntilClosed() {
        Database db = Database.open(dir.resolve("roundtrip.db"), Config.Synchronous.NORMAL);
        assertTrue(db.isReachable(Duration.ofSeconds(1)));
        db.close();
        assertFalse(db.isReachable(Duration.ofSeconds(1)));
    }

    private static String pragma(Database db, String name) {
        return db.jdbi().withHandle(h -> h.select("PRAGMA " + name).mapTo(String.class).one());
    }
}
