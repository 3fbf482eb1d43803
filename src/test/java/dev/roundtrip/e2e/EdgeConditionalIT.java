package dev.roundtrip.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpClient.Version;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import tools.jackson.dataformat.yaml.YAMLMapper;

/**
 * Lost-update protection through the real edge with what real clients send: Accept-Encoding: gzip over
 * HTTP/1.1 and HTTP/2, and Debian's Chromium with its own headers. A note big enough to compress must still
 * arrive with the app's strong ETag (Nginx's gzip would weaken it, and If-Match compares strongly), so
 * GET → PUT/DELETE with that ETag works, a stale one is 412, If-None-Match still gives 304, lists still go gzipped.
 * Writes carry the stack's session as a bearer token (the browser's page script too: this test is about ETags).
 */
class EdgeConditionalIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String STRONG_ETAG = "^\"[0-9]+\\.[0-9]+\"$";
    /** ~6 KB of text: far over gzip_min_length (256 bytes), and it compresses well. */
    private static final String BIG_BODY = "A note long enough that gzip would pay off. ".repeat(140);
    private static EdgeStack stack;

    @BeforeAll
    static void startStack() throws Exception {
        stack = EdgeStack.start(Map.of());
    }

    @AfterAll
    static void stopStack() throws Exception {
        if (stack != null) {
            stack.close();
        }
    }

    @ParameterizedTest
    @EnumSource(value = Version.class, names = {"HTTP_1_1", "HTTP_2"})
    void aBigNoteReadWithGzipCanBeReplacedAndDeletedWithTheETagItCameWith(Version version) throws Exception {
        HttpClient client = stack.client(version);
        HttpResponse<byte[]> created = send(client, "POST", "/api/notes", null, note("gzip walk " + version));
        assertEquals(201, created.statusCode());
        assertTrue(etag(created).matches(STRONG_ETAG), "the create's ETag, usable for If-Match: " + etag(created));
        String path = created.headers().firstValue("Location").orElseThrow();

        HttpResponse<byte[]> read = send(client, "GET", path, null, null);
        assertEquals(200, read.statusCode());
        assertEquals(version, read.version());
        String etag = etag(read);
        assertTrue(etag.matches(STRONG_ETAG), "strong, as the app made it: " + etag);
        assertEquals(BIG_BODY, JSON.readTree(text(read)).get("body").asText());

        HttpResponse<byte[]> replaced = send(client, "PUT", path, Map.of("If-Match", etag), note("replaced " + version));
        assertEquals(200, replaced.statusCode(), text(replaced));
        String newEtag = etag(replaced);
        assertTrue(newEtag.matches(STRONG_ETAG) && !newEtag.equals(etag), newEtag);

        HttpResponse<byte[]> stale = send(client, "PUT", path, Map.of("If-Match", etag), note("lost update"));
        assertEquals(412, stale.statusCode(), "the old ETag names a version that is gone: " + text(stale));
        assertEquals(304, send(client, "GET", path, Map.of("If-None-Match", newEtag), null).statusCode());
        assertEquals(304, send(client, "GET", path, Map.of("If-None-Match", "W/" + newEtag), null).statusCode(),
                "If-None-Match compares weakly: a cache's W/ copy still revalidates");

        assertEquals(412, send(client, "DELETE", path, Map.of("If-Match", etag), null).statusCode());
        assertEquals(204, send(client, "DELETE", path, Map.of("If-Match", newEtag), null).statusCode());
        assertEquals(404, send(client, "GET", path, null, null).statusCode());
    }

    @ParameterizedTest
    @EnumSource(value = Version.class, names = {"HTTP_1_1", "HTTP_2"})
    void listsAreStillGzipCompressed(Version version) throws Exception {
        HttpClient client = stack.client(version);
        for (int i = 0; i < 3; i++) {
            assertEquals(201, send(client, "POST", "/api/notes", null, note("for the list " + i)).statusCode());
        }
        HttpResponse<byte[]> list = send(client, "GET", "/api/notes?limit=3", null, null);
        assertEquals(200, list.statusCode());
        assertEquals("gzip", list.headers().firstValue("Content-Encoding").orElse(null), "a list carries no ETag: compressed");
        assertTrue(list.body().length < BIG_BODY.length(), "3 big notes in " + list.body().length + " bytes");
        assertEquals(3, JSON.readTree(text(list)).get("items").size());
    }

    /** The class, not the examples: every answer the contract gives an ETag must keep it strong through gzip. */
    @Test
    void everyAnswerTheContractGivesAnETagIsSentWithoutGzip() throws Exception {
        List<String> withEtag = new ArrayList<>();
        new YAMLMapper().readTree(Files.readString(EdgeStack.PROJECT.resolve("openapi.yaml"))).get("paths")
                .properties().forEach(path -> path.getValue().properties().forEach(op -> op.getValue().path("responses")
                        .properties().forEach(res -> {
                            if (res.getKey().startsWith("2") && res.getValue().path("headers").has("ETag")) {
                                withEtag.add(op.getKey().toUpperCase() + " " + path.getKey() + " " + res.getKey());
                            }
                        })));
        assertEquals(List.of("POST /api/notes 201", "GET /api/notes/{id} 200", "PUT /api/notes/{id} 200"), withEtag,
                "answers with an ETag: roundtrip.conf's map $answer_has_etag must name each one");
        HttpClient client = stack.client(Version.HTTP_2);
        HttpResponse<byte[]> created = send(client, "POST", "/api/notes", null, note("every answer"));
        String path = created.headers().firstValue("Location").orElseThrow();
        HttpResponse<byte[]> read = send(client, "GET", path, null, null);
        HttpResponse<byte[]> replaced = send(client, "PUT", path, Map.of("If-Match", etag(read)), note("every answer, again"));
        for (HttpResponse<byte[]> res : List.of(created, read, replaced)) {
            assertNull(res.headers().firstValue("Content-Encoding").orElse(null), res.request().method() + " " + path);
            assertTrue(etag(res).matches(STRONG_ETAG), res.request().method() + " " + path + ": " + etag(res));
        }
    }

    /**
     * Chromium, with its own Accept-Encoding over HTTP/2, runs a page script on this origin: GET a note, PUT with
     * the ETag it received (200), PUT with it again (412). A page script, not Swagger UI's form: both send the same
     * fetch() from the same origin, and this one can be read back from the DOM without a WebDriver.
     */
    @Test
    void aBrowserUpdatesANoteWithTheETagItReceived() throws Exception {
        HeadlessChromium.requireInstalled();
        HttpClient client = stack.client(Version.HTTP_2);
        String path = send(client, "POST", "/api/notes", null, note("in the browser")).headers().firstValue("Location").orElseThrow();
        Path html = stack.nginxDir().resolve("html");
        Files.writeString(html.resolve("etag-check.html"), "<!doctype html><meta charset=utf-8><title>etag</title>"
                + "<pre id=out data-state=running></pre><script src=etag-check.js></script>\n");
        Files.writeString(html.resolve("etag-check.js"), String.join("\n",
                "(async () => {",
                "  const out = document.getElementById('out'), path = '" + path + "';",
                "  const read = await fetch(path), etag = read.headers.get('ETag'), note = await read.json();",
                "  const put = (tag) => fetch(path, {method: 'PUT', headers: {'Content-Type': 'application/json', 'If-Match': tag,",
                "    'Authorization': '" + stack.bearer() + "'},",
                "    body: JSON.stringify({title: 'edited in the browser', body: note.body, tags: note.tags})});",
                "  const first = await put(etag), second = await put(etag);",
                "  const list = await fetch('/api/notes?limit=5');",
                "  out.textContent = JSON.stringify({etag, put: first.status, stale: second.status,",
                "    noteEncoding: read.headers.get('Content-Encoding'), listEncoding: list.headers.get('Content-Encoding')});",
                "  out.dataset.state = 'done';",
                "})().catch(e => { document.getElementById('out').textContent = 'failed: ' + e; });", ""));
        HeadlessChromium.Page page = HeadlessChromium.dumpDom(stack.dir, stack.https("/etag-check.html").toString());
        String dom = page.output();
        assertTrue(dom.contains("data-state=\"done\""), dom + page.log());
        String result = dom.substring(dom.indexOf('{'), dom.indexOf('}') + 1).replace("&quot;", "\"");
        JsonNode seen = JSON.readTree(result);
        assertTrue(seen.get("etag").asText().matches(STRONG_ETAG), result);
        assertEquals(200, seen.get("put").asInt(), result);
        assertEquals(412, seen.get("stale").asInt(), result);
        assertEquals("gzip", seen.get("listEncoding").asText(), "the browser asked for gzip: " + result);
        page.assertNoConsoleErrors();
        EdgeStack.await(() -> putLoggedOverHttp2(path), "Nginx's access line for the browser's PUT over HTTP/2");
    }

    private static boolean putLoggedOverHttp2(String path) {
        try {
            return stack.nginxAccessLog().stream().anyMatch(line -> line.contains("\"method\":\"PUT\"")
                    && line.contains("\"uri\":\"" + path + "\"") && line.contains("\"status\":200")
                    && line.contains("\"http\":\"HTTP/2.0\""));
        } catch (IOException e) {
            return false;
        }
    }

    private static String note(String title) {
        return "{\"title\":\"" + title + "\",\"body\":\"" + BIG_BODY + "\",\"tags\":[\"gzip\"]}";
    }

    /** What a browser or Postman sends: Accept-Encoding with gzip (Java's client sends none by itself). */
    private static HttpResponse<byte[]> send(HttpClient client, String method, String path, Map<String, String> headers,
                                             String json) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(stack.https(path)).header("Accept-Encoding", "gzip, deflate, br");
        if (!method.equals("GET")) {
            request.header("Authorization", stack.bearer());
        }
        if (headers != null) {
            headers.forEach(request::header);
        }
        if (json != null) {
            request.header("Content-Type", "application/json").method(method, HttpRequest.BodyPublishers.ofString(json));
        } else {
            request.method(method, HttpRequest.BodyPublishers.noBody());
        }
        return client.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    private static String etag(HttpResponse<?> res) {
        return res.headers().firstValue("ETag").orElseThrow(() -> new AssertionError("no ETag: " + res));
    }

    private static String text(HttpResponse<byte[]> res) throws IOException {
        boolean gzipped = "gzip".equals(res.headers().firstValue("Content-Encoding").orElse(null));
        byte[] bytes = gzipped ? new GZIPInputStream(new ByteArrayInputStream(res.body())).readAllBytes() : res.body();
        return new String(bytes, StandardCharsets.UTF_8);
    }
}
