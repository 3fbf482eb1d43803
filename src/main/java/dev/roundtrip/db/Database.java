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
 * On SQLite the writer has its own connection: reads, however slow or many, never hold the one it needs.
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

    /** A read that ran past its time bound and was cancelled; its connection went back to the pool clean. */
    public static final class TooSlowException extends RuntimeException {
        TooSlowException(Duration limit, Throwable cause) {
            super("the statement ran past its bound of " + limit.toMillis() + " ms and was cancelled", cause);
        }
    }

    /** What readiness found: ready, or the reason why not. */
    public record Readiness(boolean ready, String reason) {
    }

    /** The probe's own statements on PostgreSQL: under the 1 s it is waited for. */
    private static final Duration PROBE_STATEMENT_LIMIT = Duration.ofMillis(800);
    /** How often a running SQLite statement checks its deadline, in virtual machine instructions. */
    private static final int PROGRESS_STEPS = 1_000;

    private final Engine engine;
    private final String location;
    private final HikariDataSource dataSource;
    private final Jdbi jdbi;
    /** SQLite only: the writer's own one-connection pool. Null on PostgreSQL. */
    private final HikariDataSource writerSource;
    /** SQLite only: the single writer. Null on PostgreSQL, where writes run in parallel. */
    private final GroupCommit groupCommit;
    /** SQLite only: what readiness checks on the file. */
    private final SqliteProbe sqliteProbe;
    /** Runs readiness probes so a stuck database makes the probe time out instead of hang. */
    private final ExecutorService probeExecutor = Executors.newSingleThreadExecutor(task -> {
        Thread thread = new Thread(task, "db-probe");
        thread.setDaemon(true);
        return thread;
    });
    /** The last probe: while it runs, callers share it instead of queueing more behind a stuck database. */
    private CompletableFuture<Readiness> probe;

    private Database(Engine engine, String location, HikariDataSource dataSource, HikariDataSource writerSource) {
        this.engine = engine;
        this.location = location;
        this.dataSource = dataSource;
        this.jdbi = Jdbi.create(dataSource);
        this.writerSource = writerSource;
        this.groupCommit = writerSource != null ? new GroupCommit(Jdbi.create(writerSource)) : null;
        this.sqliteProbe = engine == Engine.SQLITE ? new SqliteProbe(Path.of(location)) : null;
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
        HikariDataSource writer = migrated(Engine.SQLITE, location, SqlitePool.writer(file, synchronous), metrics);
        try {
            return new Database(Engine.SQLITE, location, pool(Engine.SQLITE, location, SqlitePool.readers(file, synchronous), metrics), writer);
        } catch (RuntimeException e) {
            writer.close();
            throw e;
        }
    }

    /** Connects to a PostgreSQL server and brings its schema up to date. */
    public static Database open(Config.Postgres postgres, MeterRegistry metrics) {
        String location = PostgresPool.withoutPassword(postgres.url());
        return new Database(Engine.POSTGRESQL, location, migrated(Engine.POSTGRESQL, location, PostgresPool.config(postgres), metrics), null);
    }

    private static HikariDataSource pool(Engine engine, String location, HikariConfig config, MeterRegistry metrics) {
        config.setMetricRegistry(metrics); // hikaricp_connections_* in /metrics
        try {
            return new HikariDataSource(config);
        } catch (RuntimeException e) {
            throw new OpenException("cannot open the " + engine.name().toLowerCase(Locale.ROOT) + " database at " + location
                    + ": " + DatabaseErrors.rootMessage(e), e);
        }
    }

    private static HikariDataSource migrated(Engine engine, String location, HikariConfig config, MeterRegistry metrics) {
        String name = engine.name().toLowerCase(Locale.ROOT);
        HikariDataSource pool = pool(engine, location, config, metrics);
        try {
            // Each engine has its own numbered migrations: db/migration/sqlite/ or db/migration/postgresql/.
            Flyway.configure().dataSource(pool).locations("classpath:db/migration/" + name).load().migrate();
        } catch (RuntimeException e) {
            pool.close();
            throw new OpenException("cannot migrate the database at " + location + ": " + DatabaseErrors.rootMessage(e), e);
        }
        return pool;
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

    /**
     * Runs the read {@code work} and cancels it once it runs longer than {@code limit}: on SQLite a progress
     * handler interrupts the statement, on PostgreSQL statement_timeout does (SET LOCAL: this transaction only).
     * Either way the connection goes back to the pool fit for the next request.
     */
    public <T> T readWithin(Duration limit, HandleCallback<T, RuntimeException> work) {
        try {
            if (engine == Engine.SQLITE) {
                return SqliteDeadline.within(jdbi, limit, PROGRESS_STEPS, work);
            }
            return jdbi.inTransaction(h -> {
                h.execute("SET LOCAL statement_timeout = " + Math.max(1, limit.toMillis())); // 0 would mean no bound
                return work.withHandle(h);
            });
        } catch (RuntimeException e) {
            if (DatabaseErrors.isCancelled(e)) {
                throw new TooSlowException(limit, e);
            }
            throw e;
        }
    }

    /** True when the store can serve reads and writes now, as found within {@code timeout}. */
    public boolean isReachable(Duration timeout) {
        return readiness(timeout).ready();
    }

    /**
     * Whether the store can serve now, and if not why: on SQLite the file itself is checked (see
     * {@link SqliteProbe}), on PostgreSQL a real table is read. Answers within {@code timeout}.
     */
    public Readiness readiness(Duration timeout) {
        try {
            return probe().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Readiness(false, "interrupted");
        } catch (java.util.concurrent.TimeoutException e) {
            return new Readiness(false, "the database did not answer within " + timeout.toMillis() + " ms");
        } catch (Exception e) {
            return new Readiness(false, "the database cannot be read: " + DatabaseErrors.rootMessage(e));
        }
    }

    private synchronized CompletableFuture<Readiness> probe() {
        if (probe == null || probe.isDone()) {
            probe = probeExecutor.isShutdown() ? CompletableFuture.completedFuture(new Readiness(false, "closed"))
                    : CompletableFuture.supplyAsync(this::check, probeExecutor);
        }
        return probe;
    }

    private Readiness check() {
        if (sqliteProbe != null) {
            String problem = sqliteProbe.problem();
            return new Readiness(problem == null, problem);
        }
        readWithin(PROBE_STATEMENT_LIMIT, h -> h.select("SELECT id FROM notes ORDER BY id DESC LIMIT 1").mapTo(Long.class).findOne());
        return new Readiness(true, null);
    }

    @Override
    public void close() {
        probeExecutor.shutdownNow();
        try {
            probeExecutor.awaitTermination(1, TimeUnit.SECONDS); // a probe in flight still uses the file
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (groupCommit != null) {
            groupCommit.close(); // finishes the writes already queued, then stops
            writerSource.close();
        }
        dataSource.close();
        if (sqliteProbe != null) {
            sqliteProbe.close(); // last: closing its descriptor before SQLite's would drop SQLite's locks
        }
    }
}
