package dev.roundtrip.db;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.roundtrip.Config;
import java.nio.file.Path;
import java.time.Duration;
import java.sql.DriverManager;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GroupCommitTest {

    @TempDir
    Path dir;

    @Test
    void aFailingWriteIsUndoneAloneWhileTheRestOfItsBatchCommits() throws Exception {
        try (Database db = Database.open(dir.resolve("roundtrip.db"), Config.Synchronous.FULL)) {
            db.write(h -> h.execute("CREATE TABLE t (n INTEGER PRIMARY KEY)"));
            ExecutorService pool = Executors.newFixedThreadPool(16);
            List<Future<?>> results = new ArrayList<>();
            for (int i = 1; i <= 200; i++) {
                int n = i;
                results.add(pool.submit(() -> db.write(h -> {
                    h.execute("INSERT INTO t (n) VALUES (?)", n);
                    if (n % 5 == 0) {
                        throw new IllegalArgumentException("write " + n + " fails after inserting");
                    }
                    return n;
                })));
            }
            int failed = 0;
            for (Future<?> result : results) {
                try {
                    result.get(30, TimeUnit.SECONDS);
                } catch (java.util.concurrent.ExecutionException e) {
                    if (!(e.getCause() instanceof IllegalArgumentException)) {
                        throw e;
                    }
                    failed++;
                }
            }
            pool.shutdown();
            assertEquals(40, failed);
            assertEquals(160, count(db, "SELECT count(*) FROM t"));
            assertEquals(0, count(db, "SELECT count(*) FROM t WHERE n % 5 = 0"));
        }
    }

    @Test
    void aWriterHearsDoneOnlyAfterTheCommit() throws Exception {
        Path file = dir.resolve("roundtrip.db");
        try (Database db = Database.open(file, Config.Synchronous.NORMAL)) {
            db.write(h -> h.execute("CREATE TABLE t (n INTEGER)"));
            CompletableFuture<Integer> write;
            try (var blocker = DriverManager.getConnection("jdbc:sqlite:" + file)) {
                blocker.createStatement().execute("BEGIN IMMEDIATE"); // the writer cannot begin until we let go
                write = CompletableFuture.supplyAsync(() -> db.write(h -> h.execute("INSERT INTO t VALUES (1)")));
                assertThrows(java.util.concurrent.TimeoutException.class, () -> write.get(500, TimeUnit.MILLISECONDS));
                assertFalse(write.isDone());
                blocker.createStatement().execute("ROLLBACK");
            }
            assertEquals(1, write.get(10, TimeUnit.SECONDS));
            assertEquals(1, count(db, "SELECT count(*) FROM t"));
        }
    }

    @Test
    void aWriteThatWaitsPastItsBoundIsNeverMadeAndSaysSo() throws Exception {
        Path file = dir.resolve("roundtrip.db");
        try (Database db = Database.open(file, Config.Synchronous.NORMAL)) {
            db.write(h -> h.execute("CREATE TABLE t (n INTEGER)"));
        }
        try (GroupCommit writer = new GroupCommit(Jdbi.create("jdbc:sqlite:" + file), Duration.ofMillis(200))) {
            CountDownLatch started = new CountDownLatch(1);
            CountDownLatch release = new CountDownLatch(1);
            CompletableFuture<Integer> blocking = CompletableFuture.supplyAsync(() -> writer.write(h -> {
                started.countDown();
                await(release); // the writer is busy with this write for as long as the test wants
                return h.execute("INSERT INTO t VALUES (1)");
            }));
            assertTrue(started.await(5, TimeUnit.SECONDS));
            AtomicBoolean ran = new AtomicBoolean();
            assertThrows(NotWrittenException.class, () -> writer.write(h -> {
                ran.set(true);
                return h.execute("INSERT INTO t VALUES (2)");
            }));
            release.countDown();
            assertEquals(1, blocking.get(10, TimeUnit.SECONDS), "the write the writer had taken commits");
            writer.write(h -> h.execute("INSERT INTO t VALUES (3)")); // and the writer goes on
            assertFalse(ran.get(), "a cancelled write never runs");
            assertEquals(List.of(1, 3), Jdbi.create("jdbc:sqlite:" + file)
                    .withHandle(h -> h.select("SELECT n FROM t ORDER BY n").mapTo(Integer.class).list()));
            assertTrue(DatabaseErrors.refusal(new NotWrittenException("x")).orElseThrow().status() == 503);
        }
    }

    @Test
    void aWriteTheWriterTookBeforeItsBoundIsAnsweredWithItsCommitNotAnError() {
        Path file = dir.resolve("roundtrip.db");
        try (Database db = Database.open(file, Config.Synchronous.NORMAL)) {
            db.write(h -> h.execute("CREATE TABLE t (n INTEGER)"));
        }
        try (GroupCommit writer = new GroupCommit(Jdbi.create("jdbc:sqlite:" + file), Duration.ofMillis(100))) {
            int inserted = writer.write(h -> {
                await(new CountDownLatch(1), 500); // slower than the caller's bound, but already taken
                return h.execute("INSERT INTO t VALUES (1)");
            });
            assertEquals(1, inserted);
        }
    }

    private static void await(CountDownLatch latch) {
        await(latch, 10_000);
    }

    private static void await(CountDownLatch latch, long millis) {
        try {
            latch.await(millis, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static int count(Database db, String sql) {
        return db.jdbi().withHandle(h -> h.select(sql).mapTo(Integer.class).one());
    }
}
