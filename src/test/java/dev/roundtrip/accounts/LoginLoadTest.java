package dev.roundtrip.accounts;

import static dev.roundtrip.accounts.Api.PASSWORD;
import static dev.roundtrip.accounts.Api.expect;
import static dev.roundtrip.accounts.Api.header;
import static dev.roundtrip.accounts.Api.type;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.roundtrip.TestApps;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * 50 log-ins at once: each Argon2id run fills 19 MiB, so they must wait their turn, not run the heap out.
 * Once in this JVM, and once in an app of its own with the 64 MB heap of the smallest deployment.
 */
class LoginLoadTest {

    private static final int AT_ONCE = 50;

    @TempDir
    Path dir;

    @Test
    void fiftyLogInsAtOnceAreAllServedOrToldToRetryAndTheAppStaysUp() {
        Map<Integer, Integer> statuses = new TreeMap<>();
        Api.withApp(dir, api -> {
            registerUsers(api);
            long start = System.nanoTime();
            statuses.putAll(storm(api));
            statuses.put(-1, (int) ((System.nanoTime() - start) / 1_000_000));
            expect(200, api.get("/api/health"));
        });
        System.out.println("50 log-ins at once, in the test JVM (-1: milliseconds in all): " + statuses);
        statuses.remove(-1);
        assertEquals(Map.of(201, AT_ONCE), statuses, "the queue (64) holds 50 waiting log-ins");
    }

    @Test
    void fiftyLogInsAtOnceDoNotRunA64MegabyteHeapOutOfMemory() throws Exception {
        int port = freePort();
        Path log = Files.createTempFile(dir, "app-", ".log");
        Process app = child(port).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        try {
            Api api = new Api(port);
            awaitReady(app, port, log);
            registerUsers(api);
            long start = System.nanoTime();
            Map<Integer, Integer> statuses = storm(api);
            System.out.println("50 log-ins at once, -Xmx64m: " + statuses + " in " + (System.nanoTime() - start) / 1_000_000 + " ms");
            assertTrue(app.isAlive(), "the app died:\n" + Files.readString(log));
            expect(200, api.get("/api/health"));
            assertFalse(Files.readString(log).contains("OutOfMemoryError"), Files.readString(log));
            assertFalse(statuses.containsKey(500), statuses.toString());
        } finally {
            app.destroy();
            if (!app.waitFor(30, TimeUnit.SECONDS)) {
                app.destroyForcibly().waitFor();
            }
        }
        assertFalse(Files.readString(log).contains("OutOfMemoryError"), Files.readString(log));
    }

    /**
     * {@link #AT_ONCE} users, one per log-in: the per-name throttle counts a name's attempts before they are checked,
     * so fifty at once for ONE name would be throttled, as guesses are. The first registers for real; the others
     * get its hash by SQL, which costs fifty Argon2id hashes less than registering each.
     */
    private void registerUsers(Api api) {
        expect(201, api.register("load0", PASSWORD));
        for (int i = 1; i < AT_ONCE; i++) {
            Api.execute(dir, "INSERT INTO users (username, username_key, password_hash, created_at) SELECT 'load" + i
                    + "', 'load" + i + "', password_hash, created_at FROM users WHERE username_key = 'load0'");
        }
    }

    /** Fires {@link #AT_ONCE} log-ins released together; counts the answers by status (each 503 checked). */
    private static Map<Integer, Integer> storm(Api api) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(AT_ONCE);
        CountDownLatch start = new CountDownLatch(1);
        try {
            List<Future<HttpResponse<String>>> answers = new ArrayList<>();
            for (int i = 0; i < AT_ONCE; i++) {
                int user = i;
                answers.add(pool.submit(() -> {
                    start.await();
                    return api.logIn("load" + user, PASSWORD);
                }));
            }
            start.countDown();
            Map<Integer, Integer> statuses = new TreeMap<>();
            for (Future<HttpResponse<String>> answer : answers) {
                HttpResponse<String> res = answer.get(5, TimeUnit.MINUTES);
                statuses.merge(res.statusCode(), 1, Integer::sum);
                if (res.statusCode() == 503) {
                    assertEquals("/problems/too-many-logins", type(res));
                    assertNotNull(header(res, "Retry-After"));
                } else if (res.statusCode() != 201) {
                    throw new AssertionError("a log-in answered " + res.statusCode() + ": " + res.body());
                }
            }
            return statuses;
        } finally {
            pool.shutdownNow();
        }
    }

    /** The real app from the test classpath, as ChildApp in db/ starts it: -Xmx64m, a port of its own. */
    private ProcessBuilder child(int port) {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        ProcessBuilder pb = new ProcessBuilder(java, "-Xmx64m", "-cp", System.getProperty("java.class.path"), "dev.roundtrip.App");
        pb.environment().keySet().removeIf(name -> name.startsWith("DATABASE_") || name.startsWith("APP_")
                || name.equals("CORS_ORIGINS"));
        pb.environment().putAll(Map.of("DATA_DIR", dir.toString(), "APP_PORT", String.valueOf(port), "METRICS_PORT", "0"));
        if (TestApps.onPostgres()) {
            pb.environment().put("DATABASE_URL", TestApps.postgres(dir).url());
            pb.environment().put("DATABASE_POOL_SIZE", String.valueOf(TestApps.postgres(dir).poolSize()));
        }
        return pb;
    }

    private static void awaitReady(Process app, int port, Path log) throws Exception {
        HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
        HttpRequest ready = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/api/ready")).build();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
        while (System.nanoTime() < deadline) {
            if (!app.isAlive()) {
                throw new AssertionError("the app exited with " + app.exitValue() + ":\n" + Files.readString(log));
            }
            try {
                if (client.send(ready, HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
                    return;
                }
            } catch (IOException notYet) {
                // still starting
            }
            Thread.sleep(100);
        }
        throw new AssertionError("the app was not ready after 90 s:\n" + Files.readString(log));
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
