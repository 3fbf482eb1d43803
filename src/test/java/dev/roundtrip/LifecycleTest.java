package dev.roundtrip;

import static dev.roundtrip.TestApps.header;
import static dev.roundtrip.TestApps.json;
import static dev.roundtrip.TestApps.postJson;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
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
        String authorization = TestSessions.signIn(app.port()); // before the writes are blocked: logging in writes too
        CompletableFuture<HttpResponse<String>> inFlight;
        CompletableFuture<Void> stopping;
        AutoCloseable blocker = TestApps.blockWrites(dataDir); // the POST below waits inside the app (for up to 5 s)
        try {
            inFlight = http.sendAsync(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + app.port() + "/api/notes"))
                    .header("Content-Type", "application/json").header("Authorization", authorization)
                    .POST(HttpRequest.BodyPublishers.ofString("{\"title\":\"in flight\"}")).build(),
                    HttpResponse.BodyHandlers.ofString());
            StatisticsHandler stats = app.javalin().jettyServer().server().getDescendant(StatisticsHandler.class);
            await(() -> stats.getRequestsActive() == 1, "the POST to reach the app");

            int port = app.port(); // a closed connector reports no port
            stopping = CompletableFuture.runAsync(app::stop);
            await(() -> refusesConnections(port), "the app to stop accepting connections");
            assertFalse(stopping.isDone(), "stop() must wait for the request in flight");
        } finally {
            blocker.close(); // let the POST finish
        }
        HttpResponse<String> response = inFlight.get(10, TimeUnit.SECONDS);
        assertEquals(201, response.statusCode(), response.body());
        stopping.get(15, TimeUnit.SECONDS);
        assertEquals(1, TestApps.countRows(dataDir, "notes"));
    }

    @Test
    void whileStoppingItServesOpenConnectionsWithConnectionCloseAndRefusesNewOnes() throws Exception {
        App app = App.create(TestApps.config(dataDir)).start();
        try (Socket kept = new Socket("127.0.0.1", app.port())) { // like Nginx's kept-alive upstream connection
            kept.setSoTimeout(10_000);
            BufferedReader in = new BufferedReader(new InputStreamReader(kept.getInputStream(), StandardCharsets.ISO_8859_1));
            OutputStream out = kept.getOutputStream();
            assertEquals("HTTP/1.1 200 OK", get(out, in).get(0));
            int port = app.port(); // a closed connector reports no port
            CompletableFuture<Void> stopping = CompletableFuture.runAsync(app::stop);
            await(() -> refusesConnections(port), "the app to stop accepting connections");
            List<String> answer = get(out, in); // the open connection is still served...
            assertEquals("HTTP/1.1 200 OK", answer.get(0));
            assertTrue(answer.stream().anyMatch(line -> line.equalsIgnoreCase("Connection: close")),
                    "...and told to close, so a proxy stops reusing it: " + answer);
            stopping.get(10, TimeUnit.SECONDS);
        }
    }

    /** GET /api/health on a raw connection; the status line and headers of the answer (its body is read and dropped). */
    private static List<String> get(OutputStream out, BufferedReader in) throws Exception {
        out.write("GET /api/health HTTP/1.1\r\nHost: localhost\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
        List<String> head = new ArrayList<>();
        for (String line = in.readLine(); line != null && !line.isEmpty(); line = in.readLine()) {
            head.add(line);
        }
        int length = head.stream().filter(l -> l.toLowerCase(Locale.ROOT).startsWith("content-length:"))
                .map(l -> Integer.parseInt(l.substring(15).strip())).findFirst().orElse(0);
        in.read(new char[length], 0, length);
        return head;
    }

    private static boolean refusesConnections(int port) {
        try (Socket ignored = new Socket("127.0.0.1", port)) {
            return false;
        } catch (IOException e) {
            return true;
        }
    }

    private static void await(java.util.function.BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (!condition.getAsBoolean()) {
            assertTrue(System.nanoTime() < deadline, "timed out waiting for " + what);
            Thread.sleep(10);
        }
    }
}
