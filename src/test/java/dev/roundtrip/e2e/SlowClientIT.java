package dev.roundtrip.e2e;

import static dev.roundtrip.e2e.EdgeIT.assertProblem;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.SocketTimeoutException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Slowloris: clients that trickle their headers or their body are cut off by Nginx's client_header_timeout
 * and client_body_timeout (10 s, nginx.conf) and never reach the app, which keeps serving everyone else.
 */
class SlowClientIT {

    /** client_header_timeout and client_body_timeout in nginx/nginx.conf. */
    private static final Duration NGINX_TIMEOUT = Duration.ofSeconds(10);
    /** Scheduling on a busy 2-core machine; Nginx's timers themselves are exact to a few milliseconds. */
    private static final Duration MARGIN = Duration.ofSeconds(4);
    private static final int SLOW_CLIENTS_EACH = 8;
    private static final ObjectMapper JSON = new ObjectMapper();
    private static EdgeStack stack;

    @BeforeAll
    static void startStack() throws Exception {
        stack = EdgeStack.start(Map.of());
    }

    @AfterAll
    static void stopStack() throws Exception {
        if (stack != null) {
            stack.close();
        }
    }

    @Test
    void tricklingClientsAreCutOffByNginxAndNeverReachTheAppWhileOthersAreServed() throws Exception {
        String tag = UUID.randomUUID().toString();
        ExecutorService pool = Executors.newFixedThreadPool(2 * SLOW_CLIENTS_EACH);
        List<Future<Duration>> slow = new ArrayList<>();
        try {
            for (int i = 0; i < SLOW_CLIENTS_EACH; i++) {
                String header = "/api/slow-header-" + tag + "-" + i;
                String body = "/api/notes?slow-body=" + tag + "-" + i;
                slow.add(pool.submit(() -> trickleHeaders(header)));
                slow.add(pool.submit(() -> trickleBody(body)));
            }
            int served = serveOthersWhile(slow);
            for (Future<Duration> client : slow) {
                Duration cutAfter = client.get(1, TimeUnit.SECONDS);
                assertTrue(cutAfter.compareTo(NGINX_TIMEOUT.minus(MARGIN)) > 0, "cut off too early: " + cutAfter);
                assertTrue(cutAfter.compareTo(NGINX_TIMEOUT.plus(MARGIN)) < 0, "cut off too late: " + cutAfter);
            }
            assertTrue(served >= 10, "requests served meanwhile: " + served);
        } finally {
            pool.shutdownNow();
        }
        assertNginxLoggedThemButTheAppNeverSawThem(tag);
    }

    @Test
    void headerOf20KiBIsRefusedWith431ProblemOverHttp11() throws Exception {
        HttpResponse<String> res = stack.client(HttpClient.Version.HTTP_1_1).send(HttpRequest.newBuilder(stack.https("/api/health"))
                .header("X-Padding", "a".repeat(20 * 1024)).build(), HttpResponse.BodyHandlers.ofString());
        assertProblem(res, 431);
    }

    /** The request line, then a header one byte a second: the header block never ends. Returns when cut off. */
    private static Duration trickleHeaders(String path) throws IOException {
        try (SSLSocket socket = connect()) {
            // client_header_timeout bounds the whole header block: count from its first byte
            return trickle(socket, "GET " + path + " HTTP/1.1\r\nHost: localhost\r\nX-Slow: ", Duration.ofSeconds(1)).sinceStart();
        }
    }

    /** Complete headers announcing 100 bytes, then body bytes further apart than client_body_timeout allows. */
    private static Duration trickleBody(String path) throws IOException {
        try (SSLSocket socket = connect()) {
            String head = "POST " + path + " HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
                    + "Content-Length: 100\r\n\r\n{";
            // client_body_timeout bounds the pause between two reads: count from the last byte sent
            return trickle(socket, head, NGINX_TIMEOUT.plusSeconds(1)).sinceLastByte();
        }
    }

    /** When the server closed the connection, counted from the first and from the last byte sent. */
    private record Cut(Duration sinceStart, Duration sinceLastByte) {
    }

    /** Sends {@code start}, then one more byte per {@code pause} until the server closes the connection (≤ 30 s). */
    private static Cut trickle(SSLSocket socket, String start, Duration pause) throws IOException {
        OutputStream out = socket.getOutputStream();
        InputStream in = socket.getInputStream();
        socket.setSoTimeout((int) pause.toMillis()); // each read waits one pause: the pacing of the trickle
        out.write(start.getBytes(StandardCharsets.US_ASCII));
        out.flush();
        long firstByte = System.nanoTime();
        long lastByte = firstByte;
        long deadline = firstByte + NGINX_TIMEOUT.multipliedBy(3).toNanos();
        while (System.nanoTime() < deadline) {
            try {
                int read = in.read();
                assertTrue(read == -1, "Nginx answered instead of closing: " + (char) read + new String(in.readNBytes(200)));
                return new Cut(Duration.ofNanos(System.nanoTime() - firstByte), Duration.ofNanos(System.nanoTime() - lastByte));
            } catch (SocketTimeoutException stillOpen) {
                out.write('a');
                out.flush();
                lastByte = System.nanoTime();
            } catch (IOException reset) { // a reset instead of an orderly close is a cut-off too
                return new Cut(Duration.ofNanos(System.nanoTime() - firstByte), Duration.ofNanos(System.nanoTime() - lastByte));
            }
        }
        throw new AssertionError("still connected after " + NGINX_TIMEOUT.multipliedBy(3));
    }

    /** While the slow clients hang on, normal requests keep being answered at once, via Nginx and directly. */
    private static int serveOthersWhile(List<Future<Duration>> slow) throws Exception {
        HttpClient viaNginx = stack.client(HttpClient.Version.HTTP_2);
        HttpClient direct = HttpClient.newHttpClient();
        HttpRequest edge = HttpRequest.newBuilder(stack.https("/api/notes?limit=5")).timeout(Duration.ofSeconds(1)).build();
        HttpRequest app = HttpRequest.newBuilder(java.net.URI.create("http://127.0.0.1:" + stack.appPort + "/api/ready"))
                .timeout(Duration.ofSeconds(1)).build();
        int served = 0;
        long deadline = System.nanoTime() + NGINX_TIMEOUT.multipliedBy(3).toNanos();
        while (slow.stream().anyMatch(f -> !f.isDone()) && System.nanoTime() < deadline) {
            assertEquals(200, viaNginx.send(edge, HttpResponse.BodyHandlers.ofString()).statusCode());
            assertEquals(200, direct.send(app, HttpResponse.BodyHandlers.ofString()).statusCode());
            served += 2;
            Thread.sleep(250); // a steady trickle of normal traffic, not a wait for anything
        }
        return served;
    }

    /** Nginx logs each slow request (408); the app's log has neither its path nor its request id. */
    private static void assertNginxLoggedThemButTheAppNeverSawThem(String tag) throws Exception {
        List<JsonNode> entries = new ArrayList<>();
        EdgeStack.await(() -> {
            entries.clear();
            try {
                for (String line : stack.nginxAccessLog()) {
                    JsonNode entry = JSON.readTree(line);
                    if (entry.get("uri").asText().contains(tag)) {
                        entries.add(entry);
                    }
                }
            } catch (IOException e) {
                return false;
            }
            return entries.size() == 2 * SLOW_CLIENTS_EACH;
        }, "Nginx's access lines for the slow clients");
        String appLog = stack.appLog();
        assertFalse(appLog.contains(tag), "the app saw a slow request's path");
        for (JsonNode entry : entries) {
            assertEquals(408, entry.get("status").asInt(), entry.toString());
            assertEquals("", entry.get("upstream_addr").asText(), "never passed upstream: " + entry);
            assertFalse(appLog.contains(entry.get("request_id").asText()), "the app saw " + entry);
        }
    }

    private static SSLSocket connect() throws IOException {
        SSLSocket socket = (SSLSocket) stack.client(HttpClient.Version.HTTP_1_1).sslContext().getSocketFactory()
                .createSocket("localhost", stack.httpsPort);
        SSLParameters parameters = socket.getSSLParameters();
        parameters.setServerNames(List.of(new SNIHostName("localhost")));
        parameters.setEndpointIdentificationAlgorithm("HTTPS"); // verify the certificate is for localhost
        parameters.setApplicationProtocols(new String[] {"http/1.1"});
        socket.setSSLParameters(parameters);
        socket.startHandshake();
        return socket;
    }
}
