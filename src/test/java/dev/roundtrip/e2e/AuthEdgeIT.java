package dev.roundtrip.e2e;

import static dev.roundtrip.e2e.AuthEdgeCalls.body;
import static dev.roundtrip.e2e.AuthEdgeCalls.header;
import static dev.roundtrip.e2e.AuthEdgeCalls.json;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpClient;
import java.net.http.HttpClient.Version;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Accounts at the edge, through the real Nginx over HTTPS (HTTP/2 and HTTP/1.1, gzip asked for): the stricter
 * log-in limit per address, secrets kept out of both logs, the session cookie and CORS answers passed whole.
 * Each test that fills a rate-limit bucket sends from its own loopback address (curl --interface), so no test
 * depends on another's order. The clients do not check answers against openapi.yaml: this test is about what the
 * edge does to requests and answers (some of them deliberately hostile); the app's own tests check their shapes.
 */
class AuthEdgeIT {

    static final String ALLOWED_ORIGIN = "https://a.example";
    private static EdgeStack stack;
    private static AuthEdgeCalls calls;

    @BeforeAll
    static void startStack() throws Exception {
        stack = EdgeStack.start(Map.of(), Map.of("CORS_ORIGINS", ALLOWED_ORIGIN + ",https://b.example"));
        calls = new AuthEdgeCalls(stack);
    }

    @AfterAll
    static void stopStack() throws Exception {
        if (stack != null) {
            stack.close();
        }
    }

    @Test
    void rapidLogInsFromOneAddressGet429WhileItsReadsAndLogOutsStillPass() throws Exception {
        String flooder = "127.0.0.3";
        // The default burst is 10 at 10 a minute: the 1st request and 10 more pass, then the bucket is full.
        List<Integer> statuses = calls.curlStatuses(flooder, "--http2", 16, "-X", "POST",
                "-H", "Content-Type: application/json", "--data", "{}", stack.https("/api/sessions").toString());
        assertFalse(statuses.subList(0, 11).contains(429), "counted once per request, not twice: " + statuses);
        assertEquals(429, statuses.get(statuses.size() - 1), "the limit holds: " + statuses);

        AuthEdgeCalls.Answer refused = calls.curl(flooder, "--http1.1", "-X", "POST", "-H", "Content-Type: application/json",
                "--data", "{\"username\":\"alice\",\"password\":\"correct horse\"}", stack.https("/api/sessions").toString());
        assertEquals(429, refused.status());
        assertEquals("application/problem+json", refused.header("content-type"));
        assertEquals("6", refused.header("retry-after"), "10 a minute: room for one more within 6 s");
        JsonNode problem = json(refused.body());
        assertEquals("/problems/too-many-logins-from-this-address", problem.get("type").asText());
        assertEquals(refused.header("x-request-id"), problem.get("requestId").asText());
        assertEquals("max-age=300", refused.header("strict-transport-security"), "the security headers, too");
        assertEquals(200, calls.curl("127.0.0.1", "--http2", stack.https(problem.get("type").asText()).toString()).status(),
                "the type names a page that explains it");

        assertEquals(429, calls.curl(flooder, "--http2", "-X", "POST", "-H", "Content-Type: application/json",
                "--data", "{}", stack.https("/api/users").toString()).status(), "registration shares the bucket");
        assertEquals(429, calls.curl(flooder, "--http2", "-X", "POST", "--data", "{}",
                stack.https("/api//%73essions/").toString()).status(), "another spelling of the same path");
        assertEquals(200, calls.curl(flooder, "--http2", stack.https("/api/notes").toString()).status(), "reads still pass");
        assertNotEquals(429, calls.curl(flooder, "--http1.1", "-X", "DELETE",
                stack.https("/api/sessions/current").toString()).status(), "logging out is not limited");
        assertNotEquals(429, calls.curl("127.0.0.4", "--http2", "-X", "POST", "-H", "Content-Type: application/json",
                "--data", "{}", stack.https("/api/sessions").toString()).status(), "another address has its own bucket");
    }

    @Test
    void secretsInHeadersBodiesAndUrlsNeverReachNginxsLogOrTheAppsLog() throws Exception {
        Map<String, String> secrets = Map.of(
                "bearer", AuthEdgeCalls.secret(), "cookie", AuthEdgeCalls.secret(), "password", AuthEdgeCalls.secret(),
                "access_token", AuthEdgeCalls.secret(), "token", AuthEdgeCalls.secret(), "session", AuthEdgeCalls.secret());
        HttpClient h2 = stack.unvalidatedClient(Version.HTTP_2);
        HttpClient h1 = stack.unvalidatedClient(Version.HTTP_1_1);
        long appLinesBefore = calls.appAccessLines();
        List<HttpResponse<byte[]>> answers = new ArrayList<>();
        answers.add(calls.send(h2, calls.request("/api/notes").header("Authorization", "Bearer " + secrets.get("bearer"))));
        answers.add(calls.send(h1, calls.request("/api/notes").header("Cookie", "__Host-roundtrip-session=" + secrets.get("cookie"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"title\":\"t\",\"body\":\"b\",\"tags\":[]}"))));
        answers.add(calls.send(h2, calls.request("/api/sessions").header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"username\":\"log-check\",\"password\":\"" + secrets.get("password") + "\"}"))));
        answers.add(calls.send(h2, calls.request("/api/notes?access_token=" + secrets.get("access_token"))));
        answers.add(calls.send(h1, calls.request("/api/notes?limit=1&token=" + secrets.get("token"))));
        answers.add(calls.send(h2, calls.request("/api/me?q=x&session=" + secrets.get("session") + "&token=" + secrets.get("token"))));
        answers.add(calls.send(h1, calls.request("/api/sessions/current").header("Authorization", "Bearer " + secrets.get("bearer"))
                .DELETE()));

        for (HttpResponse<byte[]> answer : answers) {
            calls.awaitNginxEntry(header(answer, "X-Request-ID"));
        }
        // Every one reached the app: wait for all its access lines (counted, as a log-in's is written on a hasher thread).
        EdgeStack.await(() -> calls.appAccessLines() >= appLinesBefore + answers.size(), "the app's access lines");
        assertEquals("/api/notes?access_token=***", calls.awaitNginxEntry(header(answers.get(3), "X-Request-ID")).get("uri").asText());
        assertEquals("/api/notes?limit=1&token=***", calls.awaitNginxEntry(header(answers.get(4), "X-Request-ID")).get("uri").asText());
        assertEquals("/api/me?(query hidden: more than one credential-like parameter)",
                calls.awaitNginxEntry(header(answers.get(5), "X-Request-ID")).get("uri").asText());

        String nginxLogs = String.join("\n", stack.nginxAccessLog()) + Files.readString(stack.nginxDir().resolve("logs/error.log"));
        String appLog = stack.appLog();
        for (Map.Entry<String, String> secret : secrets.entrySet()) {
            assertFalse(nginxLogs.contains(secret.getValue()), "the " + secret.getKey() + " secret is in Nginx's logs");
            assertFalse(appLog.contains(secret.getValue()), "the " + secret.getKey() + " secret is in the app's log");
            for (HttpResponse<byte[]> answer : answers) {
                assertFalse(answer.headers().toString().contains(secret.getValue()), "echoed in a response header");
            }
        }
    }

    @Test
    void logInOverHttp2AndHttp11SetsTheSessionCookieThatThenAuthenticates() throws Exception {
        String username = "edge-" + AuthEdgeCalls.secret().substring(0, 8).toLowerCase().replaceAll("[^a-z0-9]", "x");
        String credentials = "{\"username\":\"" + username + "\",\"password\":\"a long enough password\"}";
        HttpClient h2 = stack.unvalidatedClient(Version.HTTP_2);
        assertEquals(201, calls.send(h2, calls.request("/api/users").header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(credentials))).statusCode());
        for (Version version : new Version[] {Version.HTTP_2, Version.HTTP_1_1}) {
            HttpClient client = stack.unvalidatedClient(version);
            HttpResponse<byte[]> login = calls.send(client, calls.request("/api/sessions").header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(credentials)));
            assertEquals(201, login.statusCode(), body(login));
            assertEquals(version, login.version());
            assertEquals("no-store", header(login, "Cache-Control"), "a token in no cache on the way");
            String token = json(body(login)).get("token").asText();
            List<String> cookies = login.headers().allValues("Set-Cookie");
            assertEquals(1, cookies.size(), "one Set-Cookie, not dropped or doubled by Nginx: " + cookies);
            String cookie = cookies.get(0);
            assertTrue(cookie.startsWith("__Host-roundtrip-session=" + token + ";"), cookie);
            for (String attribute : new String[] {"Path=/", "Secure", "HttpOnly", "SameSite=Strict"}) {
                assertTrue(cookie.contains(attribute), attribute + " in " + cookie);
            }

            String sent = "__Host-roundtrip-session=" + token;
            HttpResponse<byte[]> me = calls.send(client, calls.request("/api/me").header("Cookie", sent));
            assertEquals(200, me.statusCode(), body(me));
            assertEquals("cookie", json(body(me)).get("session").get("via").asText());
            HttpResponse<byte[]> logout = calls.send(client, calls.request("/api/sessions/current").header("Cookie", sent).DELETE());
            assertEquals(204, logout.statusCode(), body(logout));
            assertTrue(header(logout, "Set-Cookie").contains("Max-Age=0"), header(logout, "Set-Cookie"));
            assertEquals(401, calls.send(client, calls.request("/api/me").header("Cookie", sent)).statusCode());
        }
    }

    @Test
    void corsPreflightReachesTheAppThroughTheWriteHopAndItsAnswerComesBackWhole() throws Exception {
        for (Version version : new Version[] {Version.HTTP_2, Version.HTTP_1_1}) {
            HttpClient client = stack.unvalidatedClient(version);
            HttpResponse<byte[]> preflight = calls.send(client, calls.request("/api/notes/1").header("Origin", ALLOWED_ORIGIN)
                    .header("Access-Control-Request-Method", "PUT").header("Access-Control-Request-Headers", "authorization,if-match")
                    .method("OPTIONS", HttpRequest.BodyPublishers.noBody()));
            assertEquals(204, preflight.statusCode(), body(preflight));
            assertEquals(ALLOWED_ORIGIN, header(preflight, "Access-Control-Allow-Origin"));
            assertTrue(header(preflight, "Access-Control-Allow-Methods").contains("PUT"));
            assertTrue(header(preflight, "Access-Control-Allow-Headers").contains("If-Match"));
            assertEquals("600", header(preflight, "Access-Control-Max-Age"));
            assertNull(header(preflight, "Access-Control-Allow-Credentials"), "cross-origin callers use bearer tokens");
            assertTrue(AuthEdgeCalls.allValues(preflight, "Vary").contains("Origin"));
            assertEquals("max-age=300", header(preflight, "Strict-Transport-Security"), "the edge's headers are added too");
            assertTrue(calls.awaitAppLine(header(preflight, "X-Request-ID")).contains("method=OPTIONS"),
                    "the write hop restored the method: the app saw OPTIONS, not the hop's POST");

            HttpResponse<byte[]> foreign = calls.send(client, calls.request("/api/notes").header("Origin", "https://evil.example")
                    .header("Access-Control-Request-Method", "POST").method("OPTIONS", HttpRequest.BodyPublishers.noBody()));
            assertEquals(403, foreign.statusCode(), body(foreign));
            assertNull(header(foreign, "Access-Control-Allow-Origin"));

            // The journey is large enough (over gzip_min_length) to be compressed: gzip adds a Vary of its own.
            HttpResponse<byte[]> read = calls.send(client, calls.request("/api/journey").header("Origin", ALLOWED_ORIGIN));
            assertEquals(200, read.statusCode());
            assertEquals("gzip", header(read, "Content-Encoding"));
            assertEquals(ALLOWED_ORIGIN, header(read, "Access-Control-Allow-Origin"));
            String vary = AuthEdgeCalls.allValues(read, "Vary");
            assertTrue(vary.contains("Origin") && vary.contains("Accept-Encoding"), "the app's Vary and gzip's, both: " + vary);
        }
    }
}
