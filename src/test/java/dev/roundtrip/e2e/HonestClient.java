package dev.roundtrip.e2e;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The user beside the attacker: one thread that creates a note, reads it, replaces it with If-Match,
 * deletes it with If-Match and checks it is gone, through Nginx over HTTP/2, again and again. Any other
 * answer than the expected one, or no answer within 10 s, is a failure. Its notes carry the tag "honest",
 * which the suite's table fingerprint leaves out.
 */
final class HonestClient {

    static final String TAG = "honest";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration TIMEOUT = Duration.ofSeconds(10);
    private final EdgeStack stack;
    private final HttpClient client;
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final Thread thread;
    final List<String> failures = Collections.synchronizedList(new ArrayList<>());
    final AtomicLong rounds = new AtomicLong();
    /** Requests sent again after Nginx's GOAWAY (keepalive_requests reached) cut them off, as a browser does. */
    final AtomicLong resent = new AtomicLong();
    private boolean paused;
    private boolean inRound;

    HonestClient(EdgeStack stack) {
        this.stack = stack;
        this.client = stack.client(HttpClient.Version.HTTP_2);
        this.thread = new Thread(this::run, "honest-client");
        thread.setDaemon(true);
    }

    void start() {
        thread.start();
    }

    void stop() throws InterruptedException {
        running.set(false);
        resume();
        thread.join(30_000);
    }

    /**
     * Holds the client between two rounds while a case's CPU time is counted, so its requests are not charged to
     * the case; it works through every warm-up, fingerprint, the slow readers and the storm.
     */
    synchronized void pause() throws InterruptedException {
        paused = true;
        while (inRound) {
            wait();
        }
    }

    synchronized void resume() {
        paused = false;
        notifyAll();
    }

    private synchronized void enterRound() throws InterruptedException {
        while (paused && running.get()) {
            wait(100);
        }
        inRound = true;
    }

    private synchronized void leaveRound() {
        inRound = false;
        notifyAll();
    }

    private void run() {
        while (running.get()) {
            try {
                enterRound();
                try {
                    round(rounds.get());
                } finally {
                    leaveRound();
                }
                rounds.incrementAndGet();
                Thread.sleep(20); // a person's pace, not a load test: the hostile cases are the load
            } catch (InterruptedException e) {
                return;
            } catch (Exception | AssertionError e) {
                failures.add(java.time.Instant.now() + " " + e);
            }
        }
    }

    private void round(long n) throws Exception {
        String created = expect(201, "POST", "/api/notes", null, // the key makes resending it after a GOAWAY safe
                "{\"title\":\"" + TAG + " " + n + "\",\"body\":\"written beside the attacker\",\"tags\":[\"" + TAG + "\"]}");
        String location = "/api/notes/" + JSON.readTree(created).get("id").asLong();
        HttpResponse<String> read = send("GET", location, null, null);
        check(200, read, "GET " + location);
        String etag = read.headers().firstValue("ETag").orElseThrow(() -> new AssertionError("GET without ETag"));
        HttpResponse<String> replaced = send("PUT", location, etag,
                "{\"title\":\"" + TAG + " " + n + " edited\",\"tags\":[\"" + TAG + "\"]}");
        check(200, replaced, "PUT " + location + " If-Match " + etag);
        String newTag = replaced.headers().firstValue("ETag").orElseThrow(() -> new AssertionError("PUT without ETag"));
        expect(204, "DELETE", location, newTag, null);
        expect(404, "GET", location, null, null);
    }

    private String expect(int status, String method, String path, String ifMatch, String json) throws Exception {
        HttpResponse<String> res = send(method, path, ifMatch, json);
        check(status, res, method + " " + path);
        return res.body();
    }

    private static void check(int status, HttpResponse<String> res, String what) {
        if (res.statusCode() != status) {
            throw new AssertionError(what + " → " + res.statusCode() + " (expected " + status + "): "
                    + res.body().substring(0, Math.min(200, res.body().length())));
        }
    }

    /**
     * After keepalive_requests (10 000) on one HTTP/2 connection Nginx sends GOAWAY; Java's client fails a request
     * caught in that moment instead of resending it on a new connection. A browser resends it; so does this client, once.
     */
    private HttpResponse<String> send(String method, String path, String ifMatch, String json) throws Exception {
        try {
            return sendOnce(method, path, ifMatch, json);
        } catch (java.io.IOException e) {
            if (!String.valueOf(e.getMessage()).contains("GOAWAY")) {
                throw e;
            }
            resent.incrementAndGet();
            return sendOnce(method, path, ifMatch, json);
        }
    }

    private HttpResponse<String> sendOnce(String method, String path, String ifMatch, String json) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(stack.https(path)).timeout(TIMEOUT)
                .method(method, json == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(json));
        if (json != null) {
            request.header("Content-Type", "application/json");
        }
        if (!method.equals("GET")) {
            request.header("Authorization", stack.bearer()); // the stack's user: its notes are this client's to change
        }
        if (method.equals("POST")) {
            request.header("Idempotency-Key", TAG + "-" + path.hashCode() + "-" + rounds.get() + "-" + json.hashCode());
        }
        if (ifMatch != null) {
            request.header("If-Match", ifMatch);
        }
        return client.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }
}
