package dev.roundtrip.accounts;

import com.fasterxml.jackson.databind.JsonNode;
import dev.roundtrip.App;
import dev.roundtrip.Config;
import dev.roundtrip.TestApps;
import io.javalin.testtools.JavalinTest;
import io.javalin.testtools.TestConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * A plain HTTP client for the accounts tests: any method (OPTIONS too), any header, no cookie jar (a test names
 * every cookie it sends), helpers to register and log in, and a way to read the store straight, bypassing the app.
 */
public final class Api {

    public static final String PASSWORD = "correct horse battery";
    public static final String COOKIE = "__Host-roundtrip-session";
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    /** Logs captured as JavalinTest does by default; no cookie jar in its client either. */
    private static final TestConfig PLAIN = new TestConfig(false, true, HttpClient.newHttpClient());

    private final String base;
    private final int port;

    public Api(int port) {
        this.base = "http://localhost:" + port;
        this.port = port;
    }

    public int port() {
        return port;
    }

    /** A test body, which may throw. */
    @FunctionalInterface
    public interface Body {
        void run(Api api) throws Exception;
    }

    /** Runs {@code test} against the real app on a fresh store in {@code dataDir}, stopped afterwards. */
    public static void withApp(Path dataDir, Body test) {
        withApp(TestApps.config(dataDir), test);
    }

    public static void withApp(Config config, Body test) {
        JavalinTest.test(App.create(config).javalin(), PLAIN, (server, client) -> test.run(new Api(server.port())));
    }

    /** What the app takes as its own origin when called directly. */
    public String origin() {
        return base;
    }

    /** Any method, a body (null: none; JSON unless a Content-Type is given) and header name/value pairs. */
    public HttpResponse<String> send(String method, String path, String body, String... headers) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(180))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8));
        boolean hasType = false;
        for (int i = 0; i < headers.length; i += 2) {
            hasType |= headers[i].equalsIgnoreCase("Content-Type");
            b.header(headers[i], headers[i + 1]);
        }
        if (body != null && !hasType) {
            b.header("Content-Type", "application/json");
        }
        try {
            return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    public HttpResponse<String> get(String path, String... headers) {
        return send("GET", path, null, headers);
    }

    public HttpResponse<String> post(String path, String body, String... headers) {
        return send("POST", path, body, headers);
    }

    public static String credentials(String username, String password) {
        return TestApps.JSON.createObjectNode().put("username", username).put("password", password).toString();
    }

    public HttpResponse<String> register(String username, String password) {
        return post("/api/users", credentials(username, password));
    }

    public HttpResponse<String> logIn(String username, String password) {
        return post("/api/sessions", credentials(username, password));
    }

    /** Registers {@code username} with {@link #PASSWORD} and logs in: the token (two Argon2id runs). */
    public String newUser(String username) {
        expect(201, register(username, PASSWORD));
        return token(username, PASSWORD);
    }

    /** Logs in; the token from the 201 answer. */
    public String token(String username, String password) {
        return json(expect(201, logIn(username, password))).get("token").asText();
    }

    /** GET /api/me with a bearer token: the status and, for 200, who. */
    public HttpResponse<String> me(String token) {
        return get("/api/me", "Authorization", bearer(token));
    }

    public static String bearer(String token) {
        return "Bearer " + token;
    }

    public static HttpResponse<String> expect(int status, HttpResponse<String> response) {
        if (response.statusCode() != status) {
            throw new AssertionError("expected " + status + ", got " + response.statusCode() + " "
                    + response.headers().map() + " " + response.body());
        }
        return response;
    }

    public static JsonNode json(HttpResponse<String> response) {
        try {
            return TestApps.JSON.readTree(response.body());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The problem type of an error answer. */
    public static String type(HttpResponse<String> response) {
        return json(response).path("type").asText();
    }

    public static String header(HttpResponse<String> response, String name) {
        return response.headers().firstValue(name).orElse(null);
    }

    /** The fields named by a 400's errors[]. */
    public static List<String> fields(HttpResponse<String> response) {
        List<String> fields = new ArrayList<>();
        json(response).path("errors").forEach(e -> fields.add(e.path("field").asText()));
        return fields;
    }

    /** The rows of a query straight from the store, each as its columns' text. */
    public static List<List<String>> query(Path dataDir, String sql) {
        try (Connection c = DriverManager.getConnection(TestApps.onPostgres() ? TestApps.postgres(dataDir).url()
                : "jdbc:sqlite:" + dataDir.resolve("roundtrip.db"));
             Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            List<List<String>> rows = new ArrayList<>();
            int columns = rs.getMetaData().getColumnCount();
            while (rs.next()) {
                List<String> row = new ArrayList<>();
                for (int i = 1; i <= columns; i++) {
                    row.add(rs.getString(i));
                }
                rows.add(row);
            }
            return rows;
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The one value of a one-row, one-column query. */
    public static String value(Path dataDir, String sql) {
        List<List<String>> rows = query(dataDir, sql);
        if (rows.size() != 1) {
            throw new AssertionError(sql + " gave " + rows.size() + " rows");
        }
        return rows.get(0).get(0);
    }

    /** TestApps.execute without the checked exception. */
    public static void execute(Path dataDir, String sql) {
        try {
            TestApps.execute(dataDir, sql);
        } catch (SQLException e) {
            throw new IllegalStateException(sql, e);
        }
    }
}
