package dev.roundtrip.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * SIGTERM (what systemd, Docker and Kubernetes send) while requests are inside the app: the app stops
 * taking new connections but finishes every request it has, then exits. Through Nginx, over HTTP/2.
 */
class GracefulRestartIT {

    private static final int IN_FLIGHT = 10;
    /** Jetty's busy threads: each request waiting for the database holds one. */
    private static final Pattern BUSY_THREADS = Pattern.compile("(?m)^jetty_threads_busy(?:\\{[^}]*\\})? (\\S+)$");

    @Test
    void everyPostInFlightAtSigtermGets201AndIsStored() throws Exception {
        try (EdgeStack stack = EdgeStack.start(Map.of())) {
            HttpClient client = stack.client(HttpClient.Version.HTTP_2);
            assertEquals(200, client.send(HttpRequest.newBuilder(stack.https("/api/health")).build(),
                    HttpResponse.BodyHandlers.ofString()).statusCode()); // one HTTP/2 connection, ready for 10 streams
            String bearer = stack.bearer(); // logs in now: a log-in writes a session, and the lock below stops writes
            int idle = busyThreads(stack); // Jetty's own selector and acceptor threads count as busy too
            List<CompletableFuture<HttpResponse<String>>> inFlight = new ArrayList<>();
            try (Connection lock = DriverManager.getConnection("jdbc:sqlite:" + stack.databaseFile());
                 Statement s = lock.createStatement()) {
                // Holding SQLite's write lock keeps each POST waiting inside the app (its busy_timeout is 5 s,
                // so everything up to the ROLLBACK below must take less than that).
                s.execute("BEGIN IMMEDIATE");
                for (int i = 0; i < IN_FLIGHT; i++) {
                    inFlight.add(client.sendAsync(HttpRequest.newBuilder(stack.https("/api/notes"))
                            .header("Authorization", bearer).header("Content-Type", "application/json")
                            .POST(HttpRequest.BodyPublishers.ofString("{\"title\":\"in flight " + i + "\"}")).build(),
                            HttpResponse.BodyHandlers.ofString()));
                }
                EdgeStack.await(() -> busyThreads(stack) >= idle + IN_FLIGHT, IN_FLIGHT + " POSTs inside the app");
                stack.appProcess().destroy(); // SIGTERM
                EdgeStack.await(() -> !canConnect(stack.appPort), "the app to stop accepting connections");
                assertTrue(stack.appProcess().isAlive(), "the app waits for its requests in flight");
                assertTrue(inFlight.stream().noneMatch(CompletableFuture::isDone), "no POST was answered yet");
                s.execute("ROLLBACK");
            }
            for (CompletableFuture<HttpResponse<String>> post : inFlight) {
                HttpResponse<String> res = post.get(15, TimeUnit.SECONDS);
                assertEquals(201, res.statusCode(), res.body());
            }
            assertTrue(stack.appProcess().waitFor(20, TimeUnit.SECONDS), "the app exits after its last request");
            assertEquals(143, stack.appProcess().exitValue(), "the JVM's exit status after SIGTERM (128 + 15)");
            assertFalse(stack.appLog().contains(" ERROR "), "errors in the app's log");
            assertEquals(IN_FLIGHT, countNotes(stack, "in flight %"));
        }
    }

    /** Jetty's busy threads, from the app's /metrics (its own port, never reachable through Nginx). */
    private static int busyThreads(EdgeStack stack) {
        try {
            String metrics = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + stack.metricsPort + "/metrics")).build(),
                    HttpResponse.BodyHandlers.ofString()).body();
            Matcher m = BUSY_THREADS.matcher(metrics);
            return m.find() ? (int) Double.parseDouble(m.group(1)) : -1;
        } catch (IOException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    private static long countNotes(EdgeStack stack, String titlePattern) throws Exception {
        try (Connection db = DriverManager.getConnection("jdbc:sqlite:" + stack.databaseFile());
             var query = db.prepareStatement("SELECT count(*) FROM notes WHERE title LIKE ?")) {
            query.setString(1, titlePattern);
            try (ResultSet rs = query.executeQuery()) {
                return rs.getLong(1);
            }
        }
    }

    private static boolean canConnect(int port) {
        try (Socket ignored = new Socket("127.0.0.1", port)) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
