package dev.roundtrip.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.roundtrip.e2e.BadInputCases.Case;
import dev.roundtrip.e2e.BadInputCases.Target;
import dev.roundtrip.e2e.BadInputCases.Transport;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Bad input, through Nginx and straight to the app: each request in {@link BadInputCases} gets its
 * documented 4xx as application/problem+json carrying the request id, and leaves the database exactly as
 * it was (every row of every table compared but the sessions'). SQL and HTML in valid notes are stored and returned as text.
 */
class BadInputIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    /** Valid notes whose text looks like SQL and HTML: the only writes, made before the cases run. */
    private static final String LITERAL_TITLE = "Robert'); DROP TABLE notes;-- <script>alert(1)</script>";
    private static final String LITERAL_BODY = "' OR '1'='1' --\n<img src=x onerror=\"alert(1)\"> & \\ \"quoted\" 요청";
    private static final HttpClient DIRECT = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private static EdgeStack stack;
    private static HttpClient edgeHttp2;
    private static HttpClient edgeHttp11;
    private static long seededId;
    private static final List<Long> literalIds = new ArrayList<>();
    private static String fingerprint;

    /** One answer, whoever sent it: Java's HttpClient or curl. */
    record Answer(int status, String contentType, String requestId, String body) {
    }

    @BeforeAll
    static void startStackAndWriteTheOnlyNotes() throws Exception {
        stack = EdgeStack.start(Map.of());
        edgeHttp2 = stack.client(HttpClient.Version.HTTP_2);
        edgeHttp11 = stack.client(HttpClient.Version.HTTP_1_1);
        String seed = "{\"title\":\"a note the bad requests must not change\",\"tags\":[\"seed\"]}";
        seededId = create(Target.EDGE, seed, BadInputCases.SEED_KEY);
        String literal = JSON.writeValueAsString(Map.of("title", LITERAL_TITLE, "body", LITERAL_BODY, "tags", List.of("sql", "html")));
        literalIds.add(create(Target.EDGE, literal, null));
        literalIds.add(create(Target.APP, literal, null));
        fingerprint = fingerprint(stack.databaseFile());
    }

    @AfterAll
    static void stopStack() throws Exception {
        if (stack != null) {
            stack.close();
        }
    }

    static Stream<Arguments> cases() {
        return BadInputCases.all().stream().flatMap(c -> c.targets().stream().map(target -> Arguments.of(
                c.name() + " → " + c.status() + " (" + target + (c.why().isEmpty() ? "" : " only: " + c.why()) + ")", c, target)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void badRequestGetsItsProblemAndChangesNothing(String label, Case c, Target target) throws Exception {
        Answer answer = c.transport() == Transport.CURL || c.transport() == Transport.CURL_HTTP11
                ? curl(c, target) : send(c, target);
        assertEquals(c.status(), answer.status(), label + ": " + answer.body());
        assertEquals("application/problem+json", answer.contentType(), label + ": " + answer.body());
        JsonNode problem = JSON.readTree(answer.body());
        assertEquals(c.status(), problem.path("status").asInt(), label);
        assertEquals(answer.requestId(), problem.path("requestId").asText(), label + ": requestId vs X-Request-ID");
        assertEquals(c.type(), problem.path("type").asText(), label);
        for (String field : new String[] {"title", "detail"}) {
            assertTrue(problem.path(field).isTextual(), label + ": no " + field);
        }
        assertTrue(problem.path("errors").isArray(), label + ": no errors list");
        assertEquals(fingerprint, fingerprint(stack.databaseFile()), label + " changed the database");
    }

    @Test
    void tableHasAtLeastFortyCases() {
        assertTrue(BadInputCases.all().size() >= 40, "cases: " + BadInputCases.all().size());
    }

    @Test
    void sqlAndHtmlInValidNotesAreStoredAndReturnedLiterally() throws Exception {
        for (long id : literalIds) {
            for (Target target : Target.values()) {
                HttpResponse<String> res = client(target, Transport.CLIENT).send(HttpRequest.newBuilder(
                        uri(target, "/api/notes/" + id)).build(), HttpResponse.BodyHandlers.ofString());
                assertEquals(200, res.statusCode(), res.body());
                assertEquals("application/json", res.headers().firstValue("Content-Type").orElse(""), "JSON, never HTML");
                JsonNode note = JSON.readTree(res.body());
                assertEquals(LITERAL_TITLE, note.get("title").asText());
                assertEquals(LITERAL_BODY, note.get("body").asText());
            }
            try (Connection db = DriverManager.getConnection("jdbc:sqlite:" + stack.databaseFile());
                 var query = db.prepareStatement("SELECT title, body FROM notes WHERE id = ?")) {
                query.setLong(1, id);
                try (ResultSet rs = query.executeQuery()) {
                    assertTrue(rs.next(), "note " + id + " is stored (and the table is still there)");
                    assertEquals(LITERAL_TITLE, rs.getString(1));
                    assertEquals(LITERAL_BODY, rs.getString(2));
                }
            }
        }
        String search = "/api/notes?q=" + java.net.URLEncoder.encode("' OR 1=1 -- DROP", StandardCharsets.UTF_8);
        for (Target target : Target.values()) { // searched as words, never as SQL or FTS5 syntax
            assertEquals(200, client(target, Transport.CLIENT).send(HttpRequest.newBuilder(
                    uri(target, search)).build(), HttpResponse.BodyHandlers.ofString()).statusCode());
        }
        assertEquals(fingerprint, fingerprint(stack.databaseFile()), "reads changed the database");
    }

    private static long create(Target target, String json, String idempotencyKey) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(uri(target, "/api/notes")).header("Authorization", stack.bearer())
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(json));
        if (idempotencyKey != null) {
            request.header("Idempotency-Key", idempotencyKey);
        }
        HttpResponse<String> res = client(target, Transport.CLIENT).send(request.build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(201, res.statusCode(), res.body());
        return JSON.readTree(res.body()).get("id").asLong();
    }

    /** Through Java's HttpClient: HTTP/2 to Nginx unless the case asks for HTTP/1.1; the app speaks HTTP/1.1 only. */
    private static Answer send(Case c, Target target) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(uri(target, resolve(c.path()))).timeout(Duration.ofSeconds(20))
                .method(c.method(), c.body() == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofByteArray(c.body()));
        for (int i = 0; i < c.headers().size(); i += 2) {
            request.header(c.headers().get(i), resolve(c.headers().get(i + 1)));
        }
        HttpResponse<String> res = client(target, c.transport()).send(request.build(), HttpResponse.BodyHandlers.ofString());
        return new Answer(res.statusCode(), res.headers().firstValue("Content-Type").orElse(null),
                res.headers().firstValue("X-Request-ID").orElse(null), res.body());
    }

    /** Through curl: it sends paths as written (--path-as-is) and streams a large upload. */
    private static Answer curl(Case c, Target target) throws Exception {
        Path body = Files.createTempFile(stack.dir, "answer-", ".json");
        Path head = Files.createTempFile(stack.dir, "answer-", ".head");
        List<String> args = new ArrayList<>(List.of("-sk", "--path-as-is", "--max-time", "20", "-X", c.method(),
                "-o", body.toString(), "-D", head.toString(), "-w", "%{http_code}"));
        if (target == Target.EDGE) {
            args.add(c.transport() == Transport.CURL_HTTP11 ? "--http1.1" : "--http2");
        }
        for (int i = 0; i < c.headers().size(); i += 2) {
            args.addAll(List.of("-H", c.headers().get(i) + ": " + resolve(c.headers().get(i + 1))));
        }
        if (c.body() != null) {
            Path upload = Files.write(Files.createTempFile(stack.dir, "upload-", ".bin"), c.body());
            args.addAll(List.of("--data-binary", "@" + upload));
        }
        args.add(uri(target, resolve(c.path())).toString());
        int status = Integer.parseInt(stack.run("curl", Map.of(), args.toArray(String[]::new)).strip());
        Map<String, String> headers = new java.util.HashMap<>();
        for (String line : Files.readAllLines(head, StandardCharsets.ISO_8859_1)) {
            if (line.startsWith("HTTP/")) {
                headers.clear(); // a 100 Continue came first: only the final answer's headers count
            } else if (line.contains(":")) {
                headers.put(line.substring(0, line.indexOf(':')).toLowerCase(java.util.Locale.ROOT), line.substring(line.indexOf(':') + 1).strip());
            }
        }
        return new Answer(status, headers.get("content-type"), headers.get("x-request-id"), Files.readString(body));
    }

    private static HttpClient client(Target target, Transport transport) {
        if (target == Target.APP) {
            return DIRECT;
        }
        return transport == Transport.CLIENT_HTTP11 ? edgeHttp11 : edgeHttp2;
    }

    private static URI uri(Target target, String path) {
        return URI.create(target == Target.EDGE ? "https://localhost:" + stack.httpsPort + path
                : "http://127.0.0.1:" + stack.appPort + path);
    }

    /** {id}: the seeded note; {missing}: an id no note has; {token}: the session of the note's owner, {token-cut} half of it. */
    private static String resolve(String text) {
        String token = stack.user().token();
        return text.replace("{id}", String.valueOf(seededId)).replace("{missing}", "999999")
                .replace("{token-cut}", token.substring(0, token.length() / 2)).replace("{token}", token);
    }

    /** Every row of every table, in a fixed order, hashed; with the row counts for a readable failure. */
    static String fingerprint(Path database) throws Exception {
        MessageDigest sha = MessageDigest.getInstance("SHA-256");
        StringBuilder counts = new StringBuilder();
        try (Connection db = DriverManager.getConnection("jdbc:sqlite:" + database); Statement s = db.createStatement()) {
            // Not sessions: each use of one moves its lastUsedAt, and a bad request may use the suite's.
            for (String table : new String[] {"notes ORDER BY id", "note_tags ORDER BY tag, note_id",
                    "idempotency_keys ORDER BY idempotency_key", "users ORDER BY id", "sqlite_sequence ORDER BY name"}) {
                int rows = 0;
                try (ResultSet rs = s.executeQuery("SELECT * FROM " + table)) {
                    int columns = rs.getMetaData().getColumnCount();
                    for (; rs.next(); rows++) {
                        for (int i = 1; i <= columns; i++) {
                            sha.update((rs.getString(i) + "\u0000").getBytes(StandardCharsets.UTF_8));
                        }
                    }
                }
                counts.append(table, 0, table.indexOf(' ')).append('=').append(rows).append(' ');
            }
        }
        return counts + HexFormat.of().formatHex(sha.digest());
    }
}
