package dev.roundtrip.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The client of the crash test: a few threads that create notes (each with its own Idempotency-Key)
 * and update the notes they created (PUT with If-Match), through Nginx. It remembers every state a
 * request could have produced and every state the server acknowledged with a 2xx, so the database can
 * be checked against both afterwards. A create whose answer was lost is retried with the same key. All
 * threads write as the stack's one user: its session is in the database, so it outlives every kill.
 */
final class ChaosWriter {

    /** One state of a note: what a write would leave behind (the version it would get, and its text). */
    record State(long version, String title, String body) {
    }

    /** One note as this client knows it. Owned by one thread until the writer has stopped. */
    static final class TrackedNote {
        final String key;
        final List<State> sent = new ArrayList<>(); // every state some request of ours could have produced
        State acknowledged;                          // the newest state the server confirmed; null: never
        long id;
        long knownVersion;                           // what the next If-Match names; 0: unknown, GET first

        TrackedNote(String key) {
            this.key = key;
        }
    }

    private static final ObjectMapper JSON = new ObjectMapper();
    /** Enough retries to outlast an app restart (a JVM start takes a few seconds) several times over. */
    private static final int CREATE_ATTEMPTS = 600;
    private static final Duration RETRY_PAUSE = Duration.ofMillis(50);

    private final HttpClient client;
    private final EdgeStack stack;
    private final int threads;
    private final long seed;
    private final ExecutorService pool;
    private final AtomicBoolean stopping = new AtomicBoolean();
    final ConcurrentLinkedQueue<TrackedNote> notes = new ConcurrentLinkedQueue<>();
    final ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
    final AtomicLong acknowledgedCreates = new AtomicLong();
    final AtomicLong acknowledgedUpdates = new AtomicLong();
    final AtomicLong replayed = new AtomicLong();
    final AtomicLong edgeProblems = new AtomicLong();

    ChaosWriter(HttpClient client, EdgeStack stack, int threads, long seed) {
        this.client = client;
        this.stack = stack;
        this.threads = threads;
        this.seed = seed;
        this.pool = Executors.newFixedThreadPool(threads);
    }

    void start(Duration maxRunTime) {
        long deadline = System.nanoTime() + maxRunTime.toNanos();
        for (int t = 0; t < threads; t++) {
            int thread = t;
            pool.submit(() -> run(thread, deadline));
        }
    }

    long acknowledged() {
        return acknowledgedCreates.get() + acknowledgedUpdates.get();
    }

    /** Lets every thread finish the request it is on (a create keeps retrying until acknowledged). */
    void stop() throws InterruptedException {
        stopping.set(true);
        pool.shutdown();
        if (!pool.awaitTermination(60, TimeUnit.SECONDS)) {
            pool.shutdownNow();
            throw new AssertionError("the writer threads did not finish within 60 s");
        }
    }

    private void run(int thread, long deadline) {
        Random random = new Random(seed + thread);
        List<TrackedNote> mine = new ArrayList<>();
        for (int n = 1; !stopping.get() && System.nanoTime() < deadline; n++) {
            try {
                if (!mine.isEmpty() && random.nextInt(10) < 4) {
                    update(mine.get(random.nextInt(mine.size())), random);
                } else {
                    TrackedNote note = new TrackedNote("chaos-" + seed + "-" + thread + "-" + n);
                    notes.add(note);
                    if (create(note, random)) {
                        mine.add(note);
                    }
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (Exception | AssertionError e) {
                failures.add("writer " + thread + ": " + e);
                return;
            }
        }
    }

    /** Sends the create until it is acknowledged (bounded); retries carry the same key and content. */
    private boolean create(TrackedNote note, Random random) throws Exception {
        State state = new State(1, note.key + " v1", "created by " + note.key + " " + Long.toHexString(random.nextLong()));
        note.sent.add(state);
        String json = JSON.writeValueAsString(Map.of("title", state.title(), "body", state.body(), "tags", List.of("chaos")));
        HttpRequest request = HttpRequest.newBuilder(stack.https("/api/notes")).timeout(Duration.ofSeconds(10))
                .header("Authorization", stack.bearer()).header("Content-Type", "application/json").header("Idempotency-Key", note.key)
                .POST(HttpRequest.BodyPublishers.ofString(json)).build();
        for (int attempt = 0; attempt < CREATE_ATTEMPTS; attempt++) {
            HttpResponse<String> res = sendOrNull(request);
            if (res != null && res.statusCode() == 201) {
                JsonNode created = JSON.readTree(res.body());
                check(created, state, "create " + note.key);
                note.id = created.get("id").asLong();
                note.knownVersion = 1;
                note.acknowledged = state;
                acknowledgedCreates.incrementAndGet();
                if ("true".equals(res.headers().firstValue("Idempotent-Replayed").orElse(null))) {
                    replayed.incrementAndGet(); // the first attempt was stored, only its answer was lost
                }
                return true;
            }
            requireRetryable(res, "create " + note.key);
            Thread.sleep(RETRY_PAUSE.toMillis());
        }
        return false;
    }

    /** One PUT with If-Match; an unanswered one leaves the version unknown until a GET tells it. */
    private void update(TrackedNote note, Random random) throws Exception {
        if (note.knownVersion == 0 && !refresh(note)) {
            return;
        }
        long next = note.knownVersion + 1;
        State state = new State(next, note.key + " v" + next, "updated " + Long.toHexString(random.nextLong()));
        note.sent.add(state);
        String json = JSON.writeValueAsString(Map.of("title", state.title(), "body", state.body(), "tags", List.of("chaos", "v" + next)));
        HttpResponse<String> res = sendOrNull(HttpRequest.newBuilder(stack.https("/api/notes/" + note.id))
                .timeout(Duration.ofSeconds(10)).header("Authorization", stack.bearer()).header("Content-Type", "application/json")
                .header("If-Match", "\"" + note.id + "." + note.knownVersion + "\"")
                .PUT(HttpRequest.BodyPublishers.ofString(json)).build());
        note.knownVersion = 0;
        if (res != null && res.statusCode() == 200) {
            check(JSON.readTree(res.body()), state, "update " + note.key);
            note.knownVersion = next;
            note.acknowledged = state;
            acknowledgedUpdates.incrementAndGet();
        } else {
            requireRetryable(res, "update " + note.key);
        }
    }

    /** Learns the note's current version after an update whose answer never came. */
    private boolean refresh(TrackedNote note) throws Exception {
        HttpResponse<String> res = sendOrNull(HttpRequest.newBuilder(stack.https("/api/notes/" + note.id))
                .timeout(Duration.ofSeconds(10)).build());
        if (res == null || res.statusCode() != 200) {
            requireRetryable(res, "read " + note.key);
            return false;
        }
        JsonNode current = JSON.readTree(res.body());
        State seen = new State(current.get("version").asLong(), current.get("title").asText(), current.get("body").asText());
        if (!note.sent.contains(seen)) {
            throw new AssertionError("read " + note.key + " shows a state no request of ours wrote: " + current);
        }
        note.knownVersion = seen.version();
        return true;
    }

    /** The response, or null when none came (timeout, connection refused or reset). */
    private HttpResponse<String> sendOrNull(HttpRequest request) throws InterruptedException {
        try {
            return client.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            return null;
        }
    }

    /** No answer, or the edge's own answer while the app is down: anything else is a failure. */
    private void requireRetryable(HttpResponse<String> res, String what) throws IOException {
        if (res == null) {
            return;
        }
        int status = res.statusCode();
        if (status != 502 && status != 503 && status != 504) {
            throw new AssertionError(what + " got " + status + ": " + res.body());
        }
        JsonNode problem = JSON.readTree(res.body());
        String requestId = res.headers().firstValue("X-Request-ID").orElse("none");
        if (problem.get("status").asInt() != status || !requestId.equals(problem.get("requestId").asText())) {
            throw new AssertionError(what + ": the edge's " + status + " is not a problem with its request id: " + res.body());
        }
        edgeProblems.incrementAndGet();
    }

    private static void check(JsonNode note, State state, String what) {
        if (note.get("version").asLong() != state.version() || !state.title().equals(note.get("title").asText())
                || !state.body().equals(note.get("body").asText())) {
            throw new AssertionError(what + " acknowledged other content than sent: " + note);
        }
    }
}
