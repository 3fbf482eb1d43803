package dev.roundtrip;

import static dev.roundtrip.TestApps.header;
import static dev.roundtrip.TestApps.json;
import static dev.roundtrip.TestApps.postJson;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.server.handler.StatisticsHandler;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Starting, stopping and starting again: nothing in flight is cut off, nothing stored is lost. */
class LifecycleTest {

    @TempDir
    Path dataDir;

    @Test
    void restartedAppOnTheSameDataDirStillHasTheData() {
        String[] location = new String[1];
        TestApps.run(dataDir, (server, client) ->
                location[0] = header(postJson(client, "/api/notes", "{\"title\":\"survives restarts\"}"), "Location"));
        TestApps.run(dataDir, (server, client) ->
                assertEquals("survives restarts", json(client.get(location[0])).get("title").asText()));
    }

    @Test
    void requestInFlightWhenTheAppStopsStillCompletes() throws Exception {
        App app = App.create(TestApps.config(dataDir)).start();
        HttpClient http = HttpClient.newHttpClient();
        CompletableFuture<HttpResponse<String>> inFlight;
        CompletableFuture<Void> stopping;
        try (Connection blocker = DriverManager.getConnection("jdbc:sqlite:" + dataDir.resolve("roundtrip.db"))) {
            // Hold SQLite's write lock so the POST below waits inside the app (busy_timeout is 5 s).
            blocker.createStatement().execute("BEGIN IMMEDIATE");
            inFlight = http.sendAsync(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + app.port() + "/api/notes"))
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString("{\"title\":\"in flight\"}")).build(),
                    HttpResponse.BodyHandlers.ofString());
            StatisticsHandler stats = app.javalin().jettyServer().server().getDescendant(StatisticsHandler.class);
            await(() -> stats.getRequestsActive() == 1, "the POST to reach the app");

            stopping = CompletableFuture.runAsync(app::stop);
            await(() -> !app.javalin().jettyServer().server().isRunning(), "the server to begin stopping");
            assertFalse(stopping.isDone(), "stop() must wait for the request in flight");
            blocker.createStatement().execute("ROLLBACK"); // let the POST finish
        }
        HttpResponse<String> response = inFlight.get(10, TimeUnit.SECONDS);
        assertEquals(201, response.statusCode(), response.body());
        stopping.get(15, TimeUnit.SECONDS);
        assertEquals(1, TestApps.countRows(dataDir, "notes"));
    }

    private static void await(java.util.function.BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (!condition.getAsBoolean()) {
            assertTrue(System.nanoTime() < deadline, "timed out waiting for " + what);
            Thread.sleep(10);
        }
    }
}
