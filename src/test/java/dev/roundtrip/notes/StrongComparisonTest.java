package dev.roundtrip.notes;

import static dev.roundtrip.TestApps.header;
import static dev.roundtrip.TestApps.postJson;
import static dev.roundtrip.TestApps.putJson;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.roundtrip.TestApps;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** An entity-tag matches only in the exact form this app hands out (RFC 9110 §8.8.3.2: same octets). */
class StrongComparisonTest {

    @TempDir
    Path dataDir;

    private static final String[] LOOK_ALIKES = {"\"1.+1\"", "\"1.01\"", "\"1.0001\"", "\"01.1\"", "\"+1.1\"",
        "\"1.1.\"", "W/\"1.01\""};

    @Test
    void ifMatchWithAnotherSpellingOfTheVersionIs412AndChangesNothing() {
        TestApps.run(dataDir, (server, client) -> {
            postJson(client, "/api/notes", "{\"title\":\"v1\"}");
            for (String tag : LOOK_ALIKES) {
                assertEquals(412, putJson(client, "/api/notes/1", "{\"title\":\"v2\"}", "If-Match", tag).code(), tag);
                assertEquals(412, TestApps.send(client, "DELETE", "/api/notes/1", null, "If-Match", tag).code(), tag);
            }
            var current = client.get("/api/notes/1");
            assertEquals("\"1.1\"", header(current, "ETag"));
            assertEquals(200, putJson(client, "/api/notes/1", "{\"title\":\"v2\"}", "If-Match", "\"1.1\"").code());
        });
    }

    @Test
    void ifNoneMatchWithAnotherSpellingOfTheVersionIsAFull200() {
        TestApps.run(dataDir, (server, client) -> {
            postJson(client, "/api/notes", "{\"title\":\"v1\"}");
            for (String tag : LOOK_ALIKES) {
                assertEquals(200, client.get("/api/notes/1", b -> b.header("If-None-Match", tag)).code(), tag);
            }
            assertEquals(304, client.get("/api/notes/1", b -> b.header("If-None-Match", "W/\"1.1\"")).code());
        });
    }
}
