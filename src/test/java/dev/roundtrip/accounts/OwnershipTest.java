package dev.roundtrip.accounts;

import static dev.roundtrip.accounts.Api.PASSWORD;
import static dev.roundtrip.accounts.Api.bearer;
import static dev.roundtrip.accounts.Api.expect;
import static dev.roundtrip.accounts.Api.header;
import static dev.roundtrip.accounts.Api.json;
import static dev.roundtrip.accounts.Api.type;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.roundtrip.TestApps;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Only a note's owner changes it; the notes from before accounts belong to no one who can log in. */
class OwnershipTest {

    @TempDir
    Path dir;

    @Test
    void anotherUsersChangeIs403NamingTheOwnerAndComesBefore412() {
        Api.withApp(dir, api -> {
            String alice = api.newUser("alice");
            String bob = api.newUser("bob");
            HttpResponse<String> created = expect(201, api.post("/api/notes", "{\"title\":\"mine\"}", "Authorization", bearer(alice)));
            assertEquals("alice", json(created).get("owner").asText());
            String location = header(created, "Location");
            String etag = header(created, "ETag");
            String stale = etag.replace(".1\"", ".7\"");

            for (String[] ifMatch : new String[][] {{}, {"If-Match", etag}, {"If-Match", stale}}) {
                HttpResponse<String> put = api.send("PUT", location, "{\"title\":\"bob's now\"}", with(bearer(bob), ifMatch));
                assertEquals(403, put.statusCode(), put.body());
                assertEquals("/problems/not-owner", type(put));
                assertTrue(json(put).get("detail").asText().contains("alice"), put.body());
                HttpResponse<String> delete = api.send("DELETE", location, null, with(bearer(bob), ifMatch));
                assertEquals(403, delete.statusCode(), delete.body());
                assertEquals("/problems/not-owner", type(delete));
            }
            assertEquals("/problems/precondition-failed",
                    type(expect(412, api.send("PUT", location, "{\"title\":\"x\"}", "Authorization", bearer(alice), "If-Match", stale))));
            expect(412, api.send("DELETE", location, null, "Authorization", bearer(alice), "If-Match", stale));
            assertEquals("mine", json(expect(200, api.get(location))).get("title").asText());
            expect(200, api.send("PUT", location, "{\"title\":\"still mine\"}", "Authorization", bearer(alice), "If-Match", etag));
            expect(204, api.send("DELETE", location, null, "Authorization", bearer(alice)));
        });
        assertEquals(0, TestApps.countRows(dir, "notes"));
    }

    @Test
    void notesFromBeforeAccountsBelongToBeforeAccountsWhomNobodyCanBecome() {
        Api.withApp(dir, api -> {
            Api.execute(dir, "INSERT INTO notes (title, body, tags, created_at, updated_at, version) VALUES "
                    + "('old', '', '[]', '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z', 1)");
            String id = Api.value(dir, "SELECT id FROM notes");
            HttpResponse<String> old = expect(200, api.get("/api/notes/" + id));
            assertEquals("before-accounts", json(old).get("owner").asText());
            assertEquals("before-accounts", json(expect(200, api.get("/api/notes"))).path("items").path(0).path("owner").asText(),
                    "the list shows the owner too");

            String alice = api.newUser("alice");
            HttpResponse<String> put = expect(403, api.send("PUT", "/api/notes/" + id, "{\"title\":\"taken\"}", "Authorization", bearer(alice)));
            assertTrue(json(put).get("detail").asText().contains("before-accounts"), put.body());
            expect(403, api.send("DELETE", "/api/notes/" + id, null, "Authorization", bearer(alice)));

            for (String password : new String[] {PASSWORD, "x", "null"}) {
                assertEquals("/problems/login-failed", type(expect(401, api.logIn("before-accounts", password))));
            }
            assertEquals("/problems/username-taken", type(expect(409, api.register("before-accounts", PASSWORD))));
            expect(409, api.register("Before-Accounts", PASSWORD));
            assertEquals("old", json(expect(200, api.get("/api/notes/" + id))).get("title").asText());
        });
    }

    @Test
    void anIdempotencyKeyBelongsToTheUserWhoSentIt() {
        Api.withApp(dir, api -> {
            String alice = api.newUser("alice");
            String bob = api.newUser("bob");
            String body = "{\"title\":\"same\"}";
            HttpResponse<String> hers = expect(201, api.post("/api/notes", body, "Authorization", bearer(alice), "Idempotency-Key", "k-1"));
            HttpResponse<String> his = expect(201, api.post("/api/notes", body, "Authorization", bearer(bob), "Idempotency-Key", "k-1"));
            assertNull(header(his, "Idempotent-Replayed"), "bob's key is not alice's");
            assertNotEquals(json(hers).get("id"), json(his).get("id"));
            assertEquals("bob", json(his).get("owner").asText());
            HttpResponse<String> replay = expect(201, api.post("/api/notes", body, "Authorization", bearer(alice), "Idempotency-Key", "k-1"));
            assertEquals("true", header(replay, "Idempotent-Replayed"));
            assertEquals(json(hers).get("id"), json(replay).get("id"));
        });
        assertEquals(2, TestApps.countRows(dir, "notes"));
        assertEquals(2, TestApps.countRows(dir, "idempotency_keys"));
    }

    private static String[] with(String authorization, String[] more) {
        String[] headers = new String[2 + more.length];
        headers[0] = "Authorization";
        headers[1] = authorization;
        System.arraycopy(more, 0, headers, 2, more.length);
        return headers;
    }
}
