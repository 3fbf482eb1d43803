package dev.roundtrip.health;

import static dev.roundtrip.TestApps.json;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.roundtrip.TestApps;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HealthRoutesTest {

    @TempDir
    Path dataDir;

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
