package dev.roundtrip.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Accounts under pressure on SQLite, through the real Nginx: one name registered by many clients at the same
 * moment makes exactly one user (ScaleOutIT does the same on PostgreSQL across replicas), and a user who logs in
 * again and again holds at most 20 sessions, the oldest ending first. The tables are read to check both.
 */
class AccountRaceIT {

    private static final int MAX_SESSIONS = 20;
    private static EdgeStack stack;
    private static HttpClient client;

    @BeforeAll
    static void startStack() throws Exception {
        // Every request here is a registration or a log-in from 127.0.0.1: past the edge's 10 a minute.
        stack = EdgeStack.start(Map.of("AUTH_RATE_LIMIT", "100000r/s", "AUTH_RATE_BURST", "100000"));
        client = stack.client(HttpClient.Version.HTTP_2);
    }

    @AfterAll
    static void stopStack() throws Exception {
        if (stack != null) {
            stack.close();
        }
    }

    @Test
    void oneNameRegisteredByTwelveClientsAtOnceMakesExactlyOneUser() throws Exception {
        String name = "race-" + Long.toHexString(System.nanoTime());
        int attempts = 12;
        CountDownLatch go = new CountDownLatch(1);
        ExecutorService pool = Executors.newFixedThreadPool(attempts);
        List<Future<HttpResponse<String>>> answers = new ArrayList<>();
        try {
            for (int i = 0; i < attempts; i++) {
                String spelled = i % 2 == 0 ? name : name.toUpperCase(Locale.ROOT); // one name after normalization
                answers.add(pool.submit(() -> {
                    go.await();
                    return post("/api/users", TestUser.credentials(spelled, "a password for the race"));
                }));
            }
            go.countDown();
            Map<Integer, Integer> statuses = new TreeMap<>();
            for (Future<HttpResponse<String>> answer : answers) {
                statuses.merge(answer.get(120, TimeUnit.SECONDS).statusCode(), 1, Integer::sum);
            }
            assertEquals(Map.of(201, 1, 409, attempts - 1), statuses, "one created, every other told the name is taken");
        } finally {
            pool.shutdownNow();
        }
        assertEquals(1, count("SELECT count(*) FROM users WHERE username_key = ?", name), "rows in users for " + name);
    }

    @Test
    void aUserWhoLogsInTwentyFiveTimesHoldsTwentySessionsAndTheOldestEndsFirst() throws Exception {
        TestUser first = stack.user();
        List<TestUser> sessions = new ArrayList<>(List.of(first));
        for (int i = 1; i < MAX_SESSIONS + 5; i++) {
            sessions.add(first.logInAgain(java.net.URI.create("http://127.0.0.1:" + stack.appPort)));
        }
        long userId = count("SELECT id FROM users WHERE username_key = ?", first.username());
        assertEquals(MAX_SESSIONS, count("SELECT count(*) FROM sessions WHERE user_id = ?", userId), "stored sessions");
        for (int i = 0; i < sessions.size(); i++) {
            int expected = i < sessions.size() - MAX_SESSIONS ? 401 : 200;
            assertEquals(expected, me(sessions.get(i)).statusCode(), "session " + (i + 1) + " of " + sessions.size());
        }
    }

    private static HttpResponse<String> post(String path, String json) throws Exception {
        return client.send(HttpRequest.newBuilder(stack.https(path)).timeout(Duration.ofSeconds(120))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(json)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static HttpResponse<String> me(TestUser session) throws Exception {
        HttpResponse<String> res = client.send(HttpRequest.newBuilder(stack.https("/api/me"))
                .header("Authorization", session.bearer()).build(), HttpResponse.BodyHandlers.ofString());
        assertTrue(res.statusCode() == 200 || res.statusCode() == 401, res.body());
        return res;
    }

    /** The first column of the first row, read from the app's SQLite file. */
    private static long count(String sql, Object parameter) throws Exception {
        try (Connection db = DriverManager.getConnection("jdbc:sqlite:" + stack.databaseFile());
             PreparedStatement query = db.prepareStatement(sql)) {
            query.setObject(1, parameter);
            try (ResultSet rs = query.executeQuery()) {
                assertTrue(rs.next(), sql);
                return rs.getLong(1);
            }
        }
    }
}
