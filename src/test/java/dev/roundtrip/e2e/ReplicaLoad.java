package dev.roundtrip.e2e;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A mixed load through Nginx for the scale-out tests: each thread creates a note (POST with an Idempotency-Key
 * of its own), reads it back, and lists the newest notes, in a loop. It records every failed read and every
 * POST attempt that did not get a 2xx. With {@code retryPosts}, such a POST is sent again with the same key until
 * it is acknowledged, as a well-behaved client does; without, the first answer counts, and each note is also
 * replaced once with If-Match (a PUT that Nginx resent after it reached a replica would come back 412).
 * Every write carries the stack's one session: each replica must find it in the shared database.
 */
final class ReplicaLoad implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int MAX_POST_ATTEMPTS = 200;

    private final HttpClient client;
    private final EdgeStack stack;
    private final boolean retryPosts;
    private final ExecutorService pool;
    /** Keys and titles of this load differ from every other load's, on the same database too. */
    private final String prefix = "load-" + Long.toHexString(System.nanoTime());
    private final AtomicBoolean stopping = new AtomicBoolean();
    /** Idempotency-Key → id of every create the server acknowledged with a 2xx. */
    final Map<String, Long> acknowledged = new ConcurrentHashMap<>();
    /** "GET /api/notes/7 → 502" and the like: a read that failed, or a POST that failed with retries off. */
    final ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
    final AtomicLong requests = new AtomicLong();
    final AtomicLong postRetries = new AtomicLong();

    ReplicaLoad(HttpClient client, EdgeStack stack, int threads, boolean retryPosts) {
        this.client = client;
        this.stack = stack;
        this.retryPosts = retryPosts;
        this.pool = Executors.newFixedThreadPool(threads);
        for (int t = 0; t < threads; t++) {
            int thread = t;
            pool.submit(() -> run(thread));
        }
    }

    private void run(int thread) {
        for (int n = 0; !stopping.get(); n++) {
            String key = prefix + "-" + thread + "-" + n;
            Long id = create(key);
            if (id != null) {
                read("/api/notes/" + id);
                if (!retryPosts) {
                    replace(id, key);
                }
                read("/api/notes?limit=5");
            }
        }
    }

    private Long create(String key) {
        String body = "{\"title\":\"" + key + "\",\"tags\":[\"load\"]}";
        for (int attempt = 1; attempt <= MAX_POST_ATTEMPTS; attempt++) {
            String outcome;
            try {
                HttpResponse<String> res = client.send(HttpRequest.newBuilder(stack.https("/api/notes"))
                        .header("Authorization", stack.bearer()).header("Content-Type", "application/json").header("Idempotency-Key", key)
                        .timeout(Duration.ofSeconds(15)).POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                        HttpResponse.BodyHandlers.ofString());
                requests.incrementAndGet();
                if (res.statusCode() == 201) {
                    long id = JSON.readTree(res.body()).get("id").asLong();
                    acknowledged.put(key, id);
                    return id;
                }
                outcome = String.valueOf(res.statusCode());
            } catch (IOException e) {
                outcome = e.toString();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return null;
            }
            if (!retryPosts) {
                failures.add("POST " + key + " → " + outcome);
                return null;
            }
            postRetries.incrementAndGet(); // the same key again: the server creates the note at most once
            pause();
        }
        failures.add("POST " + key + " never acknowledged in " + MAX_POST_ATTEMPTS + " attempts");
        return null;
    }

    /** A PUT with the create's ETag (version 1): anything but 200 is a failure, 412 a write applied twice. */
    private void replace(long id, String key) {
        String body = "{\"title\":\"" + key + "\",\"body\":\"replaced\",\"tags\":[\"load\"]}";
        try {
            HttpResponse<String> res = client.send(HttpRequest.newBuilder(stack.https("/api/notes/" + id))
                    .header("Authorization", stack.bearer()).header("Content-Type", "application/json").header("If-Match", "\"" + id + ".1\"")
                    .timeout(Duration.ofSeconds(15)).PUT(HttpRequest.BodyPublishers.ofString(body)).build(),
                    HttpResponse.BodyHandlers.ofString());
            requests.incrementAndGet();
            if (res.statusCode() != 200) {
                failures.add("PUT /api/notes/" + id + " → " + res.statusCode() + " " + res.body());
            }
        } catch (IOException e) {
            failures.add("PUT /api/notes/" + id + " → " + e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void read(String path) {
        try {
            HttpResponse<String> res = client.send(HttpRequest.newBuilder(stack.https(path)).timeout(Duration.ofSeconds(15)).build(),
                    HttpResponse.BodyHandlers.ofString());
            requests.incrementAndGet();
            if (res.statusCode() != 200) {
                failures.add("GET " + path + " → " + res.statusCode() + " " + res.body());
            }
        } catch (IOException e) {
            failures.add("GET " + path + " → " + e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void pause() {
        try {
            Thread.sleep(50);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Lets every thread finish the request it is in (a create finishes its retries), then stops. */
    @Override
    public void close() throws InterruptedException {
        stopping.set(true);
        pool.shutdown();
        if (!pool.awaitTermination(60, TimeUnit.SECONDS)) {
            pool.shutdownNow();
            throw new AssertionError("the load's threads did not finish within 60 s");
        }
    }
}
