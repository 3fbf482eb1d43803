package dev.roundtrip.db;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.roundtrip.Config;
import java.nio.file.Path;
import java.sql.DriverManager;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
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

    private static int count(Database db, String sql) {
        return db.jdbi().withHandle(h -> h.select(sql).mapTo(Integer.class).one());
    }
}
