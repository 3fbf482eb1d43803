package dev.roundtrip.db;

import static dev.roundtrip.TestApps.json;
import static dev.roundtrip.TestApps.postJson;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.roundtrip.App;
import dev.roundtrip.TestApps;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BackupTest {

    @TempDir
    Path dataDir;
    @TempDir
    Path otherDir;

    @Test
    void backupTakenDuringWritesHasEveryNoteCommittedBeforeItStarted() {
        TestApps.run(dataDir, (server, client) -> {
            for (int i = 0; i < 50; i++) {
                postJson(client, "/api/notes", "{\"title\":\"before " + i + "\"}");
            }
            AtomicBoolean writing = new AtomicBoolean(true);
            CompletableFuture<Integer> writer = CompletableFuture.supplyAsync(() -> {
                int written = 0;
                while (writing.get()) {
                    assertEquals(201, postJson(client, "/api/notes", "{\"title\":\"during\"}").code());
                    written++;
                }
                return written;
            });
            List<Long> acknowledged = committedIds();
            Path copy = Backup.backup(dataDir.resolve("roundtrip.db"));
            writing.set(false);
            assertTrue(writer.get() > 0, "the app kept serving writes during the backup");
            Backup.requireIntact(copy);
            Set<Long> inCopy = ids(copy);
            assertTrue(inCopy.containsAll(acknowledged), "every note committed before the backup is in it");
            assertTrue(copy.startsWith(dataDir.resolve("backups")));
        });
    }

    @Test
    void restoreRefusesWhileAnAppInAnotherProcessRunsOnAnyPortAndLeavesTheDatabaseAndItsWalUntouched() throws Exception {
        Path database = dataDir.resolve("roundtrip.db");
        Path copy;
        try (ChildApp app = ChildApp.start(dataDir, Map.of())) {
            assertEquals(201, app.createNote("keep me"));
            copy = Backup.backup(database); // online: the app keeps running
            assertEquals(201, app.createNote("after the backup"));
            assertTrue(Files.size(wal(database)) > 0, "the running app has commits in its -wal");
            String before = digest(database) + digest(wal(database));

            var refused = assertThrows(DataDirectoryLock.HeldException.class, () -> Backup.restore(copy, database));
            assertEquals("cannot restore into " + dataDir.toAbsolutePath() + ": " + lockFile() + " is locked by the app, pid "
                    + app.pid() + " on host " + InetAddress.getLocalHost().getHostName() + ", since ",
                    refused.getMessage().substring(0, refused.getMessage().indexOf(", since ") + 8));
            assertTrue(refused.getMessage().endsWith("; stop it before restoring (whatever port it listens on)"),
                    refused.getMessage());
            assertEquals(before, digest(database) + digest(wal(database)), "neither the database nor its -wal changed");
            assertEquals(201, app.createNote("still serving"));
        }
        Backup.restore(copy, database); // the app has stopped: its lock went with it
        assertFalse(Files.exists(wal(database)), "the old -wal is gone with the old database");
        TestApps.run(dataDir, (server, client) -> {
            var items = json(client.get("/api/notes")).get("items");
            assertEquals(1, items.size());
            assertEquals("keep me", items.get(0).get("title").asText());
        });
    }

    @Test
    void aSecondAppOnTheSameDataDirRefusesToStartWithOneLineNamingTheHolder() throws Exception {
        try (ChildApp first = ChildApp.start(dataDir, Map.of())) {
            var second = ChildApp.runToExit(dataDir, Map.of());
            assertEquals(2, second.getKey(), second.getValue());
            String line = "roundtrip: DATA_DIR " + dataDir.toAbsolutePath() + " is in use: " + lockFile()
                    + " is locked by the app, pid " + first.pid() + " on host ";
            assertTrue(second.getValue().contains(line), second.getValue());
            assertEquals(201, first.createNote("the first app is unharmed"));
        }
    }

    @Test
    void restoreAndBackupExcludeEachOtherButBackupsAndTheAppShareTheDirectory() throws Exception {
        TestApps.run(dataDir, (server, client) -> {
            postJson(client, "/api/notes", "{\"title\":\"one\"}");
            try (DataDirectoryLock backup = DataDirectoryLock.acquire(dataDir, DataDirectoryLock.Mode.BACKUP)) {
                Backup.backup(dataDir.resolve("roundtrip.db")); // a second backup beside the first and the app
            }
            var app = assertThrows(DataDirectoryLock.HeldException.class, () -> App.create(TestApps.config(dataDir)));
            assertTrue(app.getMessage().contains("is locked by the app, pid " + ProcessHandle.current().pid()), app.getMessage());
        });
        try (DataDirectoryLock backup = DataDirectoryLock.acquire(dataDir, DataDirectoryLock.Mode.BACKUP)) {
            var refused = assertThrows(DataDirectoryLock.HeldException.class,
                    () -> Backup.restore(otherDir.resolve("none.db"), dataDir.resolve("roundtrip.db")));
            assertEquals("cannot restore: a backup of " + dataDir.toAbsolutePath() + " is being written (it holds "
                    + lockFile() + "); wait for it to finish", refused.getMessage());
        }
        try (DataDirectoryLock restore = DataDirectoryLock.acquire(dataDir, DataDirectoryLock.Mode.RESTORE)) {
            var refused = assertThrows(DataDirectoryLock.HeldException.class, () -> Backup.backup(dataDir.resolve("roundtrip.db")));
            assertTrue(refused.getMessage().startsWith("cannot back up " + dataDir.toAbsolutePath() + ": " + lockFile()
                    + " is locked by make restore, pid "), refused.getMessage());
        }
    }

    private Path lockFile() {
        return dataDir.toAbsolutePath().resolve("roundtrip.lock");
    }

    private static Path wal(Path database) {
        return database.resolveSibling(database.getFileName() + "-wal");
    }

    private static String digest(Path file) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file)));
    }

    private List<Long> committedIds() throws Exception {
        return new ArrayList<>(ids(dataDir.resolve("roundtrip.db")));
    }

    private static Set<Long> ids(Path file) throws Exception {
        Set<Long> ids = new HashSet<>();
        try (var c = DriverManager.getConnection("jdbc:sqlite:" + file);
             ResultSet rs = c.createStatement().executeQuery("SELECT id FROM notes")) {
            while (rs.next()) {
                ids.add(rs.getLong(1));
            }
        }
        return ids;
    }
}
