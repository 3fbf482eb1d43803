package dev.roundtrip.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.zip.GZIPInputStream;

/**
 * The load an upgrade runs under: each thread, in a loop, creates a note with a body of its own (signed in, with an
 * Idempotency-Key), reads it back, lists the newest notes, and asks /api/journey which app server answered; every
 * request through Nginx over HTTPS with {@code Accept-Encoding: gzip}, over HTTP/1.1 keep-alive. Any answer other than
 * the expected status is a failure. One thing is retried, once, as HTTP clients do (RFC 9112 §9.3.1): a request on a
 * kept-alive connection that the server closed without a single byte of answer. A reload makes Nginx's old workers
 * close their idle client connections, and a request the client sent at that very moment meets the close; a POST is
 * resent with the same Idempotency-Key, so it is stored at most once (the test checks no title is stored twice).
 * A second such close, or any other I/O error, is a failure.
 */
final class UpgradeLoad implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** What the server acknowledged with 201: the id, and the body it must still hold afterwards. */
    record Acknowledged(long id, String title, String body) {
    }

    private final HttpClient client;
    private final EdgeStack stack;
    private final ExecutorService pool;
    private final String prefix = "upgrade-" + Long.toHexString(System.nanoTime());
    private final AtomicBoolean stopping = new AtomicBoolean();
    final Map<String, Acknowledged> acknowledged = new ConcurrentHashMap<>();
    final ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
    final AtomicLong requests = new AtomicLong();
    final AtomicLong gzipped = new AtomicLong();
    /** Requests resent once after the server closed their idle connection without answering (see the class comment). */
    final ConcurrentLinkedQueue<String> resent = new ConcurrentLinkedQueue<>();
    /** The app server's port (from journey's app.instance, "random-id:port") → answers it gave. */
    final Map<Integer, AtomicLong> answersByPort = new ConcurrentHashMap<>();

    UpgradeLoad(HttpClient client, EdgeStack stack, int threads) {
        this.client = client;
        this.stack = stack;
        this.pool = Executors.newFixedThreadPool(threads);
        for (int t = 0; t < threads; t++) {
            int thread = t;
            pool.submit(() -> run(thread));
        }
    }

    private void run(int thread) {
        for (int n = 0; !stopping.get() && !Thread.currentThread().isInterrupted(); n++) {
            String key = prefix + "-" + thread + "-" + n;
            String body = "written by thread " + thread + " as note " + n + " during the upgrade; " + "padding ".repeat(40);
            String note = "{\"title\":\"" + key + "\",\"body\":\"" + body + "\",\"tags\":[\"upgrade\"]}";
            JsonNode created = send(HttpRequest.newBuilder(stack.https("/api/notes")).header("Authorization", stack.bearer())
                    .header("Content-Type", "application/json").header("Idempotency-Key", key)
                    .POST(HttpRequest.BodyPublishers.ofString(note)), 201, "POST /api/notes " + key);
            if (created != null) {
                long id = created.get("id").asLong();
                acknowledged.put(key, new Acknowledged(id, key, body));
                send(HttpRequest.newBuilder(stack.https("/api/notes/" + id)), 200, "GET /api/notes/" + id);
            }
            send(HttpRequest.newBuilder(stack.https("/api/notes?limit=20")), 200, "GET /api/notes?limit=20");
            JsonNode journey = send(HttpRequest.newBuilder(stack.https("/api/journey")), 200, "GET /api/journey");
            if (journey != null) {
                String instance = journey.get("app").get("instance").asText();
                int port = Integer.parseInt(instance.substring(instance.lastIndexOf(':') + 1));
                answersByPort.computeIfAbsent(port, p -> new AtomicLong()).incrementAndGet();
            }
        }
    }

    /** Sends one request, gzip accepted; its JSON on the expected status, else null with the failure recorded. */
    private JsonNode send(HttpRequest.Builder builder, int expected, String what) {
        HttpRequest request = builder.header("Accept-Encoding", "gzip").timeout(Duration.ofSeconds(15)).build();
        try {
            HttpResponse<byte[]> res;
            try {
                res = client.send(request, HttpResponse.BodyHandlers.ofByteArray());
            } catch (IOException e) {
                if (!closedBeforeAnyAnswer(e)) {
                    throw e;
                }
                resent.add(what + " (" + e.getMessage() + ")");
                res = client.send(request, HttpResponse.BodyHandlers.ofByteArray()); // once, on a new connection
            }
            requests.incrementAndGet();
            String text = decoded(res);
            if (res.statusCode() != expected) {
                failures.add(what + " → " + res.statusCode() + " " + text);
                return null;
            }
            return JSON.readTree(text);
        } catch (IOException e) {
            failures.add(what + " → " + e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return null;
    }

    /**
     * The JDK client's words for a connection that ended before the first byte of the answer: a kept-alive
     * connection Nginx closed at a reload just as the request went out. Browsers and curl send such a request
     * again on a new connection (RFC 9112 §9.3.1); the JDK client does not, so the tests do it, once.
     */
    static boolean closedBeforeAnyAnswer(IOException e) {
        String message = String.valueOf(e.getMessage());
        return message.contains("header parser received no bytes") || message.contains("connection closed locally");
    }

    private String decoded(HttpResponse<byte[]> res) throws IOException {
        if (!res.headers().firstValue("Content-Encoding").orElse("").equals("gzip")) {
            return new String(res.body(), StandardCharsets.UTF_8);
        }
        gzipped.incrementAndGet();
        try (GZIPInputStream in = new GZIPInputStream(new ByteArrayInputStream(res.body()))) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    /** Answers the app server on {@code port} has given so far. */
    long answersFrom(int port) {
        AtomicLong answers = answersByPort.get(port);
        return answers == null ? 0 : answers.get();
    }

    /** Lets every thread finish the request it is in, then stops. */
    @Override
    public void close() throws InterruptedException {
        stopping.set(true);
        pool.shutdown();
        if (!pool.awaitTermination(30, TimeUnit.SECONDS)) {
            pool.shutdownNow();
            throw new AssertionError("the load's threads did not finish within 30 s");
        }
    }
}
