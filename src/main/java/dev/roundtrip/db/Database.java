package dev.roundtrip.db;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.roundtrip.Config;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.flywaydb.core.Flyway;
import org.jdbi.v3.core.HandleCallback;
import org.jdbi.v3.core.Jdbi;
import org.sqlite.SQLiteConfig;
import org.sqlite.SQLiteDataSource;

/**
 * The SQLite database: one file, opened with the settings a web service needs, migrated by Flyway,
 * and shared through a small connection pool. Nothing feature-specific lives here.
 *
 * <p>Reads and writes go different ways. In WAL mode readers never block each other or the writer, so
 * reads use a pool and run in parallel. SQLite has one write lock, so writes go through a single
 * writer with group commit ({@link GroupCommit}): many writes, one transaction, one fsync. Every write
 * transaction still begins with BEGIN IMMEDIATE, so anything else writing to the file (a backup tool,
 * sqlite3) makes it wait for the lock up front (busy_timeout) instead of failing with SQLITE_BUSY.
 */
public final class Database implements AutoCloseable {

    /** Enough connections for both cores' worth of readers plus waiting writers; SQLite gains nothing from more. */
    static final int POOL_SIZE = 8;
    /** How long a writer waits for SQLite's write lock before giving up with SQLITE_BUSY. */
    static final int BUSY_TIMEOUT_MS = 5_000;

    private final Path file;
    private final HikariDataSource dataSource;
    private final Jdbi jdbi;
    private final GroupCommit writes;
    /** Runs readiness probes so a stuck database makes the probe time out instead of hang. */
    private final ExecutorService probeExecutor = Executors.newSingleThreadExecutor(task -> {
        Thread thread = new Thread(task, "db-probe");
        thread.setDaemon(true);
        return thread;
    });

    private Database(Path file, HikariDataSource dataSource) {
        this.file = file;
        this.dataSource = dataSource;
        this.jdbi = Jdbi.create(dataSource);
        this.writes = new GroupCommit(jdbi);
    }

    /** Opens (creating if needed) the database file and brings its schema up to date. */
    public static Database open(Path file, Config.Synchronous synchronous) {
        return open(file, synchronous, null);
    }

    /** As {@link #open(Path, Config.Synchronous)}, reporting pool metrics to {@code metrics} (may be null). */
    public static Database open(Path file, Config.Synchronous synchronous, MeterRegistry metrics) {
        createParentDirectory(file);
        HikariConfig config = poolConfig(file, synchronous);
        config.setMetricRegistry(metrics); // hikaricp_connections_* in /metrics
        HikariDataSource pool = new HikariDataSource(config);
        try {
            Flyway.configure().dataSource(pool).locations("classpath:db/migration").load().migrate();
        } catch (RuntimeException e) {
            pool.close();
            throw e;
        }
        return new Database(file, pool);
    }

    /** For reads: any pooled connection, in parallel. */
    public Jdbi jdbi() {
        return jdbi;
    }

    /**
     * Runs {@code work} as a write: in a transaction (BEGIN IMMEDIATE) on the single writer, grouped
     * with other writes that arrive meanwhile, and returns only once it is committed (see GroupCommit).
     */
    public <T> T write(HandleCallback<T, RuntimeException> work) {
        return writes.write(work);
    }

    public Path file() {
        return file;
    }

    /** True when {@code select 1} succeeds within the timeout. */
    public boolean isReachable(Duration timeout) {
        try {
            return CompletableFuture
                    .supplyAsync(() -> jdbi.withHandle(h -> h.select("select 1").mapTo(Integer.class).one()), probeExecutor)
                    .get(timeout.toMillis(), TimeUnit.MILLISECONDS) == 1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        } catch (Exception e) {
            return false;
        }
    }

    @Override
    public void close() {
        probeExecutor.shutdownNow();
        writes.close(); // finishes the writes already queued, then stops
        dataSource.close();
    }

    private static HikariConfig poolConfig(Path file, Config.Synchronous synchronous) {
        // PRAGMAs are set through SQLiteConfig, one by one on every new connection: a multi-statement
        // "PRAGMA a; PRAGMA b" init string would apply only the first.
        SQLiteConfig sqlite = new SQLiteConfig();
        sqlite.setJournalMode(SQLiteConfig.JournalMode.WAL); // readers don't block the writer
        sqlite.setSynchronous(SQLiteConfig.SynchronousMode.valueOf(synchronous.name()));
        sqlite.setBusyTimeout(BUSY_TIMEOUT_MS);
        sqlite.enforceForeignKeys(true); // off by default in SQLite
        sqlite.setTransactionMode(SQLiteConfig.TransactionMode.IMMEDIATE); // every BEGIN takes the write lock up front
        SQLiteDataSource sqliteSource = new SQLiteDataSource(sqlite);
        sqliteSource.setUrl("jdbc:sqlite:" + file.toAbsolutePath());

        HikariConfig pool = new HikariConfig();
        pool.setDataSource(sqliteSource);
        pool.setPoolName("sqlite");
        pool.setMaximumPoolSize(POOL_SIZE);
        pool.setMinimumIdle(POOL_SIZE); // opening a SQLite connection costs more than a simple query
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
