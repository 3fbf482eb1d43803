package dev.roundtrip.notes;

import static dev.roundtrip.TestApps.countRows;
import static dev.roundtrip.TestApps.header;
import static dev.roundtrip.TestApps.json;
import static dev.roundtrip.TestApps.postJson;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.roundtrip.TestApps;
import io.javalin.testtools.Response;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A client may retry a create after a timeout without making a second note. */
class IdempotencyTest {

    @TempDir
    Path dataDir;

    @Test
    void retryWithTheSameKeyAndBodyReturnsTheFirstResultAndCreatesNothing() {
        TestApps.run(dataDir, (server, client) -> {
            String body = "{\"title\":\"pay once\",\"tags\":[\"x\"]}";
            Response first = postJson(client, "/api/notes", body, "Idempotency-Key", "key-1");
            assertEquals(201, first.code());
            assertNull(header(first, "Idempotent-Replayed"));
            Response retry = postJson(client, "/api/notes", "{ \"tags\": [\"x\"], \"title\": \"pay once\" }",
                    "Idempotency-Key", "key-1");
            assertEquals(201, retry.code());
            assertEquals("true", header(retry, "Idempotent-Replayed"));
            assertEquals(json(first), json(retry));
            assertEquals(header(first, "Location"), header(retry, "Location"));
            assertEquals(header(first, "ETag"), header(retry, "ETag"));
        });
        assertEquals(1, countRows(dataDir, "notes"));
    }

    @Test
    void sameKeyWithOtherContentIs422AndCreatesNothing() {
        TestApps.run(dataDir, (server, client) -> {
            assertEquals(201, postJson(client, "/api/notes", "{\"title\":\"a\"}", "Idempotency-Key", "k").code());
            Response reused = postJson(client, "/api/notes", "{\"title\":\"b\"}", "Idempotency-Key", "k");
            assertEquals(422, reused.code());
            assertEquals("/problems/idempotency-key-reused", json(reused).get("type").asText());
            assertEquals(201, postJson(client, "/api/notes", "{\"title\":\"b\"}", "Idempotency-Key", "k2").code());
        });
        assertEquals(2, countRows(dataDir, "notes"));
    }

    @Test
    void badKeyIs400() {
        TestApps.run(dataDir, (server, client) -> {
            Response res = postJson(client, "/api/notes", "{\"title\":\"a\"}", "Idempotency-Key", "has spaces");
            assertEquals(400, res.code());
            assertEquals("Idempotency-Key", json(res).get("errors").get(0).get("field").asText());
        });
        assertEquals(0, countRows(dataDir, "notes"));
    }

    @Test
    void concurrentRetriesWithOneKeyCreateExactlyOneNote() {
        TestApps.run(dataDir, (server, client) -> {
            ExecutorService pool = Executors.newFixedThreadPool(8);
            List<Future<Response>> responses = new ArrayList<>();
            for (int i = 0; i < 16; i++) {
                responses.add(pool.submit(() -> postJson(client, "/api/notes", "{\"title\":\"once\"}", "Idempotency-Key", "race")));
            }
            Set<String> locations = new HashSet<>();
            for (Future<Response> response : responses) {
                assertEquals(201, response.get().code());
                locations.add(header(response.get(), "Location"));
            }
            pool.shutdown();
            assertEquals(1, locations.size());
        });
        assertEquals(1, countRows(dataDir, "notes"));
        assertEquals(1, countRows(dataDir, "idempotency_keys"));
    }
}
