package dev.roundtrip.db;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The app in the heap it is deployed with (64 MB, serial GC, exit on OutOfMemoryError) survives parallel lists of
 * full-size notes: pages are bounded in characters (notes/NoteRepository), so no answer holds 100 notes of 100 000.
 */
class LongNotesHeapTest {

    private static final String DEPLOYED_JVM = "-XX:+UseSerialGC -Xss512k -XX:+ExitOnOutOfMemoryError";

    @TempDir
    Path dataDir;

    @Test
    void eightParallelListsOfFullSizeNotesLeaveTheAppIn64MbAlive() throws Exception {
        try (ChildApp app = ChildApp.start(dataDir, Map.of("JAVA_TOOL_OPTIONS", DEPLOYED_JVM))) {
            try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + dataDir.resolve("roundtrip.db"));
                 Statement s = c.createStatement()) {
                s.execute("INSERT INTO notes (title, body, tags, created_at, updated_at, version)"
                        + " WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 100)"
                        + " SELECT 'note ' || i, replace(hex(zeroblob(50000)), '0', 'x'), '[]',"
                        + " '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z', 1 FROM n");
            }
            HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
            HttpRequest list = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + app.port + "/api/notes?limit=100"))
                    .timeout(Duration.ofSeconds(60)).build();
            for (int round = 0; round < 3; round++) {
                List<CompletableFuture<HttpResponse<byte[]>>> answers = new ArrayList<>();
                for (int i = 0; i < 8; i++) {
                    answers.add(client.sendAsync(list, HttpResponse.BodyHandlers.ofByteArray()));
                }
                for (CompletableFuture<HttpResponse<byte[]>> answer : answers) {
                    HttpResponse<byte[]> response;
                    try {
                        response = answer.join();
                    } catch (java.util.concurrent.CompletionException e) { // before the bound: OutOfMemoryError, exit
                        throw new AssertionError("the app died: " + e.getCause() + "\n" + app.output(), e);
                    }
                    assertEquals(200, response.statusCode(), () -> new String(response.body(), java.nio.charset.StandardCharsets.UTF_8));
                    assertTrue(response.body().length < 110_000, "answer of " + response.body().length + " bytes");
                }
            }
            assertEquals(201, app.createNote("still alive"), app.output());
        }
    }
}
