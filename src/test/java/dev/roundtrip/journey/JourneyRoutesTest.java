package dev.roundtrip.journey;

import static dev.roundtrip.TestApps.json;
import static dev.roundtrip.TestApps.postJson;
import static dev.roundtrip.TestApps.send;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.roundtrip.TestApps;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JourneyRoutesTest {

    @TempDir
    Path dataDir;

    @Test
    void calledDirectlyItSaysNoEdgeWasCrossed() {
        TestApps.run(dataDir, (server, client) -> {
            postJson(client, "/api/notes", "{\"title\":\"one\"}");
            JsonNode journey = json(client.get("/api/journey"));
            assertFalse(journey.get("viaEdge").asBoolean());
            assertTrue(journey.get("edge").isNull());
            assertEquals(JourneyRoutes.NO_EDGE, journey.get("note").asText());
            assertEquals("127.0.0.1", journey.get("client").get("address").asText());
            assertEquals("HTTP/1.1", journey.get("proxyHop").get("httpVersion").asText());
            assertEquals("127.0.0.1:" + server.port(), journey.get("proxyHop").get("appAddress").asText());
            assertEquals("GET /api/journey", journey.get("app").get("handler").asText());
            assertTrue(journey.get("app").get("server").asText().startsWith("Jetty 12."));
            assertTrue(journey.get("app").get("framework").asText().startsWith("Javalin 7."));
            assertTrue(journey.get("app").get("instance").asText().matches(".+:" + server.port() + "/" + ProcessHandle.current().pid()),
                    "host:port/pid names this app server: " + journey.get("app").get("instance"));
            JsonNode db = journey.get("database");
            if (TestApps.onPostgres()) {
                assertEquals("PostgreSQL", db.get("engine").asText());
                assertTrue(db.get("version").asText().matches("\\d+\\.\\d+.*"), db.get("version").asText());
                assertTrue(db.get("journalMode").asText().startsWith("wal (wal_level="), db.get("journalMode").asText());
                assertEquals("synchronous_commit=on", db.get("synchronous").asText());
            } else {
                assertEquals("SQLite", db.get("engine").asText());
                assertEquals("wal", db.get("journalMode").asText());
                assertEquals("NORMAL", db.get("synchronous").asText());
                assertTrue(db.get("version").asText().matches("3\\.\\d+\\.\\d+"));
            }
            assertEquals(1, db.get("rows").asInt(), "a real count of the notes table");
            assertTrue(journey.get("timings").get("edgeMicros").isNull());
        });
    }

    @Test
    void edgeFactsComeFromTheHeadersNginxSets() {
        TestApps.run(dataDir, (server, client) -> {
            JsonNode journey = json(send(client, "GET", "/api/journey", null,
                    "X-Real-IP", "203.0.113.9", "X-Edge-Client-Port", "50123", "X-Forwarded-Proto", "https",
                    "X-Forwarded-HTTP-Version", "HTTP/2.0", "X-Forwarded-TLS", "TLSv1.3",
                    "X-Edge-TLS-Cipher", "TLS_AES_128_GCM_SHA256", "X-Edge-SNI", "localhost", "X-Edge-Port", "8443",
                    "X-Edge-Connection-Requests", "3", "X-Edge-Msec", "1764000000.250", "X-Edge-Request-Time", "0.002"));
            assertTrue(journey.get("viaEdge").asBoolean());
            assertEquals("203.0.113.9", journey.get("client").get("address").asText());
            assertEquals(50123, journey.get("client").get("port").asInt());
            JsonNode edge = journey.get("edge");
            assertEquals("HTTP/2.0", edge.get("httpVersion").asText());
            assertEquals("TLSv1.3", edge.get("tlsProtocol").asText());
            assertEquals(8443, edge.get("listenPort").asInt());
            assertEquals("2025-11-24T16:00:00.248Z", edge.get("receivedAt").asText()); // $msec − $request_time
            assertEquals(2000, journey.get("timings").get("edgeMicros").asLong());
            assertEquals(journey.get("requestId"), edge.get("requestId"));
        });
    }
}
