package dev.roundtrip.notes;

import static dev.roundtrip.TestApps.json;
import static dev.roundtrip.TestApps.postJson;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.roundtrip.TestApps;
import io.javalin.testtools.Response;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Only a few searches run at once and a few wait; the surplus is refused 503, and reads by id are served meanwhile. */
class SearchGateTest {

    @TempDir
    Path dataDir;

    @Test
    void aSearchBeyondTheGatesSlotsIsRefusedAfterTheShortWait() throws Exception {
        SearchGate gate = new SearchGate(1, 1, Duration.ofMillis(50));
        CountDownLatch inside = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        ExecutorService pool = Executors.newSingleThreadExecutor();
        try {
            Future<String> first = pool.submit(() -> gate.run(() -> {
                inside.countDown();
                await(release);
                return "done";
            }));
            assertTrue(inside.await(5, TimeUnit.SECONDS));
            long start = System.nanoTime();
            SearchGate.Busy busy = assertThrows(SearchGate.Busy.class, () -> gate.run(() -> "never"));
            assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(2), "refused without a long wait");
            assertEquals(503, busy.status());
            assertEquals("/problems/too-many-searches", busy.type());
            release.countDown();
            assertEquals("done", first.get(5, TimeUnit.SECONDS));
            assertEquals("again", gate.run(() -> "again")); // the slot was given back
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void aSearchThatFindsTheWaitingRoomFullIsRefusedWithoutWaiting() throws Exception {
        SearchGate gate = new SearchGate(1, 0, Duration.ofSeconds(30)); // one slot, no waiting place
        CountDownLatch inside = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        ExecutorService pool = Executors.newSingleThreadExecutor();
        try {
            Future<String> first = pool.submit(() -> gate.run(() -> {
                inside.countDown();
                await(release);
                return "first";
            }));
            assertTrue(inside.await(5, TimeUnit.SECONDS));
            long start = System.nanoTime();
            assertThrows(SearchGate.Busy.class, () -> gate.run(() -> "never"));
            long millis = (System.nanoTime() - start) / 1_000_000;
            assertTrue(millis < 1_000, "refused at once, not after the 30 s wait: " + millis + " ms");
            release.countDown();
            assertEquals("first", first.get(5, TimeUnit.SECONDS));
            assertEquals("again", gate.run(() -> "again")); // both places were given back
        } finally {
            release.countDown();
            pool.shutdownNow();
        }
    }

    @Test
    void manySlowSearchesAtOnceLeaveReadsByIdServedAndTheSurplusIs503WithRetryAfter() {
        TestApps.run(dataDir, (server, client) -> {
            long id = json(postJson(client, "/api/notes", "{\"title\":\"still here\"}")).get("id").asLong();
            NotePageBoundTest.insertNotes(dataDir, 60_000, 1_000); // a short word scans every note: slow
            ExecutorService pool = Executors.newFixedThreadPool(12);
            try {
                List<Future<Response>> searches = new ArrayList<>();
                for (int i = 0; i < 12; i++) {
                    searches.add(pool.submit(() -> client.get("/api/notes?q=zq")));
                }
                for (int i = 0; i < 5; i++) {
                    long start = System.nanoTime();
                    assertEquals(200, client.get("/api/notes/" + id).code());
                    long millis = (System.nanoTime() - start) / 1_000_000;
                    assertTrue(millis < 5_000, "a read by id took " + millis + " ms"); // was 15 s behind 60 searches
                }
                int refused = 0;
                for (Future<Response> search : searches) {
                    Response response = search.get(60, TimeUnit.SECONDS);
                    assertTrue(List.of(200, 422, 503).contains(response.code()), "status " + response.code());
                    if (response.code() == 503) {
                        refused++;
                        JsonNode problem = json(response);
                        assertEquals("/problems/too-many-searches", problem.get("type").asText());
                        assertEquals("1", TestApps.header(response, "Retry-After"));
                    }
                }
                assertTrue(refused > 0, "no search was refused");
            } finally {
                pool.shutdownNow();
            }
        });
    }

    private static void await(CountDownLatch latch) {
        try {
            latch.await(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
