package dev.roundtrip;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.javalin.testtools.HttpClient;
import io.javalin.testtools.JavalinTest;
import io.javalin.testtools.Response;
import io.javalin.testtools.TestCase;
import io.javalin.testtools.TestConfig;
import dev.roundtrip.contract.ValidatingHttpClient;
import dev.roundtrip.db.PostgresServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.http.HttpRequest.BodyPublishers;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Starts the real app on a fresh store, and small helpers for JSON calls. The store is a SQLite file in the
 * test's temp directory, or, when the tests run with -Droundtrip.test.store=postgresql (the second surefire
 * run in pom.xml), a fresh database on a real PostgreSQL server: one per temp directory, so a test that
 * starts the app twice on the same directory finds its data again, as with SQLite.
 */
public final class TestApps {

    public static final ObjectMapper JSON = new ObjectMapper();
    /** Which store this test run uses: "sqlite" (the default) or "postgresql". */
    public static final String STORE = System.getProperty("roundtrip.test.store", "sqlite");
    private static final Map<Path, Config.Postgres> DATABASES = new ConcurrentHashMap<>();

    private TestApps() {
    }

    public static boolean onPostgres() {
        return STORE.equals("postgresql");
    }

    public static Config config(Path dataDir) {
        Map<String, String> env = new HashMap<>(Map.of("APP_PORT", "0", "METRICS_PORT", "0", "DATA_DIR", dataDir.toString()));
        if (onPostgres()) {
            Config.Postgres database = postgres(dataDir);
            env.put("DATABASE_URL", database.url());
            env.put("DATABASE_POOL_SIZE", String.valueOf(database.poolSize()));
        }
        return Config.fromEnv(env);
    }

    /** The PostgreSQL database that stands for {@code dataDir} in a PostgreSQL run. */
    public static Config.Postgres postgres(Path dataDir) {
        return DATABASES.computeIfAbsent(dataDir, dir -> PostgresServer.shared().newDatabase());
    }

    /**
     * Runs {@code test} against a started app (port 0) on {@code dataDir}; the app is stopped afterwards.
     * Every response the test's client receives is checked against openapi.yaml.
     */
    public static void run(Path dataDir, TestCase test) {
        JavalinTest.test(App.create(config(dataDir)).javalin(), CONTRACT_CHECKED, test);
    }

    /** No cookies to clear (the API sets none); logs captured as JavalinTest does by default. */
    private static final TestConfig CONTRACT_CHECKED =
            new TestConfig(false, true, ValidatingHttpClient.wrap(java.net.http.HttpClient.newHttpClient()));

    public static Response postJson(HttpClient client, String path, String json, String... headers) {
        return send(client, "POST", path, json, headers);
    }

    public static Response putJson(HttpClient client, String path, String json, String... headers) {
        return send(client, "PUT", path, json, headers);
    }

    /**
     * Any method, a raw body (null for none) and header name/value pairs; Content-Type defaults to JSON. A write to
     * /api/notes is made as the default user (TestSessions) unless the test passes its own Authorization; passing
     * {@code "Authorization", null} sends none, as an anonymous client would.
     */
    public static Response send(HttpClient client, String method, String path, String body, String... headers) {
        String authorization = authorization(client, method, path, headers);
        return client.request(path, b -> {
            var publisher = body == null ? BodyPublishers.noBody() : BodyPublishers.ofString(body, StandardCharsets.UTF_8);
            switch (method) {
                case "GET" -> b.get();
                case "POST" -> b.post(publisher);
                case "PUT" -> b.put(publisher);
                case "PATCH" -> b.patch(publisher);
                case "DELETE" -> b.delete(publisher);
                default -> throw new IllegalArgumentException(method);
            }
            boolean hasContentType = false;
            for (int i = 0; i < headers.length; i += 2) {
                hasContentType |= headers[i].equalsIgnoreCase("Content-Type");
                if (!headers[i].equalsIgnoreCase("Authorization")) {
                    b.header(headers[i], headers[i + 1]);
                }
            }
            if (body != null && !hasContentType) {
                b.header("Content-Type", "application/json");
            }
            if (authorization != null) {
                b.header("Authorization", authorization);
            }
        });
    }

    /** The Authorization the request carries: the test's own (null: none), else the default user's on note writes. */
    private static String authorization(HttpClient client, String method, String path, String... headers) {
        for (int i = 0; i < headers.length; i += 2) {
            if (headers[i].equalsIgnoreCase("Authorization")) {
                return headers[i + 1];
            }
        }
        boolean write = !method.equals("GET");
        return write && path.startsWith("/api/notes") ? TestSessions.bearer(client) : null;
    }

    public static JsonNode json(Response response) {
        try {
            return JSON.readTree(response.body().string());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static String header(Response response, String name) {
        var values = response.headers().get(name);
        return values == null || values.isEmpty() ? null : values.get(0);
    }

    /** Counts rows straight from the store, bypassing the app. */
    public static long countRows(Path dataDir, String table) {
        try (Connection c = connect(dataDir); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT count(*) FROM " + table)) {
            rs.next();
            return rs.getLong(1);
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Runs one statement on the store from outside the app (a fault, a check). */
    public static void execute(Path dataDir, String sql) throws SQLException {
        try (Connection c = connect(dataDir); Statement s = c.createStatement()) {
            s.execute(sql);
        }
    }

    /**
     * Holds the store's write lock from outside the app until closed, so a write inside the app waits:
     * SQLite's one write lock (BEGIN IMMEDIATE), or on PostgreSQL a lock on the notes table that blocks inserts.
     */
    public static AutoCloseable blockWrites(Path dataDir) throws SQLException {
        Connection c = connect(dataDir);
        try (Statement s = c.createStatement()) {
            if (onPostgres()) {
                c.setAutoCommit(false);
                s.execute("LOCK TABLE notes IN SHARE ROW EXCLUSIVE MODE");
            } else {
                s.execute("BEGIN IMMEDIATE");
            }
        }
        return () -> {
            try (c; Statement s = c.createStatement()) {
                if (onPostgres()) {
                    c.rollback();
                } else {
                    s.execute("ROLLBACK");
                }
            }
        };
    }

    private static Connection connect(Path dataDir) throws SQLException {
        return DriverManager.getConnection(onPostgres() ? postgres(dataDir).url() : "jdbc:sqlite:" + dataDir.resolve("roundtrip.db"));
    }
}
