package dev.roundtrip.db;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.roundtrip.Config;
import io.micrometer.core.instrument.MeterRegistry;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.flywaydb.core.Flyway;
import org.jdbi.v3.core.HandleCallback;
import org.jdbi.v3.core.Jdbi;

/**
 * The store behind the repositories: SQLite in one file (the default) or a PostgreSQL server that several
 * app servers share (DATABASE_URL). Either way a small connection pool, a schema brought up to date by
 * Flyway from db/migration/sqlite/ or db/migration/postgresql/, and {@link #write} for every change. Nothing
 * feature-specific lives here; what differs between the two engines is in {@link SqlitePool} and
 * {@link PostgresPool}, and, for features, behind {@link #engine()}.
 *
 * <p>Writes go different ways. SQLite has one write lock for the whole file, so its writes go through a
 * single writer with group commit ({@link GroupCommit}): many writes, one transaction, one fsync.
 * PostgreSQL locks rows, so each write is its own transaction on a pooled connection, running in parallel.
 */
public final class Database implements AutoCloseable {

    /** The two engines Roundtrip runs on. */
    public enum Engine { SQLITE, POSTGRESQL }

    /** The database could not be opened or migrated at start; the message says what and where. */
    public static final class OpenException extends RuntimeException {
        OpenException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    private final Engine engine;
    private final String location;
    private final HikariDataSource dataSource;
    private final Jdbi jdbi;
    /** SQLite only: the single writer. Null on PostgreSQL, where writes run in parallel. */
    private final GroupCommit groupCommit;
    /** Runs readiness probes so a stuck database makes the probe time out instead of hang. */
    private final ExecutorService probeExecutor = Executors.newSingleThreadExecutor(task -> {
        Thread thread = new Thread(task, "db-probe");
        thread.setDaemon(true);
        return thread;
    });
    /** The last probe: while it runs, callers share it instead of queueing more behind a stuck database. */
    private CompletableFuture<Boolean> probe;

    private Database(Engine engine, String location, HikariDataSource dataSource) {
        this.engine = engine;
        this.location = location;
        this.dataSource = dataSource;
        this.jdbi = Jdbi.create(dataSource);
        this.groupCommit = engine == Engine.SQLITE ? new GroupCommit(jdbi) : null;
    }

    /** The store the configuration names: PostgreSQL when DATABASE_URL is set, else SQLite in DATA_DIR. */
    public static Database open(Config config, MeterRegistry metrics) {
        return config.postgres() == null
                ? open(config.databaseFile(), config.synchronous(), metrics)
                : open(config.postgres(), metrics);
    }

    /** Opens (creating if needed) a SQLite file and brings its schema up to date. */
    public static Database open(Path file, Config.Synchronous synchronous) {
        return open(file, synchronous, null);
    }

    /** As {@link #open(Path, Config.Synchronous)}, reporting pool metrics to {@code metrics} (may be null). */
    public static Database open(Path file, Config.Synchronous synchronous, MeterRegistry metrics) {
        String location = file.toAbsolutePath().normalize().toString();
        return start(Engine.SQLITE, location, SqlitePool.config(file, synchronous), metrics);
    }

    /** Connects to a PostgreSQL server and brings its schema up to date. */
    public static Database open(Config.Postgres postgres, MeterRegistry metrics) {
        return start(Engine.POSTGRESQL, PostgresPool.withoutPassword(postgres.url()), PostgresPool.config(postgres), metrics);
    }

    private static Database start(Engine engine, String location, HikariConfig config, MeterRegistry metrics) {
        String name = engine.name().toLowerCase(Locale.ROOT);
        config.setMetricRegistry(metrics); // hikaricp_connections_* in /metrics
        HikariDataSource pool;
        try {
            pool = new HikariDataSource(config);
        } catch (RuntimeException e) {
            throw new OpenException("cannot open the " + name + " database at " + location
                    + ": " + DatabaseErrors.rootMessage(e), e);
        }
        try {
            // Each engine has its own numbered migrations: db/migration/sqlite/ or db/migration/postgresql/.
            Flyway.configure().dataSource(pool).locations("classpath:db/migration/" + name).load().migrate();
        } catch (RuntimeException e) {
            pool.close();
            throw new OpenException("cannot migrate the database at " + location + ": " + DatabaseErrors.rootMessage(e), e);
        }
        return new Database(engine, location, pool);
    }

    /** For reads: any pooled connection, in parallel. */
    public Jdbi jdbi() {
        return jdbi;
    }

    /**
     * Runs {@code work} as one atomic write and returns once it is committed: on SQLite through the single
     * writer (BEGIN IMMEDIATE, grouped with the writes queued meanwhile), on PostgreSQL in a transaction of its own.
     */
    public <T> T write(HandleCallback<T, RuntimeException> work) {
        return groupCommit != null ? groupCommit.write(work) : jdbi.inTransaction(work);
    }

    public Engine engine() {
        return engine;
    }

    /** The file (SQLite) or the URL without its password (PostgreSQL). */
    public String location() {
        return location;
    }

    /** True when {@code select 1} succeeds within the timeout. */
    public boolean isReachable(Duration timeout) {
        try {
            return probe().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        } catch (Exception e) {
            return false;
        }
    }

    private synchronized CompletableFuture<Boolean> probe() {
        if (probe == null || probe.isDone()) {
            probe = probeExecutor.isShutdown() ? CompletableFuture.completedFuture(false) : CompletableFuture.supplyAsync(
                    () -> jdbi.withHandle(h -> h.select("select 1").mapTo(Integer.class).one()) == 1, probeExecutor);
        }
        return probe;
    }

    @Override
    public void close() {
        probeExecutor.shutdownNow();
        if (groupCommit != null) {
            groupCommit.close(); // finishes the writes already queued, then stops
        }
        dataSource.close();
    }
}
