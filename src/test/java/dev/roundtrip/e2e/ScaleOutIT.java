package dev.roundtrip.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.roundtrip.Config;
import dev.roundtrip.db.PostgresServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Three app servers behind one Nginx, sharing a real PostgreSQL server (a cluster of this test's own, so it can
 * be stopped): requests spread over all replicas; losing one (kill -9) fails no read and loses or duplicates no
 * acknowledged write; a rolling restart fails no request at all; a database restart gives clear 503s, then
 * recovers by itself. Sessions live in the database: one ended on a replica is refused by every other at once, and
 * one name registered on all replicas at the same moment makes one user. Each test starts from three healthy
 * replicas and leaves them so.
 */
class ScaleOutIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int REPLICAS = 3;
    private static final int LOAD_THREADS = 4;
    private static PostgresServer postgres;
    private static Config.Postgres database;
    private static EdgeStack stack;
    private static HttpClient client;
    private static final HttpClient DIRECT = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    @BeforeAll
    static void startThreeReplicasOnPostgres() throws Exception {
        postgres = PostgresServer.startPrivate();
        database = postgres.newDatabase();
        // All load comes from 127.0.0.1: the shipped per-client rate limit would answer most of it with 429.
        stack = EdgeStack.start(Map.of("API_RATE_LIMIT", "100000r/s", "API_RATE_BURST", "100000"),
                Map.of("DATABASE_URL", database.url()), REPLICAS);
        client = stack.client(HttpClient.Version.HTTP_2);
        stack.user(); // registered and logged in now, while every replica is up: all writes below carry this session
    }

    @AfterAll
    static void stopEverything() throws Exception {
        if (stack != null) {
            stack.close();
        }
        if (postgres != null) {
            postgres.close();
        }
    }

    @BeforeEach
    void allReplicasAnswer() throws Exception {
        EdgeStack.await(() -> instancesSeen(30).size() == REPLICAS, "all " + REPLICAS + " replicas to answer through Nginx");
    }

    @Test
    void requestsSpreadOverEveryReplica() throws Exception {
        Set<String> instances = instancesSeen(30);
        assertEquals(REPLICAS, instances.size(), "app servers that answered 30 requests: " + instances);
        for (int port : stack.appPorts) {
            assertTrue(instances.stream().anyMatch(instance -> instance.endsWith(":" + port)), port + " in " + instances);
        }
    }

    @Test
    void losingAReplicaFailsNoReadAndEveryAcknowledgedCreateExistsExactlyOnce() throws Exception {
        ReplicaLoad load = new ReplicaLoad(loadClient(), stack, LOAD_THREADS, true);
        try {
            awaitRequests(load, 300);
            stack.killApp(1); // SIGKILL: requests in flight on it are cut off
            awaitRequests(load, 600);
            stack.startApp(1); // it rejoins: Nginx tries it again after fail_timeout, with no reload
            awaitRequests(load, 300);
        } finally {
            load.close();
        }
        assertTrue(load.failures.isEmpty(), "failed requests: " + load.failures);
        assertTrue(load.acknowledged.size() > 50, "creates acknowledged: " + load.acknowledged.size());
        Map<String, Long> stored = storedNotesByTitle();
        for (Map.Entry<String, Long> create : load.acknowledged.entrySet()) {
            assertEquals(create.getValue(), stored.get(create.getKey()), create.getKey() + ": stored with the acknowledged id");
        }
        assertEquals(storedNotes(), stored.size(), "no title twice: a retried create was never made twice");
        EdgeStack.await(() -> instancesSeen(30).stream().anyMatch(i -> i.endsWith(":" + stack.appPorts.get(1))),
                "the restarted replica to get requests again");
        System.out.printf("scale-out: replica loss: requests=%d acknowledged_creates=%d post_retries=%d failed=0%n",
                load.requests.get(), load.acknowledged.size(), load.postRetries.get());
    }

    @Test
    void aRollingRestartFailsNoRequest() throws Exception {
        ReplicaLoad load = new ReplicaLoad(loadClient(), stack, LOAD_THREADS, false); // no retries: every answer counts
        try {
            awaitRequests(load, 200);
            for (int i = 0; i < REPLICAS; i++) {
                stack.stopApp(i);  // SIGTERM: it drains (new connections refused, open ones closed after use)...
                stack.startApp(i); // ...while the other replicas serve
                awaitRequests(load, 200);
            }
        } finally {
            load.close();
        }
        assertTrue(load.failures.isEmpty(), "failed requests: " + load.failures);
        assertEquals(0, load.postRetries.get());
        System.out.printf("scale-out: rolling restart of %d replicas: requests=%d failed=0%n", REPLICAS, load.requests.get());
    }

    @Test
    void aDatabaseRestartGivesClear503sAndRecoversWithoutRestartingTheApps() throws Exception {
        long id = JSON.readTree(send("POST", "/api/notes", "{\"title\":\"before the restart\"}").body()).get("id").asLong();
        postgres.stop();
        try {
            for (String[] call : new String[][] {{"GET", "/api/ready"}, {"GET", "/api/notes/" + id}, {"POST", "/api/notes"}}) {
                HttpResponse<String> res = send(call[0], call[1], "{\"title\":\"during the restart\"}");
                assertEquals(503, res.statusCode(), call[0] + " " + call[1] + ": " + res.body());
                assertEquals("application/problem+json", res.headers().firstValue("Content-Type").orElse(null));
                JsonNode problem = JSON.readTree(res.body());
                assertEquals(res.headers().firstValue("X-Request-ID").orElse(null), problem.get("requestId").asText());
                assertTrue(!res.body().contains("Exception") && !res.body().contains("at org."), "no stack trace: " + res.body());
            }
        } finally {
            postgres.start();
        }
        for (int port : stack.appPorts) { // every replica, without a restart
            EdgeStack.await(() -> EdgeStack.status("http://127.0.0.1:" + port + "/api/ready") == 200, "replica :" + port + " ready again");
        }
        HttpResponse<String> again = send("GET", "/api/notes/" + id, null);
        assertEquals(200, again.statusCode(), "the note acknowledged before the restart: " + again.body());
    }

    @Test
    void aSessionEndedOnOneReplicaIsRefusedAtOnceByEveryOther() throws Exception {
        TestUser session = stack.user().logInAgain(replica(0)); // a second session: the stack's own must live on
        for (int i = 0; i < REPLICAS; i++) { // every replica has used it (a replica that cached it would answer 200 below)
            assertEquals(200, direct(i, "GET", "/api/me", session, null).statusCode(), "replica " + i + " knows the session");
        }
        assertEquals(204, direct(1, "DELETE", "/api/sessions/current", session, null).statusCode(), "log-out on replica 1");
        for (int i : new int[] {2, 0, 1}) {
            HttpResponse<String> me = direct(i, "GET", "/api/me", session, null);
            assertEquals(401, me.statusCode(), "replica " + i + " right after the log-out: " + me.body());
            assertTrue(me.headers().firstValue("WWW-Authenticate").orElse("").contains("error=\"invalid_token\""),
                    "an ended session is an invalid token: " + me.headers().map());
        }
        HttpResponse<String> write = direct(2, "POST", "/api/notes", session, "{\"title\":\"after the log-out\"}");
        assertEquals(401, write.statusCode(), write.body());
        assertEquals(200, direct(2, "GET", "/api/me", stack.user(), null).statusCode(), "the user's other session lives on");
    }

    @Test
    void oneNameRegisteredOnEveryReplicaAtOnceMakesExactlyOneUser() throws Exception {
        String name = "race-" + Long.toHexString(System.nanoTime());
        // 4 per replica, in upper and lower case (the same name after normalization); each hashes a password of
        // 19 MiB, so more would only wait in the hashing queue
        int attempts = 4 * REPLICAS;
        CountDownLatch go = new CountDownLatch(1);
        ExecutorService pool = Executors.newFixedThreadPool(attempts);
        List<Future<HttpResponse<String>>> answers = new ArrayList<>();
        try {
            for (int i = 0; i < attempts; i++) {
                int replica = i % REPLICAS;
                String spelled = i % 2 == 0 ? name : name.toUpperCase(Locale.ROOT);
                answers.add(pool.submit(() -> {
                    go.await();
                    return direct(replica, "POST", "/api/users", null, TestUser.credentials(spelled, "a password for the race"));
                }));
            }
            go.countDown();
            Map<Integer, Integer> statuses = new TreeMap<>();
            for (Future<HttpResponse<String>> answer : answers) {
                statuses.merge(answer.get(60, TimeUnit.SECONDS).statusCode(), 1, Integer::sum);
            }
            assertEquals(Map.of(201, 1, 409, attempts - 1), statuses, "one created, every other told the name is taken");
        } finally {
            pool.shutdownNow();
        }
        try (Connection c = DriverManager.getConnection(database.url());
             var query = c.prepareStatement("SELECT count(*) FROM users WHERE username_key = ?")) {
            query.setString(1, name);
            try (ResultSet rs = query.executeQuery()) {
                rs.next();
                assertEquals(1, rs.getLong(1), "rows in users for " + name);
            }
        }
    }

    /**
     * A client of its own per load, over HTTP/1.1. Nginx ends an HTTP/2 connection after keepalive_requests
     * (10 000) with GOAWAY, and the JDK's client before 17.0.17 / 21.0.x fails the requests it had in flight
     * instead of resending them on a new connection (JDK-8335181): a client bug that would pass for the server's.
     */
    private static HttpClient loadClient() {
        return stack.client(HttpClient.Version.HTTP_1_1);
    }

    private static HttpResponse<String> send(String method, String path, String json) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(stack.https(path)).timeout(Duration.ofSeconds(10));
        if (method.equals("POST")) {
            request.header("Authorization", stack.bearer()).header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(json));
        }
        return client.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static URI replica(int i) {
        return URI.create("http://127.0.0.1:" + stack.appPorts.get(i));
    }

    /** Straight to replica {@code i}, past Nginx: the test, not the balancer, picks which one answers. */
    private static HttpResponse<String> direct(int i, String method, String path, TestUser as, String json) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(replica(i).resolve(path)).timeout(Duration.ofSeconds(30))
                .method(method, json == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(json));
        if (as != null) {
            request.header("Authorization", as.bearer());
        }
        if (json != null) {
            request.header("Content-Type", "application/json");
        }
        return DIRECT.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** The app servers that answered {@code requests} GET /api/journey through Nginx (app.instance: random-id:port). */
    private static Set<String> instancesSeen(int requests) {
        Set<String> instances = new HashSet<>();
        try {
            for (int i = 0; i < requests; i++) {
                HttpResponse<String> res = send("GET", "/api/journey", null);
                if (res.statusCode() == 200) {
                    instances.add(JSON.readTree(res.body()).get("app").get("instance").asText());
                }
            }
        } catch (Exception e) {
            return instances;
        }
        return instances;
    }

    private static void awaitRequests(ReplicaLoad load, int more) throws InterruptedException {
        long target = load.requests.get() + more;
        EdgeStack.await(() -> load.requests.get() >= target, more + " more requests of the load");
    }

    private static Map<String, Long> storedNotesByTitle() throws Exception {
        Map<String, Long> notes = new HashMap<>();
        try (Connection c = DriverManager.getConnection(database.url());
             ResultSet rs = c.createStatement().executeQuery("SELECT title, id FROM notes")) {
            while (rs.next()) {
                notes.put(rs.getString(1), rs.getLong(2));
            }
        }
        return notes;
    }

    private static long storedNotes() throws Exception {
        try (Connection c = DriverManager.getConnection(database.url());
             ResultSet rs = c.createStatement().executeQuery("SELECT count(*) FROM notes")) {
            rs.next();
            return rs.getLong(1);
        }
    }
}
