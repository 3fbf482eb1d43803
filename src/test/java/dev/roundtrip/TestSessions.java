package dev.roundtrip;

import com.fasterxml.jackson.databind.JsonNode;
import dev.roundtrip.contract.ValidatingHttpClient;
import io.javalin.testtools.HttpClient;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.WeakHashMap;
import java.util.function.BiFunction;

/**
 * Sessions for tests, obtained the way a script gets one: POST /api/users, then POST /api/sessions, through the
 * same (contract-checked) client. Argon2id costs tens of milliseconds per hash, so a client signs each user in
 * once and keeps the token; an app restarted on the same store finds the user registered (409) and logs in.
 */
public final class TestSessions {

    /** The user every write in TestApps.send is made as, unless the test says otherwise. */
    public static final String USERNAME = "tester";
    public static final String PASSWORD = "a test password";

    /** Per client (one per started app), per username: "Bearer <token>". */
    private static final Map<HttpClient, Map<String, String>> BEARERS = new WeakHashMap<>();

    private TestSessions() {
    }

    /** The Authorization value of the default user on the app behind {@code client}; signs in on the first call. */
    public static String bearer(HttpClient client) {
        return bearer(client, USERNAME);
    }

    /** The Authorization value of {@code username} (registered with {@link #PASSWORD}) on the app behind {@code client}. */
    public static String bearer(HttpClient client, String username) {
        synchronized (BEARERS) { // one sign-in per user even when a test's threads all write at once
            return BEARERS.computeIfAbsent(client, c -> new HashMap<>())
                    .computeIfAbsent(username, name -> signIn(name, (path, json) -> {
                        var res = client.request(path, b -> b.post(BodyPublishers.ofString(json, StandardCharsets.UTF_8))
                                .header("Content-Type", "application/json"));
                        return Map.entry(res.code(), res.body().string());
                    }));
        }
    }

    /** The default user's Authorization value on the app listening on {@code port}, for tests on raw java.net.http. */
    public static String signIn(int port) {
        return signIn(port, USERNAME);
    }

    /** A fresh session of {@code username} on the app listening on {@code port}; registers the user if needed. */
    public static String signIn(int port, String username) {
        java.net.http.HttpClient http = ValidatingHttpClient.wrap(java.net.http.HttpClient.newHttpClient());
        return signIn(username, (path, json) -> {
            HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                    .header("Content-Type", "application/json").POST(BodyPublishers.ofString(json, StandardCharsets.UTF_8)).build();
            try {
                HttpResponse<String> res = http.send(request, HttpResponse.BodyHandlers.ofString());
                return Map.entry(res.statusCode(), res.body());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        });
    }

    /** Registers (201, or 409 when a restarted app already has the user) and logs in; "Bearer <token>". */
    private static String signIn(String username, BiFunction<String, String, Map.Entry<Integer, String>> post) {
        String credentials = TestApps.JSON.createObjectNode().put("username", username).put("password", PASSWORD).toString();
        var registered = post.apply("/api/users", credentials);
        if (registered.getKey() != 201 && registered.getKey() != 409) {
            throw new AssertionError("registering " + username + ": " + registered.getKey() + " " + registered.getValue());
        }
        var session = post.apply("/api/sessions", credentials);
        if (session.getKey() != 201) {
            throw new AssertionError("logging in as " + username + ": " + session.getKey() + " " + session.getValue());
        }
        try {
            JsonNode body = TestApps.JSON.readTree(session.getValue());
            return body.get("tokenType").asText() + " " + body.get("token").asText();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
