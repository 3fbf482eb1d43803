package dev.roundtrip.notes;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.roundtrip.App;
import dev.roundtrip.Config;
import dev.roundtrip.TestSessions;
import dev.roundtrip.db.PostgresServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two app servers on one PostgreSQL database, as behind Nginx: retries of one request with the same
 * Idempotency-Key, sent to both replicas at the same moment, create exactly one note, and every retry is
 * answered with that note.
 */
class IdempotencyAcrossReplicasTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int KEYS = 20;
    private static final int RETRIES_PER_KEY = 8;

    @TempDir
    Path dataDir;

    @Test
    void concurrentRetriesOnDifferentReplicasCreateExactlyOneNotePerKey() throws Exception {
        Config.Postgres database = PostgresServer.shared().newDatabase();
        Map<String, String> env = Map.of("APP_PORT", "0", "METRICS_PORT", "0", "DATA_DIR", dataDir.toString(),
                "DATABASE_URL", database.url());
        App first = App.create(Config.fromEnv(env)).start();
        App second = App.create(Config.fromEnv(env)).start(); // the migrations found nothing left to do
        HttpClient http = HttpClient.newHttpClient();
        String authorization = TestSessions.signIn(first.port()); // a session in the shared database: both replicas know it
        ExecutorService pool = Executors.newFixedThreadPool(RETRIES_PER_KEY);
        try {
            for (int key = 0; key < KEYS; key++) {
                CountDownLatch go = new CountDownLatch(1);
                List<Future<HttpResponse<String>>> answers = new ArrayList<>();
                for (int retry = 0; retry < RETRIES_PER_KEY; retry++) {
                    App replica = retry % 2 == 0 ? first : second;
                    String idempotencyKey = "replicas-" + key;
                    answers.add(pool.submit(() -> {
                        go.await(); // all retries leave together, half to each replica
                        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + replica.port() + "/api/notes"))
                                .header("Content-Type", "application/json").header("Idempotency-Key", idempotencyKey)
                                .header("Authorization", authorization)
                                .POST(HttpRequest.BodyPublishers.ofString("{\"title\":\"once\"}")).build(),
                                HttpResponse.BodyHandlers.ofString());
                    }));
                }
                go.countDown();
                Set<Long> ids = new HashSet<>();
                int replayed = 0;
                for (Future<HttpResponse<String>> answer : answers) {
                    HttpResponse<String> res = answer.get();
                    assertEquals(201, res.statusCode(), res.body());
                    ids.add(JSON.readTree(res.body()).get("id").asLong());
                    replayed += res.headers().firstValue("Idempotent-Replayed").isPresent() ? 1 : 0;
                }
                assertEquals(1, ids.size(), "key " + key + ": every retry answers the same note: " + ids);
                assertEquals(RETRIES_PER_KEY - 1, replayed, "key " + key + ": one creation, the rest replays");
            }
        } finally {
            pool.shutdownNow();
            first.stop();
            second.stop();
        }
        try (Connection c = DriverManager.getConnection(database.url());
             ResultSet rs = c.createStatement().executeQuery("SELECT count(*) FROM notes")) {
            rs.next();
            assertEquals(KEYS, rs.getLong(1), "one note per key, none twice");
        }
    }
}
