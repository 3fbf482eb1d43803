package dev.roundtrip.journey;

import static dev.roundtrip.TestApps.json;
import static dev.roundtrip.TestApps.postJson;
import static dev.roundtrip.TestApps.send;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.roundtrip.TestApps;
import dev.roundtrip.TestSessions;
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
            String instance = journey.get("app").get("instance").asText();
            assertTrue(instance.matches("[0-9a-f]{8}:" + server.port()), "random id and port name this app server: " + instance);
            assertFalse(instance.contains(String.valueOf(ProcessHandle.current().pid())), "no process id: " + instance);
            assertEquals(instance, json(client.get("/api/journey")).get("app").get("instance").asText(), "the same for every request");
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
            assertEquals("none", journey.get("identity").get("credential").asText(), "reading is anonymous");
            assertTrue(journey.get("identity").get("result").asText().startsWith("anonymous"), journey.get("identity").toString());
        });
    }

    @Test
    void whoYouAreNamesTheUserABearerTokenProvesAndNeverShowsTheToken() {
        TestApps.run(dataDir, (server, client) -> {
            String authorization = TestSessions.bearer(client);
            var res = send(client, "GET", "/api/journey", null, "Authorization", authorization);
            assertFalse(res.body().string().contains(authorization.substring("Bearer ".length())), "never the token");
            JsonNode identity = json(res).get("identity");
            assertEquals("bearer", identity.get("credential").asText());
            assertEquals("signed in as " + TestSessions.USERNAME, identity.get("result").asText());
            assertTrue(identity.get("checkedBy").asText().contains("SHA-256"), identity.toString());
            assertTrue(identity.get("lookupMicros").asLong() >= 0, identity.toString());

            String forged = "Bearer " + "A".repeat(43);
            JsonNode refused = json(send(client, "GET", "/api/journey", null, "Authorization", forged)).get("identity");
            assertEquals("bearer", refused.get("credential").asText());
            assertTrue(refused.get("result").asText().startsWith("refused: "), refused.toString());
            assertFalse(refused.toString().contains("A".repeat(43)), "not even a forged one");
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

    @Test
    void twoAppServersOnOnePortRangeHaveDifferentInstanceIds() {
        Path other = dataDir.resolve("other");
        TestApps.run(dataDir, (server, client) -> TestApps.run(other, (server2, client2) -> {
            String first = json(client.get("/api/journey")).get("app").get("instance").asText();
            String second = json(client2.get("/api/journey")).get("app").get("instance").asText();
            assertNotEquals(first.substring(0, 8), second.substring(0, 8));
        }));
    }

    /** Called directly anyone can send these; issue 17: X-Edge-Msec: 1e12 answered 500 (a duration overflowed). */
    @Test
    void edgeHeadersOutOfRangeOrNotNginxsFormatCountAsNotGiven() {
        String[] numbers = {"1e12", "NaN", "Infinity", "-Infinity", "-1", "999999999999999999999", "9".repeat(7_000),
            "1764000000.2500", "1764000000.", ".5", "+1764000000", "0x10", "1764000000,250", "", " ",
            "1.0E9", "4102444800.001", "946684799.999", "1764000000.2\t5", "\u00b9764000000"};
        TestApps.run(dataDir, (server, client) -> {
            for (String n : numbers) {
                String label = n.length() > 30 ? n.length() + " characters" : n;
                var res = send(client, "GET", "/api/journey", null, "X-Edge-Msec", n, "X-Edge-Request-Time", n,
                        "X-Edge-Client-Port", n, "X-Edge-Port", n, "X-Edge-Connection-Requests", n);
                assertEquals(200, res.code(), label);
                JsonNode journey = json(res);
                assertTrue(journey.get("viaEdge").asBoolean(), label);
                assertTrue(journey.get("edge").get("receivedAt").isNull(), label);
                assertTrue(journey.get("edge").get("listenPort").isNull(), label);
                assertTrue(journey.get("client").get("port").isNull(), label);
                assertTrue(journey.get("timings").get("edgeMicros").isNull(), label);
                assertTrue(journey.get("timings").get("proxyHopMicros").isNull(), label);
                assertTrue(journey.toString().length() < 4_000, label);
            }
            assertEquals(200, send(client, "GET", "/api/journey", null, "X-Edge-Msec", "9".repeat(30_000)).code());
            assertEquals(65535, json(send(client, "GET", "/api/journey", null, "X-Edge-Msec", "1764000000.250",
                    "X-Edge-Port", "65535")).get("edge").get("listenPort").asInt());
            assertTrue(json(send(client, "GET", "/api/journey", null, "X-Edge-Msec", "1764000000.250",
                    "X-Edge-Port", "65536")).get("edge").get("listenPort").isNull());
        });
    }

    @Test
    void edgeTextIsCutShortAndAForgedClientAddressIsNotShown() {
        String huge = "x".repeat(7_000); // five of them stay under the 40 KiB of headers the app accepts
        TestApps.run(dataDir, (server, client) -> {
            var res = send(client, "GET", "/api/journey", null, "X-Edge-Msec", "1764000000.250", "X-Real-IP", "1.2.3.4 forged",
                    "X-Forwarded-Proto", huge, "X-Forwarded-HTTP-Version", huge, "X-Forwarded-TLS", huge,
                    "X-Edge-TLS-Cipher", huge, "X-Edge-SNI", huge);
            assertEquals(200, res.code());
            JsonNode journey = json(res);
            assertTrue(journey.toString().length() < 4_000, "answer of " + journey.toString().length());
            assertTrue(journey.get("client").get("address").isNull());
            assertEquals(256, journey.get("edge").get("tlsCipher").asText().length(), "255 characters and …");
        });
    }
}
