package dev.roundtrip.db;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.roundtrip.Config;
import java.io.IOException;
import java.io.OutputStream;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Readiness on a real SQLite file that is broken under the running app, then mended, without a restart. */
class SqliteReadinessTest {

    private static final Duration BOUND = Duration.ofSeconds(1);

    @TempDir
    Path dir;

    @Test
    void aDeletedFileIsNotReadyAndThePutBackFileIsReadyAgain() throws IOException {
        Path file = dir.resolve("roundtrip.db");
        try (Database db = open(file)) {
            assertReady(db);
            Path away = dir.resolve("moved-away.db");
            Files.move(file, away);
            assertNotReady(db, "missing");
            Files.move(away, file);
            assertReady(db);
        }
    }

    @Test
    void aFileReplacedUnderTheAppIsNotReady() throws IOException {
        Path file = dir.resolve("roundtrip.db");
        try (Database db = open(file)) {
            Path copy = dir.resolve("copy.db");
            Files.copy(file, copy);
            Files.move(copy, file, StandardCopyOption.REPLACE_EXISTING); // a new inode at the same path
            assertNotReady(db, "replaced");
        }
    }

    @Test
    void garbageOverTheHeaderIsNotReadyAndTheMendedFileIsReadyAgain() throws IOException {
        Path file = dir.resolve("roundtrip.db");
        try (Database db = open(file)) {
            byte[] original = new byte[100];
            try (RandomAccessFile raw = new RandomAccessFile(file.toFile(), "rw")) {
                raw.readFully(original);
                raw.seek(0);
                raw.write("this is not a database at all, just garbage written over the header....".getBytes());
            }
            assertNotReady(db, "corrupt");
            try (RandomAccessFile raw = new RandomAccessFile(file.toFile(), "rw")) {
                raw.write(original);
            }
            assertReady(db);
        }
    }

    @Test
    void anotherProcessHoldingTheWriteLockIsNotReadyUntilItLetsGo() throws Exception {
        Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/bin/sqlite3")), "needs the sqlite3 command");
        Path file = dir.resolve("roundtrip.db");
        try (Database db = open(file)) {
            db.write(h -> h.execute("INSERT INTO notes (title, body, tags, created_at, updated_at, version)"
                    + " VALUES ('a', '', '[]', '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z', 1)"));
            Process sqlite3 = new ProcessBuilder("/usr/bin/sqlite3", file.toString()).redirectErrorStream(true).start();
            try {
                OutputStream in = sqlite3.getOutputStream();
                // In WAL mode the write lock is what another process can hold against a running app (locking_mode=
                // EXCLUSIVE cannot even start while the app's connections are open: SQLITE_BUSY): every write waits.
                in.write(".timeout 5000\nBEGIN EXCLUSIVE;\nSELECT 'locked';\n".getBytes());
                in.flush(); // stdin stays open: the process keeps its lock until we end it
                var out = new java.io.BufferedReader(new java.io.InputStreamReader(sqlite3.getInputStream()));
                assertEquals("locked", out.readLine(), "BEGIN EXCLUSIVE went through");
                assertNotReady(db, "locked");
            } finally {
                sqlite3.destroy();
                assertTrue(sqlite3.waitFor(10, TimeUnit.SECONDS));
            }
            assertReady(db);
        }
    }

    private static Database open(Path file) {
        return Database.open(file, Config.Synchronous.NORMAL);
    }

    private static void assertReady(Database db) {
        Database.Readiness readiness = db.readiness(BOUND);
        assertTrue(readiness.ready(), "ready, but: " + readiness.reason());
    }

    private static void assertNotReady(Database db, String reason) {
        Database.Readiness readiness = db.readiness(BOUND);
        assertFalse(readiness.ready(), "not ready");
        assertTrue(readiness.reason().contains(reason), readiness.reason());
    }
}
