package dev.roundtrip.notes;

import static dev.roundtrip.TestApps.countRows;
import static dev.roundtrip.TestApps.header;
import static dev.roundtrip.TestApps.json;
import static dev.roundtrip.TestApps.postJson;
import static dev.roundtrip.TestApps.putJson;
import static dev.roundtrip.TestApps.send;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.roundtrip.TestApps;
import dev.roundtrip.TestSessions;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NotesApiTest {

    @TempDir
    Path dataDir;

    @Test
    void createReturns201WithLocationEtagAndTheStoredNote() {
        TestApps.run(dataDir, (server, client) -> {
            var res = postJson(client, "/api/notes", "{\"title\":\"First\",\"body\":\"hello\",\"tags\":[\"a\",\"b-2\"]}");
            assertEquals(201, res.code());
            JsonNode note = json(res);
            long id = note.get("id").asLong();
            assertEquals("/api/notes/" + id, header(res, "Location"));
            assertEquals("\"" + id + ".1\"", header(res, "ETag"));
            assertEquals("First", note.get("title").asText());
            assertEquals("hello", note.get("body").asText());
            assertEquals("[\"a\",\"b-2\"]", note.get("tags").toString());
            assertEquals(1, note.get("version").asInt());
            assertEquals(TestSessions.USERNAME, note.get("owner").asText(), "the user whose session created it");
            assertTrue(note.get("createdAt").asText().matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d(\\.\\d+)?Z"));
            assertEquals(note.get("createdAt"), note.get("updatedAt"));

            var read = client.get("/api/notes/" + id);
            assertEquals(200, read.code());
            assertEquals(header(res, "ETag"), header(read, "ETag"));
            assertEquals(note, json(read));
        });
    }

    @Test
    void writesNeedASessionAndOnlyTheOwnerMayChangeOrDeleteANote() {
        TestApps.run(dataDir, (server, client) -> {
            var anonymous = postJson(client, "/api/notes", "{\"title\":\"nobody's\"}", "Authorization", null);
            assertEquals(401, anonymous.code());
            assertEquals("/problems/unauthenticated", json(anonymous).get("type").asText());
            assertEquals("Bearer realm=\"roundtrip\"", header(anonymous, "WWW-Authenticate"));
            assertEquals(0, countRows(dataDir, "notes"));

            var created = postJson(client, "/api/notes", "{\"title\":\"mine\"}");
            String path = header(created, "Location");
            String etag = header(created, "ETag");
            assertEquals(401, putJson(client, path, "{\"title\":\"x\"}", "Authorization", null).code());
            assertEquals(401, send(client, "DELETE", path, null, "Authorization", null).code());

            String other = TestSessions.bearer(client, "someone-else");
            var notOwner = putJson(client, path, "{\"title\":\"theirs now\"}", "Authorization", other, "If-Match", "\"1.9\"");
            assertEquals(403, notOwner.code(), "decided before the stale If-Match (412)");
            assertEquals("/problems/not-owner", json(notOwner).get("type").asText());
            assertTrue(json(notOwner).get("detail").asText().contains(TestSessions.USERNAME), json(notOwner).toString());
            assertEquals(403, send(client, "DELETE", path, null, "Authorization", other).code());

            assertEquals(etag, header(client.get(path), "ETag"), "neither the 401s nor the 403s changed it");
            assertEquals(TestSessions.USERNAME, json(client.get(path)).get("owner").asText());
            assertEquals(204, send(client, "DELETE", path, null).code(), "its owner may");
        });
    }

    @Test
    void koreanTextRoundTripsExactly() {
        String title = "백엔드는..? 요청을 받고 → 처리하고 → 응답하고";
        String body = "서버는 어떻게 요청이 도착한걸 인지하지..? 계속 뭔가 listening을 하는건가??? 😀\n탭\t끝";
        TestApps.run(dataDir, (server, client) -> {
            String input = TestApps.JSON.createObjectNode().put("title", title).put("body", body).toString();
            long id = json(postJson(client, "/api/notes", input)).get("id").asLong();
            JsonNode read = json(client.get("/api/notes/" + id));
            assertEquals(title, read.get("title").asText());
            assertEquals(body, read.get("body").asText());
        });
    }

    @Test
    void bodyAndTagsDefaultToEmpty() {
        TestApps.run(dataDir, (server, client) -> {
            JsonNode note = json(postJson(client, "/api/notes", "{\"title\":\"only a title\"}"));
            assertEquals("", note.get("body").asText());
            assertEquals(0, note.get("tags").size());
        });
    }

    @Test
    void matchingIfNoneMatchGives304WithoutBody() {
        TestApps.run(dataDir, (server, client) -> {
            var created = postJson(client, "/api/notes", "{\"title\":\"cache me\"}");
            String etag = header(created, "ETag");
            String path = header(created, "Location");
            var notModified = send(client, "GET", path, null, "If-None-Match", etag);
            assertEquals(304, notModified.code());
            assertEquals("", notModified.body().string());
            assertEquals(etag, header(notModified, "ETag"));
            assertEquals(304, send(client, "GET", path, null, "If-None-Match", "W/" + etag).code());
            assertEquals(200, send(client, "GET", path, null, "If-None-Match", "\"other\"").code());
        });
    }

    @Test
    void unknownNoteIs404Problem() {
        TestApps.run(dataDir, (server, client) -> {
            var res = client.get("/api/notes/999");
            assertEquals(404, res.code());
            assertEquals("application/problem+json", header(res, "Content-Type"));
            assertEquals(404, json(res).get("status").asInt());
            assertEquals(404, putJson(client, "/api/notes/999", "{\"title\":\"x\"}").code());
            assertEquals(404, send(client, "DELETE", "/api/notes/999", null).code());
        });
    }

    @Test
    void replaceWithCurrentEtagBumpsVersionAndEtag() {
        TestApps.run(dataDir, (server, client) -> {
            var created = postJson(client, "/api/notes", "{\"title\":\"v1\",\"tags\":[\"old\"]}");
            String path = header(created, "Location");
            var updated = putJson(client, path, "{\"title\":\"v2\",\"body\":\"new\",\"tags\":[\"new\"]}",
                    "If-Match", header(created, "ETag"));
            assertEquals(200, updated.code());
            JsonNode note = json(updated);
            assertEquals(2, note.get("version").asInt());
            assertEquals("v2", note.get("title").asText());
            assertEquals("[\"new\"]", note.get("tags").toString());
            assertNotEquals(header(created, "ETag"), header(updated, "ETag"));
            assertEquals(header(updated, "ETag"), header(client.get(path), "ETag"));
            assertEquals(0, json(client.get("/api/notes?tag=old")).get("items").size());
            assertEquals(1, json(client.get("/api/notes?tag=new")).get("items").size());
        });
    }

    @Test
    void staleIfMatchIsRejectedWith412AndNothingChanges() {
        TestApps.run(dataDir, (server, client) -> {
            var created = postJson(client, "/api/notes", "{\"title\":\"original\"}");
            String path = header(created, "Location");
            String firstEtag = header(created, "ETag");
            assertEquals(200, putJson(client, path, "{\"title\":\"second writer\"}", "If-Match", firstEtag).code());

            var stale = putJson(client, path, "{\"title\":\"lost update\"}", "If-Match", firstEtag);
            assertEquals(412, stale.code());
            assertEquals("/problems/precondition-failed", json(stale).get("type").asText());
            assertEquals("second writer", json(client.get(path)).get("title").asText());
            assertEquals(412, send(client, "DELETE", path, null, "If-Match", firstEtag).code());
            assertEquals(200, client.get(path).code());
        });
    }

    @Test
    void deleteReturns204AndTheNoteIsGone() {
        TestApps.run(dataDir, (server, client) -> {
            String path = header(postJson(client, "/api/notes", "{\"title\":\"bye\",\"tags\":[\"t\"]}"), "Location");
            assertEquals(204, send(client, "DELETE", path, null).code());
            assertEquals(404, client.get(path).code());
            assertEquals(404, send(client, "DELETE", path, null).code());
        });
        assertEquals(0, countRows(dataDir, "notes"));
        assertEquals(0, countRows(dataDir, "note_tags"));
    }

    @Test
    void nonNumericOrNegativeIdIs400() {
        TestApps.run(dataDir, (server, client) -> {
            for (String id : new String[] {"abc", "-1", "0", "1.5", "99999999999999999999", "9223372036854775808", "+1",
                "%D9%A3", "1e3", "0x1", "1%20", "%201", "1".repeat(19), "9".repeat(5_000)}) {
                var res = client.get("/api/notes/" + id);
                assertEquals(400, res.code(), id.length() > 30 ? id.length() + " digits" : id);
                assertEquals("id", json(res).get("errors").get(0).get("field").asText());
            }
        });
    }

    @Test
    void eighteenDigitIdsAndLeadingZerosAreIdsThatMayNotExist() {
        TestApps.run(dataDir, (server, client) -> {
            String path = header(postJson(client, "/api/notes", "{\"title\":\"one\"}"), "Location");
            assertEquals(200, client.get("/api/notes/00" + path.substring(path.lastIndexOf('/') + 1)).code());
            assertEquals(404, client.get("/api/notes/" + "9".repeat(18)).code());
        });
    }

    @Test
    void malformedIfMatchOrIfNoneMatchIs400NamingTheHeaderAndChangesNothing() {
        TestApps.run(dataDir, (server, client) -> {
            var created = postJson(client, "/api/notes", "{\"title\":\"original\"}");
            String path = header(created, "Location");
            String etag = header(created, "ETag");
            String[] malformed = {"x" + " ".repeat(7_000) + "x", etag.substring(1), etag + " " + etag, "W/ " + etag,
                "*, " + etag, etag + "," + ("\"" + "a".repeat(20) + "\",").repeat(70)};
            for (String value : malformed) {
                String label = value.length() > 30 ? value.substring(0, 10) + "… (" + value.length() + ")" : value;
                var put = putJson(client, path, "{\"title\":\"changed\"}", "If-Match", value);
                assertEquals(400, put.code(), label);
                assertEquals("If-Match", json(put).get("errors").get(0).get("field").asText(), label);
                assertEquals(400, send(client, "DELETE", path, null, "If-Match", value).code(), label);
                var get = send(client, "GET", path, null, "If-None-Match", value);
                assertEquals(400, get.code(), label);
                assertEquals("If-None-Match", json(get).get("errors").get(0).get("field").asText(), label);
            }
            assertEquals("original", json(client.get(path)).get("title").asText());
            assertEquals(200, putJson(client, path, "{\"title\":\"v2\"}", "If-Match", " , " + etag + " ,").code());
        });
    }

    @Test
    void idempotencyKeysAreBoundedBeforeTheyAreMatched() {
        TestApps.run(dataDir, (server, client) -> {
            for (String key : new String[] {"k".repeat(129), "k".repeat(30_000), "a b", "k\u00e9y"}) {
                var res = postJson(client, "/api/notes", "{\"title\":\"a\"}", "Idempotency-Key", key);
                assertEquals(400, res.code(), key.length() + " characters");
                assertEquals("Idempotency-Key", json(res).get("errors").get(0).get("field").asText());
            }
            assertEquals(201, postJson(client, "/api/notes", "{\"title\":\"a\"}", "Idempotency-Key", "k".repeat(128)).code());
        });
    }
}
