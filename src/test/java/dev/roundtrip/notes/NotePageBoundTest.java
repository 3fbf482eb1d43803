package dev.roundtrip.notes;

import static dev.roundtrip.TestApps.json;
import static dev.roundtrip.TestApps.postJson;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.roundtrip.TestApps;
import io.javalin.testtools.HttpClient;
import io.javalin.testtools.Response;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A page is bounded in characters as well as in notes, on every query shape, and paging still visits every note once. */
class NotePageBoundTest {

    private static final int BIG = 30_000;

    @TempDir
    Path dataDir;

    @Test
    void pagesOfBigNotesAreCutByCharactersAndStillVisitEveryNoteOnce() {
        TestApps.run(dataDir, (server, client) -> {
            List<Long> created = new ArrayList<>();
            for (int i = 0; i < 14; i++) { // one note of the full size among notes of a third of the budget, and small ones
                int length = i == 5 ? NoteInput.MAX_BODY : i % 4 == 3 ? 10 : BIG;
                String body = "zebra " + "x".repeat(length - 6);
                created.add(json(postJson(client, "/api/notes",
                        "{\"title\":\"n" + i + "\",\"body\":\"" + body + "\",\"tags\":[\"big\"]}")).get("id").asLong());
            }
            List<Long> newestFirst = new ArrayList<>(created);
            Collections.reverse(newestFirst);
            for (String shape : List.of("", "&tag=big", "&q=zebra", "&q=ze", "&q=zebra&tag=big")) {
                assertEquals(newestFirst, visitAll(client, "/api/notes?limit=100" + shape), shape);
            }
        });
    }

    @Test
    void aPageOfSmallNotesHoldsLimitNotes() {
        TestApps.run(dataDir, (server, client) -> {
            insertNotes(dataDir, 120, 10);
            JsonNode page = json(client.get("/api/notes?limit=100"));
            assertEquals(100, page.get("items").size());
            assertTrue(page.get("nextCursor").isTextual());
            assertEquals(20, json(client.get("/api/notes?limit=100&cursor=" + page.get("nextCursor").asText())).get("items").size());
        });
    }

    @Test
    void parallelListsOfFullSizeNotesAnswerBoundedPages() throws Exception {
        TestApps.run(dataDir, (server, client) -> {
            insertNotes(dataDir, 100, NoteInput.MAX_BODY);
            ExecutorService pool = Executors.newFixedThreadPool(8);
            try {
                List<Future<Response>> answers = new ArrayList<>();
                for (int i = 0; i < 8; i++) {
                    answers.add(pool.submit(() -> client.get("/api/notes?limit=100")));
                }
                for (Future<Response> answer : answers) {
                    Response response = answer.get();
                    assertEquals(200, response.code());
                    byte[] body = response.body().string().getBytes(java.nio.charset.StandardCharsets.UTF_8);
                    JsonNode page = TestApps.JSON.readTree(body);
                    assertEquals(1, page.get("items").size()); // 100 notes of 100 000 characters were ~10 MB
                    assertTrue(body.length < 110_000, "answer of " + body.length + " bytes");
                }
            } finally {
                pool.shutdownNow();
            }
        });
    }

    /** Follows nextCursor to the end; checks each page's bound; returns the ids in the order seen. */
    private static List<Long> visitAll(HttpClient client, String first) throws Exception {
        List<Long> seen = new ArrayList<>();
        String cursor = null;
        do {
            JsonNode page = json(client.get(first + (cursor == null ? "" : "&cursor=" + cursor)));
            long chars = 0;
            for (JsonNode item : page.get("items")) {
                seen.add(item.get("id").asLong());
                chars += item.get("title").asText().length() + item.get("body").asText().length();
            }
            assertTrue(page.get("items").size() == 1 || chars <= NoteRepository.PAGE_CHARS, chars + " characters in a page");
            cursor = page.get("nextCursor").isNull() ? null : page.get("nextCursor").asText();
        } while (cursor != null);
        return seen;
    }

    /** {@code count} notes of {@code length} body characters, straight into the store (faster than the API). */
    static void insertNotes(Path dataDir, int count, int length) throws Exception {
        String body = TestApps.onPostgres() ? "repeat('x', " + length + ")" : "replace(hex(zeroblob(" + length / 2 + ")), '0', 'x')";
        String numbers = TestApps.onPostgres() ? "generate_series(1, " + count + ") AS n(i)"
                : "(WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < " + count + ") SELECT i FROM n)";
        TestApps.execute(dataDir, "INSERT INTO notes (title, body, tags, created_at, updated_at, version)"
                + " SELECT 'note ' || i, " + body + ", '[]', '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z', 1 FROM " + numbers);
    }
}
