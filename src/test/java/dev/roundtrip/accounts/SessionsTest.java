package dev.roundtrip.accounts;

import static dev.roundtrip.accounts.Api.PASSWORD;
import static dev.roundtrip.accounts.Api.bearer;
import static dev.roundtrip.accounts.Api.expect;
import static dev.roundtrip.accounts.Api.header;
import static dev.roundtrip.accounts.Api.json;
import static dev.roundtrip.accounts.Api.query;
import static dev.roundtrip.accounts.Api.type;
import static dev.roundtrip.accounts.Api.value;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.roundtrip.TestApps;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A session from log-in to log-out: the token, the cookie, what the table keeps, and how a session ends. */
class SessionsTest {

    private static final Pattern TOKEN = Pattern.compile("[A-Za-z0-9_-]{43}");
    private static final String CHALLENGE = "Bearer realm=\"roundtrip\"";

    @TempDir
    Path dir;

    @Test
    void aRegisteredUserLogsInIsKnownByBearerAndByCookieAndLogsOut() {
        Api.withApp(dir, api -> {
            HttpResponse<String> registered = expect(201, api.register("Alice", PASSWORD));
            assertEquals("Alice", json(registered).get("username").asText());
            assertEquals(0, TestApps.countRows(dir, "sessions"), "registering does not log in");

            HttpResponse<String> login = expect(201, api.logIn("alice", PASSWORD));
            JsonNode session = json(login);
            String token = session.get("token").asText();
            assertTrue(TOKEN.matcher(token).matches(), token);
            assertEquals("Bearer", session.get("tokenType").asText());
            assertEquals(43200, session.get("idleTimeoutSeconds").asInt());
            assertEquals("Alice", session.get("user").get("username").asText());
            String cookie = header(login, "Set-Cookie");
            assertTrue(cookie.startsWith(Api.COOKIE + "=" + token + ";"), cookie);
            Set<String> attributes = attributes(cookie);
            for (String expected : List.of("path=/", "secure", "httponly", "samesite=strict", "max-age=604800")) {
                assertTrue(attributes.contains(expected), expected + " in " + cookie);
            }
            assertFalse(cookie.toLowerCase().contains("domain="), cookie);

            JsonNode byBearer = json(expect(200, api.me(token)));
            assertEquals("Alice", byBearer.get("username").asText());
            assertEquals("bearer", byBearer.get("session").get("via").asText());
            JsonNode byCookie = json(expect(200, api.get("/api/me", "Cookie", Api.COOKIE + "=" + token)));
            assertEquals("cookie", byCookie.get("session").get("via").asText());
            assertEquals(byBearer.get("id"), byCookie.get("id"));

            HttpResponse<String> logout = expect(204, api.send("DELETE", "/api/sessions/current", null,
                    "Authorization", bearer(token)));
            String cleared = header(logout, "Set-Cookie");
            assertTrue(cleared.startsWith(Api.COOKIE + "=;"), cleared);
            assertTrue(attributes(cleared).contains("max-age=0"), cleared);

            HttpResponse<String> after = expect(401, api.me(token));
            assertEquals("/problems/unauthenticated", type(after));
            assertEquals(CHALLENGE + ", error=\"invalid_token\"", header(after, "WWW-Authenticate"));
            expect(401, api.get("/api/me", "Cookie", Api.COOKIE + "=" + token));
        });
        assertEquals(0, TestApps.countRows(dir, "sessions"), "log-out removes the row");
    }

    @Test
    void noCredentialIs401WithAChallengeThatNamesNoError() {
        Api.withApp(dir, api -> {
            for (HttpResponse<String> res : List.of(api.get("/api/me"),
                    api.send("DELETE", "/api/sessions/current", null),
                    api.send("PUT", "/api/me/password", "{\"currentPassword\":\"a\",\"newPassword\":\"b\"}"),
                    api.post("/api/notes", "{\"title\":\"anonymous\"}"))) {
                expect(401, res);
                assertEquals("/problems/unauthenticated", type(res));
                assertEquals(CHALLENGE, header(res, "WWW-Authenticate"));
            }
        });
        assertEquals(0, TestApps.countRows(dir, "notes"));
    }

    @Test
    void theTableHoldsTheSha256OfEachTokenNeverTheTokenAndEveryLogInGetsANewOne() throws Exception {
        Api.withApp(dir, api -> {
            String first = api.newUser("carol");
            String second = api.token("carol", PASSWORD);
            assertNotEquals(first, second);
            Set<String> stored = new HashSet<>();
            for (List<String> row : query(dir, "SELECT * FROM sessions")) {
                for (String column : row) {
                    assertFalse(column.contains(first) || column.contains(second), "a token is stored: " + row);
                }
                stored.add(row.get(0));
            }
            assertEquals(Set.of(sha256(first), sha256(second)), stored);
            expect(200, api.me(first));
            expect(200, api.me(second));
        });
    }

    @Test
    void aUserHoldsAtMostTwentySessionsAndALogInBeyondEndsTheOldest() {
        Api.withApp(dir, api -> {
            String newest = api.newUser("dave");
            String id = value(dir, "SELECT user_id FROM sessions");
            for (int i = 0; i < 25; i++) { // older than the real one, unexpired
                String at = String.format("2026-01-01T00:00:%02d.000Z", i);
                Api.execute(dir, "INSERT INTO sessions (token_hash, user_id, created_at, last_used_at, expires_at) VALUES ('"
                        + "filler" + i + "', " + id + ", '" + at + "', '2999-01-01T00:00:00.000Z', '2999-01-01T00:00:00.000Z')");
            }
            assertEquals(26, TestApps.countRows(dir, "sessions"));
            String again = api.token("dave", PASSWORD);
            assertEquals(20, TestApps.countRows(dir, "sessions"));
            expect(200, api.me(newest));
            expect(200, api.me(again));
            assertEquals(List.of(), query(dir, "SELECT token_hash FROM sessions WHERE token_hash IN ('filler0', 'filler5')"),
                    "the oldest end first");
        });
    }

    @Test
    void aSessionPastItsAbsoluteEndOrIdleTooLongIs401() {
        Api.withApp(dir, api -> {
            String expired = api.newUser("erin");
            String idle = api.token("erin", PASSWORD);
            Api.execute(dir, "UPDATE sessions SET expires_at = '2020-01-01T00:00:00.000Z' WHERE token_hash = '" + sha256(expired) + "'");
            Api.execute(dir, "UPDATE sessions SET last_used_at = '2020-01-01T00:00:00.000Z' WHERE token_hash = '" + sha256(idle) + "'");
            for (String token : List.of(expired, idle)) {
                HttpResponse<String> res = expect(401, api.me(token));
                assertEquals(CHALLENGE + ", error=\"invalid_token\"", header(res, "WWW-Authenticate"));
            }
        });
    }

    @Test
    void aPasswordChangeEndsEverySessionAndOnlyTheNewPasswordLogsIn() {
        Api.withApp(dir, api -> {
            String one = api.newUser("frank");
            String two = api.token("frank", PASSWORD);
            String body = "{\"currentPassword\":\"" + PASSWORD + "\",\"newPassword\":\"a whole new one\"}";
            HttpResponse<String> changed = expect(201, api.send("PUT", "/api/me/password", body, "Authorization", bearer(one)));
            String fresh = json(changed).get("token").asText();
            assertTrue(TOKEN.matcher(fresh).matches());
            assertTrue(header(changed, "Set-Cookie").startsWith(Api.COOKIE + "=" + fresh + ";"));
            expect(401, api.me(one));
            expect(401, api.me(two));
            expect(200, api.me(fresh));
            assertEquals(1, TestApps.countRows(dir, "sessions"));
            assertEquals("/problems/login-failed", type(expect(401, api.logIn("frank", PASSWORD))));
            expect(201, api.logIn("frank", "a whole new one"));
        });
    }

    @Test
    void aWrongCurrentPasswordIs403AndChangesNothing() {
        Api.withApp(dir, api -> {
            String token = api.newUser("grace");
            String hash = value(dir, "SELECT password_hash FROM users WHERE username = 'grace'");
            String body = "{\"currentPassword\":\"not the password\",\"newPassword\":\"a whole new one\"}";
            HttpResponse<String> refused = expect(403, api.send("PUT", "/api/me/password", body, "Authorization", bearer(token)));
            assertEquals("/problems/wrong-password", type(refused));
            assertNull(header(refused, "Set-Cookie"));
            assertEquals(hash, value(dir, "SELECT password_hash FROM users WHERE username = 'grace'"));
            assertEquals(1, TestApps.countRows(dir, "sessions"));
            expect(200, api.me(token));
        });
    }

    static String sha256(String token) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.US_ASCII)));
    }

    private static Set<String> attributes(String cookie) {
        Set<String> attributes = new HashSet<>();
        for (String part : cookie.split(";")) {
            attributes.add(part.strip().toLowerCase());
        }
        return attributes;
    }
}
