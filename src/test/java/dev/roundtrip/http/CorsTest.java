package dev.roundtrip.http;

import static dev.roundtrip.accounts.Api.expect;
import static dev.roundtrip.accounts.Api.header;
import static dev.roundtrip.accounts.Api.type;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.roundtrip.Config;
import dev.roundtrip.TestApps;
import dev.roundtrip.accounts.Api;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Cross-origin calls: closed unless CORS_ORIGINS names origins, then open to exactly those, never with the cookie. */
class CorsTest {

    private static final String APP = "https://app.example";
    private static final String EVIL = "https://evil.example";

    @TempDir
    Path dir;

    @Test
    void byDefaultNoAnswerCarriesAnyCorsHeaderAndAPreflightIs403() {
        Api.withApp(config(""), api -> {
            for (HttpResponse<String> res : List.of(api.get("/api/health", "Origin", APP), api.get("/api/notes", "Origin", APP),
                    api.get("/api/me", "Origin", APP), api.get("/api/notes/999", "Origin", APP),
                    api.post("/api/notes", "{}", "Origin", APP))) {
                assertEquals(Set.of(), corsHeaders(res), res.uri() + " " + res.statusCode());
            }
            HttpResponse<String> preflight = preflight(api, APP, "POST", "Content-Type, Authorization");
            assertEquals(403, preflight.statusCode());
            assertTrue(header(preflight, "Content-Type").startsWith("application/problem+json"));
            assertEquals("/problems/cross-origin-refused", type(preflight));
            assertEquals(Set.of(), corsHeaders(preflight));
        });
    }

    @Test
    void anAllowedOriginsPreflightIs204WithExactlyTheListedMethodsAndHeadersAndNoCredentials() {
        Api.withApp(config(APP + ",https://b.example"), api -> {
            HttpResponse<String> res = expect(204, preflight(api, APP, "PUT", "authorization,content-type,if-match,idempotency-key"));
            assertEquals(APP, header(res, "Access-Control-Allow-Origin"));
            assertEquals(Set.of("GET", "POST", "PUT", "DELETE"), list(header(res, "Access-Control-Allow-Methods")));
            assertEquals(Set.of("authorization", "content-type", "if-match", "if-none-match", "idempotency-key"),
                    list(header(res, "Access-Control-Allow-Headers").toLowerCase()));
            assertEquals("600", header(res, "Access-Control-Max-Age"));
            assertTrue(res.headers().allValues("Vary").stream().anyMatch(v -> list(v).contains("Origin")), res.headers().map().toString());
            assertNull(header(res, "Access-Control-Allow-Credentials"));
            assertEquals("https://b.example", header(expect(204, preflight(api, "https://b.example", "GET", null)),
                    "Access-Control-Allow-Origin"));
        });
    }

    @Test
    void anotherOriginAnUnlistedHeaderOrMethodIs403WithoutAllowOrigin() {
        Api.withApp(config(APP), api -> {
            for (HttpResponse<String> res : List.of(preflight(api, EVIL, "GET", null),
                    preflight(api, APP + ":8443", "GET", null), preflight(api, "http://app.example", "GET", null),
                    preflight(api, APP, "GET", "X-Custom"), preflight(api, APP, "POST", "Content-Type, Cookie"),
                    preflight(api, APP, "PATCH", null), preflight(api, APP, "GET", "a,".repeat(200) + "b"))) {
                assertEquals(403, res.statusCode(), res.headers().map().toString());
                assertEquals("/problems/cross-origin-refused", type(res));
                assertNull(header(res, "Access-Control-Allow-Origin"));
                assertNull(header(res, "Access-Control-Allow-Methods"));
                assertNull(header(res, "Access-Control-Allow-Credentials"));
            }
        });
    }

    @Test
    void anActualCallFromAnAllowedOriginMayBeReadAndOneFromAnotherMayNot() {
        Api.withApp(config(APP), api -> {
            HttpResponse<String> allowed = expect(200, api.get("/api/notes", "Origin", APP));
            assertEquals(APP, header(allowed, "Access-Control-Allow-Origin"));
            Set<String> exposed = list(header(allowed, "Access-Control-Expose-Headers"));
            assertTrue(exposed.containsAll(Set.of("ETag", "Location", "Retry-After", "WWW-Authenticate")), exposed.toString());
            assertNull(header(allowed, "Access-Control-Allow-Credentials"));
            HttpResponse<String> unauthenticated = expect(401, api.get("/api/me", "Origin", APP));
            assertEquals(APP, header(unauthenticated, "Access-Control-Allow-Origin"), "a script can read why it failed");
            HttpResponse<String> other = expect(200, api.get("/api/notes", "Origin", EVIL));
            assertNull(header(other, "Access-Control-Allow-Origin"));
            assertNull(header(other, "Access-Control-Expose-Headers"));
        });
    }

    @Test
    void aCorsOriginsValueThatIsNotAListOfOriginsFailsAtStartNamingTheVariable() {
        for (String bad : List.of("*", "https://app.example/", "https://app.example/path", "https://*.example", "app.example",
                "ftp://app.example", "https://app.example, null", "https://app.example:99999x")) {
            Config.ConfigException e = assertThrows(Config.ConfigException.class, () -> config(bad), bad);
            assertTrue(e.getMessage().contains("CORS_ORIGINS"), e.getMessage());
        }
        assertEquals(List.of(APP, "http://localhost:3000"), config(" https://app.example , http://localhost:3000 ,").corsOrigins());
    }

    private static HttpResponse<String> preflight(Api api, String origin, String method, String headers) {
        return headers == null
                ? api.send("OPTIONS", "/api/notes", null, "Origin", origin, "Access-Control-Request-Method", method)
                : api.send("OPTIONS", "/api/notes", null, "Origin", origin, "Access-Control-Request-Method", method,
                        "Access-Control-Request-Headers", headers);
    }

    /** The app's config with CORS_ORIGINS, on this run's store, as TestApps.config builds it. */
    private Config config(String origins) {
        Map<String, String> env = new HashMap<>(Map.of("APP_PORT", "0", "METRICS_PORT", "0", "DATA_DIR", dir.toString(),
                "CORS_ORIGINS", origins));
        if (TestApps.onPostgres()) {
            Config.Postgres database = TestApps.postgres(dir);
            env.put("DATABASE_URL", database.url());
            env.put("DATABASE_POOL_SIZE", String.valueOf(database.poolSize()));
        }
        return Config.fromEnv(env);
    }

    private static Set<String> corsHeaders(HttpResponse<String> res) {
        return res.headers().map().keySet().stream().map(String::toLowerCase)
                .filter(name -> name.startsWith("access-control-")).collect(Collectors.toSet());
    }

    private static Set<String> list(String value) {
        return Arrays.stream(value.split(",")).map(String::strip).collect(Collectors.toSet());
    }
}
