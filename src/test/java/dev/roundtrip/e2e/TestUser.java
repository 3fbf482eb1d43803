package dev.roundtrip.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;

/**
 * A user made through the API the way a person makes one: POST /api/users with a name no other run uses, then
 * POST /api/sessions. Sent straight to an app's port, not through Nginx: the edge allows 10 of these a minute per
 * address, and that limit is the subject of its own tests, not a toll on every test that writes.
 */
record TestUser(String username, String password, String token) {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    /** Registers a new user on the app at {@code app} (e.g. http://127.0.0.1:8000) and logs in once. */
    static TestUser register(URI app) {
        String name = "e2e-" + UUID.randomUUID().toString().substring(0, 13); // PostgreSQL databases outlive a run
        String password = "pw-" + UUID.randomUUID();
        expect(201, post(app, "/api/users", credentials(name, password)), "POST /api/users " + name);
        return new TestUser(name, password, logIn(app, name, password));
    }

    /** Another session of the same user: for a test that ends one session and must not end the stack's. */
    TestUser logInAgain(URI app) {
        return new TestUser(username, password, logIn(app, username, password));
    }

    /** The value of the Authorization header that carries this session. */
    String bearer() {
        return "Bearer " + token;
    }

    private static String logIn(URI app, String name, String password) {
        HttpResponse<String> res = expect(201, post(app, "/api/sessions", credentials(name, password)), "log-in of " + name);
        try {
            JsonNode session = JSON.readTree(res.body());
            return session.get("token").asText();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static String credentials(String name, String password) {
        try {
            return JSON.writeValueAsString(Map.of("username", name, "password", password));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static HttpResponse<String> post(URI app, String path, String json) {
        try {
            return HTTP.send(HttpRequest.newBuilder(app.resolve(path)).timeout(Duration.ofSeconds(30))
                    .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(json)).build(),
                    HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted: POST " + path, e);
        }
    }

    private static HttpResponse<String> expect(int status, HttpResponse<String> res, String what) {
        if (res.statusCode() != status) {
            throw new AssertionError(what + " → " + res.statusCode() + " (expected " + status + "): " + res.body());
        }
        return res;
    }
}
