package dev.roundtrip;

import static dev.roundtrip.TestApps.header;
import static dev.roundtrip.TestApps.json;
import static dev.roundtrip.TestApps.postJson;
import static dev.roundtrip.TestApps.putJson;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Many clients writing at once: SQLite's one write lock (or PostgreSQL's row locks) must make them wait, never fail.
 */
class ConcurrencyTest {

    static final int THREADS = 8;
    static final int CREATES_PER_THREAD = 25;
    static final int UPDATES_PER_THREAD = 25;

    @TempDir
    Path dataDir;

    @Test
    void concurrentCreatesAndUpdatesAllSucceedWithExactCounts() {
        TestApps.run(dataDir, (server, client) -> {
            String shared = header(postJson(client, "/api/notes", "{\"title\":\"counter\"}"), "Location");
            ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
            ExecutorService pool = Executors.newFixedThreadPool(THREADS);
            List<Future<Integer>> results = new ArrayList<>();
            for (int t = 0; t < THREADS; t++) {
                int thread = t;
                results.add(pool.submit(() -> {
                    int applied = 0;
                    for (int i = 0; i < CREATES_PER_THREAD; i++) {
                        var res = postJson(client, "/api/notes", "{\"title\":\"t" + thread + " n" + i + "\",\"tags\":[\"load\"]}");
                        if (res.code() != 201) {
                            failures.add("create " + res.code() + " " + res.body().string());
                        }
                    }
                    // unconditional updates of one shared row: every one must apply (version counts them)
                    for (int i = 0; i < UPDATES_PER_THREAD; i++) {
                        var res = putJson(client, shared, "{\"title\":\"counter\",\"body\":\"t" + thread + "\"}");
                        if (res.code() == 200) {
                            applied++;
                        } else {
                            failures.add("update " + res.code() + " " + res.body().string());
                        }
                    }
                    return applied;
                }));
            }
            int applied = 0;
            for (Future<Integer> result : results) {
                applied += result.get(60, TimeUnit.SECONDS);
            }
            pool.shutdown();
            assertTrue(failures.isEmpty(), () -> failures.size() + " failed, first: " + failures.peek());
            assertEquals(THREADS * UPDATES_PER_THREAD, applied);
            assertEquals(1 + THREADS * UPDATES_PER_THREAD, json(client.get(shared)).get("version").asInt());
        });
        assertEquals(1 + THREADS * CREATES_PER_THREAD, TestApps.countRows(dataDir, "notes"));
        assertEquals(THREADS * CREATES_PER_THREAD, TestApps.countRows(dataDir, "note_tags"));
    }
}
