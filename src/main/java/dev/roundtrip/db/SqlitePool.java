package dev.roundtrip.db;

import com.zaxxer.hikari.HikariConfig;
import dev.roundtrip.Config;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.sqlite.SQLiteConfig;
import org.sqlite.SQLiteDataSource;
import org.sqlite.SQLiteOpenMode;

/**
 * Connections to the SQLite file, with the settings a web service needs, set on every new connection.
 * In WAL mode readers never block each other or the writer, so reads share a small pool and run in parallel;
 * the single writer has a pool of its own with one connection, so no number of slow reads can make it wait.
 */
final class SqlitePool {

    /** Enough connections for both cores' worth of readers; SQLite gains nothing from more. */
    static final int READERS = 7;
    /** SQLite has one write lock per file: one connection is all the writer can use. */
    static final int WRITERS = 1;
    /** How long a writer waits for SQLite's write lock before giving up with SQLITE_BUSY. */
    static final int BUSY_TIMEOUT_MS = 5_000;
    /**
     * SQLite's page cache per connection, in KiB (SQLite's default is 2 MiB). Eight connections at the default
     * were 16 MB of the app's memory; the operating system caches the file's pages anyway, so a miss here
     * costs a copy from memory, not a disk read (docs/performance.md).
     */
    static final int PAGE_CACHE_KIB = 512;

    private SqlitePool() {
    }

    /** The readers' pool. */
    static HikariConfig readers(Path file, Config.Synchronous synchronous) {
        return config(file, synchronous, "sqlite", READERS, false);
    }

    /** The writer's own pool: its connection is never lent to a read. */
    static HikariConfig writer(Path file, Config.Synchronous synchronous) {
        return config(file, synchronous, "sqlite-writer", WRITERS, true);
    }

    /**
     * {@code create}: only the writer's pool, opened first and running the migrations, may create the file.
     * A reader connection opened later (the pool fills in the background) must fail on a deleted file, not
     * make an empty one in its place.
     */
    private static HikariConfig config(Path file, Config.Synchronous synchronous, String name, int size, boolean create) {
        createParentDirectory(file);
        // PRAGMAs are set through SQLiteConfig, one by one on every new connection: a multi-statement
        // "PRAGMA a; PRAGMA b" init string would apply only the first.
        SQLiteConfig sqlite = new SQLiteConfig();
        if (!create) {
            sqlite.resetOpenMode(SQLiteOpenMode.CREATE);
        }
        sqlite.setJournalMode(SQLiteConfig.JournalMode.WAL); // readers don't block the writer
        sqlite.setSynchronous(SQLiteConfig.SynchronousMode.valueOf(synchronous.name()));
        sqlite.setBusyTimeout(BUSY_TIMEOUT_MS);
        sqlite.setCacheSize(-PAGE_CACHE_KIB); // negative: a size in KiB, not a number of pages
        sqlite.enforceForeignKeys(true); // off by default in SQLite
        sqlite.setTransactionMode(SQLiteConfig.TransactionMode.IMMEDIATE); // every BEGIN takes the write lock up front
        SQLiteDataSource source = new SQLiteDataSource(sqlite);
        source.setUrl("jdbc:sqlite:" + file.toAbsolutePath());

        HikariConfig pool = new HikariConfig();
        pool.setDataSource(source);
        pool.setPoolName(name);
        pool.setMaximumPoolSize(size);
        pool.setMinimumIdle(size); // opening a SQLite connection costs more than a simple query
        pool.setConnectionTimeout(BUSY_TIMEOUT_MS);
        return pool;
    }

    private static void createParentDirectory(Path file) {
        try {
            Files.createDirectories(file.toAbsolutePath().getParent());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create data directory " + file.getParent(), e);
        }
    }
}
