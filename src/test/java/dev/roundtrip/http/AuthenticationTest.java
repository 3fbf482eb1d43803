package dev.roundtrip.http;

import static dev.roundtrip.accounts.Api.COOKIE;
import static dev.roundtrip.accounts.Api.bearer;
import static dev.roundtrip.accounts.Api.expect;
import static dev.roundtrip.accounts.Api.header;
import static dev.roundtrip.accounts.Api.json;
import static dev.roundtrip.accounts.Api.type;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.roundtrip.TestApps;
import dev.roundtrip.accounts.Api;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Which credentials a request may bring, which wins, and which writes a cookie may sign. */
class AuthenticationTest {

    private static final String INVALID = "Bearer realm=\"roundtrip\", error=\"invalid_token\"";

    @TempDir
    Path dir;

    @Test
    void forgedTruncatedOverlongAndNonBase64urlTokensAre401AndNever500() {
        Api.withApp(dir, api -> {
            String real = api.newUser("mallory");
            byte[] random = new byte[32];
            new SecureRandom().nextBytes(random);
            String forged = Base64.getUrlEncoder().withoutPadding().encodeToString(random);
            List<String> tokens = List.of(forged, real.substring(0, 42), real.substring(1), real + "A", real + real,
                    "A".repeat(8000), real.substring(0, 42) + "+", real.substring(0, 42) + "/", real.substring(0, 42) + "=",
                    real.substring(0, 42) + ".", real.substring(0, 41) + "%41", "Zm9v", "null");
            for (String token : tokens) {
                for (HttpResponse<String> res : List.of(api.get("/api/me", "Authorization", bearer(token)),
                        api.get("/api/me", "Cookie", COOKIE + "=" + token))) {
                    assertEquals(401, res.statusCode(), token + " → " + res.body());
                    assertEquals("/problems/unauthenticated", type(res));
                    assertEquals(INVALID, header(res, "WWW-Authenticate"), token);
                }
            }
            expect(200, api.me(real));
        });
    }

    @Test
    void otherAuthorizationSchemesAndAnEmptyBearerAre401() {
        Api.withApp(dir, api -> {
            String token = api.newUser("oscar");
            for (String authorization : List.of("Basic b3NjYXI6Y29ycmVjdCBob3JzZSBiYXR0ZXJ5", "Basic " + token, "Token " + token,
                    "Bearer", "Bearer ", "Bearer  ", "Bearer" + token, token, "Digest username=\"oscar\"")) {
                HttpResponse<String> res = api.get("/api/me", "Authorization", authorization);
                assertEquals(401, res.statusCode(), authorization + " → " + res.body());
                assertEquals("/problems/unauthenticated", type(res));
            }
            expect(401, api.post("/api/notes", "{\"title\":\"x\"}", "Authorization", "Basic b3NjYXI6eA=="));
        });
        assertEquals(0, TestApps.countRows(dir, "notes"));
    }

    @Test
    void whenCookieAndBearerBothComeTheBearerWins() {
        Api.withApp(dir, api -> {
            String peggy = api.newUser("peggy");
            String quinn = api.newUser("quinn");
            HttpResponse<String> me = expect(200, api.get("/api/me", "Authorization", bearer(quinn), "Cookie", COOKIE + "=" + peggy));
            assertEquals("quinn", json(me).get("username").asText());
            assertEquals("bearer", json(me).get("session").get("via").asText());
            HttpResponse<String> badBearer = api.get("/api/me", "Authorization", bearer("x".repeat(43)), "Cookie", COOKIE + "=" + peggy);
            assertEquals(401, badBearer.statusCode(), "a bad header is not rescued by the cookie");
            HttpResponse<String> note = expect(201, api.post("/api/notes", "{\"title\":\"q\"}",
                    "Authorization", bearer(quinn), "Cookie", COOKIE + "=" + peggy));
            assertEquals("quinn", json(note).get("owner").asText());
        });
    }

    @Test
    void aTokenInTheQueryStringIs400WhateverTheSpellingAndAMalformedQueryIsNot500() {
        Api.withApp(dir, api -> {
            for (String query : List.of("access_token=abc", "token=abc", "session=abc", "Access_Token=abc", "TOKEN=abc",
                    "SeSsIoN=abc", "%61ccess_token=abc", "access%5Ftoken=abc", "%54OKEN=abc", "q=x&token=abc", "token",
                    "token=", "limit=5&session=x&q=y",
                    "%61%63%63%65%73%73%5F%74%6F%6B%65%6E=abc", "%73%65%73%73%69%6F%6E=abc")) {
                for (String path : List.of("/api/notes", "/api/me", "/api/health", "/api/notes/1")) {
                    HttpResponse<String> res = api.get(path + "?" + query);
                    assertEquals(400, res.statusCode(), path + "?" + query + " → " + res.body());
                    assertEquals("/problems/credentials-in-url", type(res));
                }
            }
            expect(400, api.post("/api/sessions?token=abc", Api.credentials("a-user", "a password")));
            for (String query : List.of("%zz", "%", "token%zz=1", "%zz&token=1", "a=%E0%A4%A")) {
                for (String path : List.of("/api/notes", "/api/me", "/api/health")) {
                    int status = RawSocket.status(api.port(), RawSocket.head("GET", path + "?" + query));
                    assertTrue(status > 0 && status < 500, path + "?" + query + " → " + status);
                }
            }
            expect(200, api.get("/api/notes?tokens=1&q=token"));
        });
    }

    @Test
    void aCookieSignedWriteFromAnotherSiteIs403AndFromThisSiteGoesThrough() {
        Api.withApp(dir, api -> {
            String token = api.newUser("rita");
            String cookie = COOKIE + "=" + token;
            String note = header(expect(201, api.post("/api/notes", "{\"title\":\"t\"}", "Authorization", bearer(token))), "Location");
            for (String[] from : new String[][] {{"Sec-Fetch-Site", "cross-site"}, {"Sec-Fetch-Site", "same-site"},
                    {"Sec-Fetch-Site", "cross-site", "Origin", api.origin()}, {"Origin", "https://evil.example"},
                    {"Origin", "null"}, {"Origin", api.origin() + ".evil.example"}}) {
                for (String[] write : new String[][] {{"POST", "/api/notes"}, {"PUT", note}, {"DELETE", note},
                        {"DELETE", "/api/sessions/current"}}) {
                    HttpResponse<String> res = api.send(write[0], write[1], write[0].equals("DELETE") ? null : "{\"title\":\"csrf\"}",
                            with(cookie, from));
                    assertEquals(403, res.statusCode(), String.join(" ", write) + " " + String.join(" ", from) + " → " + res.body());
                    assertEquals("/problems/cross-site-request", type(res));
                }
            }
            assertEquals(1, TestApps.countRows(dir, "notes"));
            assertEquals("t", json(api.get(note)).get("title").asText());
            expect(200, api.me(token)); // the refused log-outs ended nothing

            expect(201, api.post("/api/notes", "{\"title\":\"a\"}", with(cookie, new String[] {"Sec-Fetch-Site", "same-origin"})));
            expect(201, api.post("/api/notes", "{\"title\":\"b\"}", with(cookie, new String[] {"Sec-Fetch-Site", "none"})));
            expect(201, api.post("/api/notes", "{\"title\":\"c\"}", with(cookie, new String[] {"Origin", api.origin()})));
            expect(201, api.post("/api/notes", "{\"title\":\"d\"}", with(cookie, new String[] {})));
            expect(200, api.send("PUT", note, "{\"title\":\"e\"}", with(cookie, new String[] {"Sec-Fetch-Site", "same-origin"})));
            expect(200, api.get("/api/me", with(cookie, new String[] {"Sec-Fetch-Site", "cross-site"}))); // reads are not checked
            expect(201, api.post("/api/notes", "{\"title\":\"f\"}", "Authorization", bearer(token),
                    "Origin", "https://evil.example", "Sec-Fetch-Site", "cross-site"));
            expect(204, api.send("DELETE", note, null, with(cookie, new String[] {"Origin", api.origin()})));
            expect(204, api.send("DELETE", "/api/sessions/current", null, with(cookie, new String[] {"Sec-Fetch-Site", "same-origin"})));
            expect(401, api.me(token));
        });
        assertEquals(5, TestApps.countRows(dir, "notes"));
    }

    private static String[] with(String cookie, String[] more) {
        String[] headers = new String[2 + more.length];
        headers[0] = "Cookie";
        headers[1] = cookie;
        System.arraycopy(more, 0, headers, 2, more.length);
        return headers;
    }
}
