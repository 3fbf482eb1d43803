package dev.roundtrip.db;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.roundtrip.Config;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Reads are bounded in time, and however many of them are slow, the writer never waits for a connection. */
class ReadBoundsTest {

    /** A statement that runs for minutes unless something stops it. */
    private static final String ENDLESS = "WITH RECURSIVE c(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM c)"
            + " SELECT count(*) FROM (SELECT n FROM c LIMIT 10000000000)";

    @TempDir
    Path dir;

    @Test
    void aReadPastItsBoundIsCancelledAndItsConnectionServesTheNextReadsUnbounded() {
        try (Database db = Database.open(dir.resolve("roundtrip.db"), Config.Synchronous.NORMAL)) {
            long start = System.nanoTime();
            assertThrows(Database.TooSlowException.class,
                    () -> db.readWithin(Duration.ofMillis(100), h -> h.select(ENDLESS).mapTo(Long.class).one()));
            assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(2), "stopped near its bound");
            for (int i = 0; i < 3 * SqlitePool.READERS; i++) { // every pooled connection, none still carrying a deadline
                long counted = db.jdbi().withHandle(h -> h.select(
                        "WITH RECURSIVE c(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM c LIMIT 300000) SELECT count(*) FROM c")
                        .mapTo(Long.class).one());
                assertEquals(300_000, counted);
            }
        }
    }

    @Test
    void aWriteCommitsAtOnceWhileSlowReadsHoldEveryPooledConnection() throws Exception {
        try (Database db = Database.open(dir.resolve("roundtrip.db"), Config.Synchronous.NORMAL)) {
            db.write(h -> h.execute("CREATE TABLE t (n INTEGER)"));
            int readers = 8; // every connection the app had in one pool before the writer got its own
            CountDownLatch holding = new CountDownLatch(SqlitePool.READERS);
            CountDownLatch release = new CountDownLatch(1);
            ExecutorService pool = Executors.newFixedThreadPool(readers);
            List<java.util.concurrent.Future<?>> reads = new ArrayList<>();
            for (int i = 0; i < readers; i++) {
                reads.add(pool.submit(() -> db.jdbi().useHandle(h -> { // a slow read: a handle held open
                    h.select("SELECT count(*) FROM t").mapTo(Long.class).one();
                    holding.countDown();
                    try {
                        release.await();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                })));
            }
            assertTrue(holding.await(10, TimeUnit.SECONDS), "every reader connection is taken");
            long start = System.nanoTime();
            db.write(h -> h.execute("INSERT INTO t VALUES (1)"));
            long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            release.countDown();
            pool.shutdown();
            assertTrue(pool.awaitTermination(20, TimeUnit.SECONDS));
            assertTrue(millis < 1_000, "the write committed in " + millis + " ms");
            assertEquals(1L, (long) db.jdbi().withHandle(h -> h.select("SELECT count(*) FROM t").mapTo(Long.class).one()));
        }
    }
}
