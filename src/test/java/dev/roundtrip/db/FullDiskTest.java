package dev.roundtrip.db;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.roundtrip.Config;
import dev.roundtrip.TestApps;
import io.javalin.testtools.Response;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real full disk: a small tmpfs mounted for the data directory (root only; skipped otherwise), filled to
 * the last byte. Writes then fail as "full" (507), store nothing, and succeed again once space is freed.
 */
class FullDiskTest {

    @TempDir
    Path dir;

    @Test
    void writesOnAFullDiskAreRefusedAsFullStoreNothingAndRecoverWhenSpaceReturns() throws Exception {
        Assumptions.assumeTrue("root".equals(System.getProperty("user.name")), "mounting a tmpfs needs root");
        Path data = Files.createDirectory(dir.resolve("data"));
        Assumptions.assumeTrue(run("mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", data.toString()) == 0, "mount failed");
        try (Database db = Database.open(data.resolve("roundtrip.db"), Config.Synchronous.FULL)) {
            db.write(h -> h.execute("CREATE TABLE t (b BLOB NOT NULL)"));
            db.write(h -> h.execute("INSERT INTO t VALUES (randomblob(1000))"));
            Path filler = data.resolve("filler");
            fill(filler);
            assertFalse(db.readiness(Duration.ofSeconds(1)).ready(), "a full disk is not ready");
            assertTrue(db.readiness(Duration.ofSeconds(1)).reason().contains("full"));
            RuntimeException refused = null;
            for (int i = 0; i < 20 && refused == null; i++) { // the -wal may have room left from earlier writes
                try {
                    db.write(h -> h.execute("INSERT INTO t VALUES (randomblob(200000))"));
                } catch (RuntimeException e) {
                    refused = e;
                }
            }
            if (refused == null) {
                fail("no write was refused on a full disk");
            }
            assertTrue(DatabaseErrors.isFull(refused), "full, not a bug: " + refused);
            assertEquals(507, DatabaseErrors.refusal(refused).orElseThrow().status());
            long stored = count(db);
            Files.delete(filler);
            db.write(h -> h.execute("INSERT INTO t VALUES (randomblob(1000))"));
            assertEquals(stored + 1, count(db), "the write after the failed one stores exactly itself");
            assertTrue(db.readiness(Duration.ofSeconds(1)).ready(), "ready again without a restart");
            assertEquals("ok", db.jdbi().withHandle(h -> h.select("PRAGMA integrity_check").mapTo(String.class).one()));
        } finally {
            run("umount", "-l", data.toString());
        }
    }

    @Test
    void throughTheAppAFullDiskIs507WithRetryAfterAndNeverA500() throws Exception {
        Assumptions.assumeTrue("root".equals(System.getProperty("user.name")), "mounting a tmpfs needs root");
        Assumptions.assumeFalse(TestApps.onPostgres(), "a SQLite data directory");
        Path data = Files.createDirectory(dir.resolve("data"));
        Assumptions.assumeTrue(run("mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", data.toString()) == 0, "mount failed");
        try {
            TestApps.run(data, (server, client) -> {
                String note = "{\"title\":\"big\",\"body\":\"" + "x".repeat(90_000) + "\"}";
                assertEquals(201, TestApps.postJson(client, "/api/notes", note).code());
                Path filler = data.resolve("filler");
                fill(filler);
                assertEquals(503, client.get("/api/ready").code(), "a full disk is not ready");
                int created = 1;
                Response refused = null;
                for (int i = 0; i < 20 && refused == null; i++) { // the -wal may have room left from earlier writes
                    Response res = TestApps.postJson(client, "/api/notes", note);
                    if (res.code() == 201) {
                        created++;
                    } else {
                        refused = res;
                    }
                }
                assertTrue(refused != null, "no write was refused on a full disk");
                assertEquals(507, refused.code());
                assertEquals("/problems/storage-full", TestApps.json(refused).get("type").asText());
                assertTrue(TestApps.header(refused, "Retry-After") != null);
                Files.delete(filler);
                assertEquals(201, TestApps.postJson(client, "/api/notes", note).code(), "writes again once space returns");
                assertEquals(created + 1, TestApps.countRows(data, "notes"), "the refused note was not half-written");
                assertEquals(200, client.get("/api/ready").code());
            });
        } finally {
            run("umount", "-l", data.toString());
        }
    }

    private static void fill(Path filler) {
        byte[] block = new byte[64 * 1024];
        try (OutputStream out = Files.newOutputStream(filler)) {
            while (true) {
                out.write(block);
            }
        } catch (IOException expected) { // ENOSPC: the disk is full
            // now it is
        }
    }

    private static long count(Database db) {
        return db.jdbi().withHandle(h -> h.select("SELECT count(*) FROM t").mapTo(Long.class).one());
    }

    private static int run(String... command) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(command).inheritIO().start();
        return process.waitFor(30, TimeUnit.SECONDS) ? process.exitValue() : -1;
    }
}
