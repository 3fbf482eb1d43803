package dev.roundtrip.http;

import static dev.roundtrip.TestApps.countRows;
import static dev.roundtrip.TestApps.header;
import static dev.roundtrip.TestApps.json;
import static dev.roundtrip.TestApps.postJson;
import static dev.roundtrip.TestApps.send;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.roundtrip.TestApps;
import dev.roundtrip.TestSessions;
import io.javalin.testtools.Response;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every error is an application/problem+json answer, and no rejected request stores anything. */
class ErrorResponsesTest {

    @TempDir
    Path dataDir;

    @Test
    void badBodiesGetTheDocumented400sAndStoreNothing() {
        String longTitle = "x".repeat(201);
        String longBody = "y".repeat(100_001);
        String elevenTags = "[\"a\",\"b\",\"c\",\"d\",\"e\",\"f\",\"g\",\"h\",\"i\",\"j\",\"k\"]";
        Object[][] cases = {
                // body, expected type, expected error fields
                {"{\"title\":", "/problems/malformed-json", List.of("title")},
                {"{\"title\":\"a\"} trailing", "/problems/malformed-json", List.of("$")},
                {"{\"title\":\"a\",\"title\":\"b\"}", "/problems/malformed-json", List.of("title")},
                {"{\"title\":\"a\",\"tags\":[\"x\",]}", "/problems/malformed-json", List.of("tags[1]")},
                {"", "/problems/malformed-json", List.of("$")},
                {"  ", "/problems/malformed-json", List.of("$")},
                {"[1,2]", "/problems/validation-failed", List.of("$")},
                {"\"just a string\"", "/problems/validation-failed", List.of("$")},
                {"{}", "/problems/validation-failed", List.of("title")},
                {"{\"title\":null}", "/problems/validation-failed", List.of("title")},
                {"{\"title\":\"   \"}", "/problems/validation-failed", List.of("title")},
                {"{\"title\":\"" + longTitle + "\"}", "/problems/validation-failed", List.of("title")},
                {"{\"title\":\"a\",\"body\":\"" + longBody + "\"}", "/problems/validation-failed", List.of("body")},
                {"{\"title\":\"a\\u0000b\"}", "/problems/validation-failed", List.of("title")},
                {"{\"title\":\"a\",\"body\":\"\\ud800\"}", "/problems/validation-failed", List.of("body")},
                {"{\"title\":1,\"body\":[],\"tags\":\"x\"}", "/problems/validation-failed", List.of("title", "body", "tags")},
                {"{\"title\":\"a\",\"tags\":" + elevenTags + "}", "/problems/validation-failed", List.of("tags")},
                {"{\"title\":\"a\",\"tags\":[\"Bad Tag\",\"\",7,\"ok\",\"ok\"]}", "/problems/validation-failed",
                        List.of("tags[0]", "tags[1]", "tags[2]", "tags[4]")},
                {"{\"title\":\"a\",\"id\":5,\"version\":9}", "/problems/validation-failed", List.of("id", "version")},
        };
        TestApps.run(dataDir, (server, client) -> {
            for (Object[] c : cases) {
                Response res = postJson(client, "/api/notes", (String) c[0]);
                String label = ((String) c[0]).substring(0, Math.min(40, ((String) c[0]).length()));
                assertProblem(res, 400, label);
                JsonNode problem = json(res);
                assertEquals(c[1], problem.get("type").asText(), label);
                List<String> fields = new ArrayList<>();
                problem.get("errors").forEach(e -> fields.add(e.get("field").asText()));
                assertEquals(c[2], fields, label);
            }
        });
        assertEquals(0, countRows(dataDir, "notes"));
    }

    @Test
    void invalidUtf8BytesAreMalformed() {
        TestApps.run(dataDir, (server, client) -> {
            Response res = client.request("/api/notes", b -> b
                    .post(java.net.http.HttpRequest.BodyPublishers.ofByteArray(
                            new byte[] {'{', '"', 't', 'i', 't', 'l', 'e', '"', ':', '"', (byte) 0xC3, (byte) 0x28, '"', '}'}))
                    .header("Content-Type", "application/json")
                    .header("Authorization", TestSessions.bearer(client)));
            assertProblem(res, 400, "invalid utf-8");
        });
        assertEquals(0, countRows(dataDir, "notes"));
    }

    /** Issue 17: each of these answered 500 (the parser's limits) or 7 MB (90 000 echoed field names). */
    @Test
    void whatTheParserRefusesIsASmall400NamingWhereItStopped() {
        StringBuilder unknownFields = new StringBuilder("{");
        for (int i = 0; unknownFields.length() < 1_000_000 - 20; i++) {
            unknownFields.append(i == 0 ? "" : ",").append("\"a").append(i).append("\":0");
        }
        Object[][] cases = {
                // body, expected field, what it is
                {"[".repeat(200_000), "$" + "[0]".repeat(17), "nested 200 000 deep"},
                {"{\"title\":\"a\",\"tags\":" + "[".repeat(100) + "]", "tags" + "[0]".repeat(16), "nested 100 deep in tags"},
                {"{\"" + "n".repeat(900_000) + "\":1}", "$", "a 900 KB field name"},
                {"{\"title\":" + "9".repeat(5_000) + "}", "title", "a 5 000-digit number"},
                {"{\"title\":1e" + "9".repeat(5_000) + "}", "title", "a 5 000-digit exponent"},
                {unknownFields.append("}").toString(), "a499", "1 MB of short unknown fields"},
                {"{\"title\":\"a\u0000b\"}", "title", "a raw NUL in a string"},
                {"{\"title\":\"a\"}\u0000", "$", "a raw NUL after the object"},
                {"\u0000{}", "$", "a raw NUL first"},
        };
        TestApps.run(dataDir, (server, client) -> {
            for (Object[] c : cases) {
                assertSmallMalformed(postJson(client, "/api/notes", (String) c[0]), (String) c[1], (String) c[2]);
            }
            byte[][] encodings = {
                    {'{', '"', 't', 'i', 't', 'l', 'e', '"', ':', '"', (byte) 0xC3, (byte) 0x28, '"', '}'}, // invalid UTF-8
                    {'{', '"', 't', 'i', 't', 'l', 'e', '"', ':', '"', (byte) 0xC0, (byte) 0xAF, '"', '}'}, // overlong "/"
                    {'{', '"', 't', 'i', 't', 'l', 'e', '"', ':', '"', (byte) 0xE0, (byte) 0x80, (byte) 0xAF, '"', '}'}, // overlong, 3 bytes
                    {'{', '"', 't', 'i', 't', 'l', 'e', '"', ':', '"', (byte) 0xF8, (byte) 0x88, (byte) 0x80, (byte) 0x80, (byte) 0x80, '"', '}'},
                    {'{', '"', 't', 'i', 't', 'l', 'e', '"', ':', '"', 'a', (byte) 0xE2, (byte) 0x82}, // cut inside a character
            };
            for (byte[] body : encodings) {
                Response res = client.request("/api/notes", b -> b.post(java.net.http.HttpRequest.BodyPublishers.ofByteArray(body))
                        .header("Content-Type", "application/json")
                        .header("Authorization", TestSessions.bearer(client)));
                assertSmallMalformed(res, "title", "bytes that are not UTF-8: " + java.util.HexFormat.of().formatHex(body));
            }
        });
        assertEquals(0, countRows(dataDir, "notes"));
    }

    @Test
    void aLoneSurrogateEncodedAsUtf8IsRefusedWhereverItIs() {
        byte[] surrogate = {(byte) 0xED, (byte) 0xA0, (byte) 0x80}; // U+D800 written as if it were a character
        TestApps.run(dataDir, (server, client) -> {
            for (String template : new String[] {"{\"title\":\"aXb\"}", "{\"title\":\"a\",\"X\":1}"}) {
                byte[] before = template.substring(0, template.indexOf('X')).getBytes(java.nio.charset.StandardCharsets.UTF_8);
                byte[] after = template.substring(template.indexOf('X') + 1).getBytes(java.nio.charset.StandardCharsets.UTF_8);
                byte[] body = new byte[before.length + surrogate.length + after.length];
                System.arraycopy(before, 0, body, 0, before.length);
                System.arraycopy(surrogate, 0, body, before.length, surrogate.length);
                System.arraycopy(after, 0, body, before.length + surrogate.length, after.length);
                Response res = client.request("/api/notes", b -> b.post(java.net.http.HttpRequest.BodyPublishers.ofByteArray(body))
                        .header("Content-Type", "application/json")
                        .header("Authorization", TestSessions.bearer(client)));
                assertProblem(res, 400, template);
            }
        });
        assertEquals(0, countRows(dataDir, "notes"));
    }

    @Test
    void manyBadFieldsGiveTwentyErrorsAndACountWithNamesCutShort() {
        StringBuilder body = new StringBuilder("{\"title\":\"\"");
        for (int i = 0; i < 300; i++) {
            body.append(",\"").append(i == 0 ? "x".repeat(128) : i == 1 ? "a\\u0007b\\n" : "f" + i).append("\":0");
        }
        TestApps.run(dataDir, (server, client) -> {
            Response res = postJson(client, "/api/notes", body.append("}").toString());
            assertProblem(res, 400, "300 unknown fields");
            JsonNode problem = json(res);
            assertEquals(20, problem.get("errors").size());
            assertEquals("title", problem.get("errors").get(0).get("field").asText(), "the known field's error comes first");
            assertEquals(65, problem.get("errors").get(1).get("field").asText().length(), "64 characters and …");
            assertEquals("a\\u0007b\\u000a", problem.get("errors").get(2).get("field").asText());
            assertTrue(problem.get("detail").asText().contains("301 invalid fields"), problem.get("detail").asText());
        });
    }

    @Test
    void echoedHeadersAndPathsAreCutShort() {
        TestApps.run(dataDir, (server, client) -> {
            Response type = postJson(client, "/api/notes", "{}", "Content-Type", "text/plain;" + "x".repeat(30_000));
            assertProblem(type, 415, "30 KB Content-Type");
            assertTrue(json(type).toString().length() < 1_000, json(type).toString());
            Response path = client.get("/api/" + "p".repeat(30_000));
            assertProblem(path, 404, "30 KB path");
            assertTrue(json(path).toString().length() < 1_500, "answer of " + json(path).toString().length());
        });
    }

    private static void assertSmallMalformed(Response res, String field, String label) {
        String body = res.body().string();
        assertEquals(400, res.code(), label + ": " + body);
        assertTrue(body.length() < 4096, label + ": answer of " + body.length() + " bytes");
        JsonNode problem;
        try {
            problem = TestApps.JSON.readTree(body);
        } catch (java.io.IOException e) {
            throw new AssertionError(label, e);
        }
        assertEquals("/problems/malformed-json", problem.get("type").asText(), label);
        assertEquals(1, problem.get("errors").size(), label);
        assertEquals(field, problem.get("errors").get(0).get("field").asText(), label + ": " + body);
        assertFalse(problem.get("errors").get(0).get("message").asText().isBlank(), label);
    }

    @Test
    void wrongOrMissingContentTypeIs415() {
        TestApps.run(dataDir, (server, client) -> {
            assertProblem(postJson(client, "/api/notes", "{\"title\":\"a\"}", "Content-Type", "text/plain"), 415, "text/plain");
            assertProblem(postJson(client, "/api/notes", "{\"title\":\"a\"}", "Content-Type", "application/json; charset=latin1"), 415, "latin1");
            assertProblem(client.request("/api/notes", b -> b.post(java.net.http.HttpRequest.BodyPublishers.ofString("{\"title\":\"a\"}"))
                    .header("Authorization", TestSessions.bearer(client))), 415, "none");
            assertProblem(postJson(client, "/api/notes", "{}", "Content-Type", "application/json" + "; a=b".repeat(40)), 415, "long");
            assertEquals(201, postJson(client, "/api/notes", "{\"title\":\"a\"}", "Content-Type", "Application/JSON; charset=UTF-8").code());
        });
        assertEquals(1, countRows(dataDir, "notes"));
    }

    @Test
    void bodyOverOneMebibyteIs413() {
        String big = "{\"title\":\"a\",\"body\":\"" + "z".repeat(2 * 1024 * 1024) + "\"}";
        TestApps.run(dataDir, (server, client) -> assertProblem(postJson(client, "/api/notes", big), 413, "2 MiB"));
        assertEquals(0, countRows(dataDir, "notes"));
    }

    @Test
    void unknownRouteIs404AndWrongMethodIs405WithAllow() {
        TestApps.run(dataDir, (server, client) -> {
            assertProblem(client.get("/api/nothing-here"), 404, "unknown route");
            Response wrongMethod = send(client, "PATCH", "/api/notes/1", "{}");
            assertProblem(wrongMethod, 405, "PATCH");
            assertEquals("GET, PUT, DELETE", header(wrongMethod, "Allow"));
            assertProblem(send(client, "DELETE", "/api/notes", null), 405, "DELETE collection");
        });
    }

    @Test
    void unexpectedFailureIs500WithoutStackTrace() throws Exception {
        TestApps.run(dataDir, (server, client) -> {
            TestApps.execute(dataDir, "ALTER TABLE notes RENAME TO notes_gone"); // a fault from outside the app
            Response res = client.get("/api/notes");
            assertProblem(res, 500, "renamed table");
            String body = res.body().string();
            assertFalse(body.contains("SQLException") || body.contains("at dev.roundtrip"), body);
        });
    }

    @Test
    void saneRequestIdIsEchoedAndOthersAreReplaced() {
        TestApps.run(dataDir, (server, client) -> {
            Response echoed = send(client, "GET", "/api/notes/999", null, "X-Request-ID", "my-id.123_ABC");
            assertEquals("my-id.123_ABC", header(echoed, "X-Request-ID"));
            assertEquals("my-id.123_ABC", json(echoed).get("requestId").asText());

            Response replaced = send(client, "GET", "/api/health", null, "X-Request-ID", "bad id\" with spaces");
            assertTrue(header(replaced, "X-Request-ID").matches("[0-9a-f]{32}"));
            Response tooLong = send(client, "GET", "/api/health", null, "X-Request-ID", "a".repeat(65));
            assertTrue(header(tooLong, "X-Request-ID").matches("[0-9a-f]{32}"));
        });
    }

    static void assertProblem(Response res, int status, String label) {
        assertEquals(status, res.code(), label);
        assertEquals("application/problem+json", header(res, "Content-Type"), label);
        JsonNode problem = json(res);
        assertEquals(status, problem.get("status").asInt(), label);
        for (String field : new String[] {"type", "title", "detail", "instance", "requestId", "errors"}) {
            assertTrue(problem.hasNonNull(field), label + ": missing " + field);
        }
        assertEquals(header(res, "X-Request-ID"), problem.get("requestId").asText(), label);
    }
}
