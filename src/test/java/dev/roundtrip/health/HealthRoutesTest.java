package dev.roundtrip.health;

import static dev.roundtrip.TestApps.json;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.roundtrip.TestApps;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HealthRoutesTest {

    @TempDir
    Path dataDir;

    @Test
    void readyIs503WithTheReasonWhileTheStoreCannotBeReadAnd200OnceItIsMended() {
        TestApps.run(dataDir, (server, client) -> {
            Path file = dataDir.resolve("roundtrip.db");
            Path away = dataDir.resolve("moved-away.db");
            if (TestApps.onPostgres()) { // the probe reads the real notes table, so a missing table is not ready
                TestApps.execute(dataDir, "ALTER TABLE notes RENAME TO notes_away");
            } else {
                Files.move(file, away);
            }
            var broken = client.get("/api/ready");
            assertEquals(503, broken.code());
            String detail = json(broken).get("detail").asText();
            assertTrue(detail.contains(TestApps.onPostgres() ? "notes" : "missing"), detail);
            if (TestApps.onPostgres()) {
                TestApps.execute(dataDir, "ALTER TABLE notes_away RENAME TO notes");
            } else {
                Files.move(away, file);
            }
            assertEquals(200, client.get("/api/ready").code(), "ready again without a restart");
        });
    }

    @Test
    void healthSaysUpAndReadySaysReady() {
        TestApps.run(dataDir, (server, client) -> {
            var health = client.get("/api/health");
            assertEquals(200, health.code());
            assertEquals("{\"status\":\"up\"}", health.body().string());
            var ready = client.get("/api/ready");
            assertEquals(200, ready.code());
            assertEquals("ready", json(ready).get("status").asText());
        });
    }
}
