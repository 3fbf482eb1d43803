package dev.roundtrip.db;

import static dev.roundtrip.TestApps.header;
import static dev.roundtrip.TestApps.json;
import static dev.roundtrip.TestApps.postJson;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.roundtrip.TestApps;
import java.nio.file.Path;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
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
    void restoreRefusesWhileTheAppRunsAndBringsTheDataBackWhenStopped() throws Exception {
        String[] location = new String[1];
        Path[] copy = new Path[1];
        TestApps.run(dataDir, (server, client) -> {
            location[0] = header(postJson(client, "/api/notes", "{\"title\":\"keep me\"}"), "Location");
            copy[0] = Backup.backup(dataDir.resolve("roundtrip.db"));
            var running = assertThrows(IllegalStateException.class, () ->
                    Backup.restore(copy[0], otherDir.resolve("roundtrip.db"), "127.0.0.1", server.port()));
            assertTrue(running.getMessage().contains("stop it before restoring"));
        });
        TestApps.run(otherDir, (server, client) -> postJson(client, "/api/notes", "{\"title\":\"replaced\"}"));
        Backup.restore(copy[0], otherDir.resolve("roundtrip.db"), "127.0.0.1", 1);
        TestApps.run(otherDir, (server, client) -> {
            assertEquals("keep me", json(client.get(location[0])).get("title").asText());
            assertEquals(1, json(client.get("/api/notes")).get("items").size());
        });
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
