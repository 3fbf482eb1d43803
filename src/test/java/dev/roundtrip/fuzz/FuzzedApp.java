package dev.roundtrip.fuzz;

import ch.qos.logback.classic.Level;
import com.fasterxml.jackson.databind.JsonNode;
import dev.roundtrip.App;
import dev.roundtrip.Config;
import dev.roundtrip.TestApps;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Comparator;
import java.util.Map;
import java.util.stream.Stream;
import org.slf4j.LoggerFactory;

/**
 * The real app on a fresh SQLite file and port 0, started once per fuzz test class, and the property every
 * fuzzed request must keep: no 5xx, a bad request answered by a small problem+json with its request id,
 * and the notes table exactly as it was. It registers one user and logs in once: {@link #withSession} gives the
 * writes its session, so a fuzzed body or ETag reaches the parser it is aimed at instead of stopping at 401.
 */
final class FuzzedApp implements AutoCloseable {

    /** An error answer larger than this is a finding: a bad request must get a short answer (issue 17). */
    static final int MAX_ERROR_BYTES = 64 * 1024;
    /**
     * A request slower than this is a finding: every parser of client input is bounded. Loose, because the fuzzer
     * shares a busy machine (a cheap request took 2.3 s at load 12); the fuzzer's own -timeout is 10 s.
     */
    static final long MAX_MILLIS = 5_000;

    private final Path dataDir;
    private final App app;
    private final Connection store;
    /** For the fuzz test methods. */
    final RawHttp http;
    /** For set-up and plain tests: no call into Jazzer's API. */
    final RawHttp setupHttp;
    /** The header line "Authorization: Bearer …" of the user this app was started with. */
    private final byte[] session;

    private FuzzedApp(Path dataDir, App app, Connection store) throws IOException {
        this.dataDir = dataDir;
        this.app = app;
        this.store = store;
        this.http = new RawHttp(app.port(), true);
        this.setupHttp = new RawHttp(app.port(), false);
        this.session = logIn(setupHttp);
    }

    /** Registers the fuzzer's user and logs in once (a log-in hashes a password: never per input). */
    private static byte[] logIn(RawHttp http) throws IOException {
        byte[] type = RawHttp.headerLine("Content-Type", "application/json");
        byte[] credentials = bytes("{\"username\":\"fuzzer\",\"password\":\"a password for fuzzing\"}");
        for (String path : new String[] {"/api/users", "/api/sessions"}) {
            RawHttp.Answer answer = http.send("POST", bytes(path), type, credentials);
            if (answer.status() != 201) {
                throw new AssertionError("POST " + path + ": " + answer.status() + " " + answer.bodyText(500));
            }
            if (path.equals("/api/sessions")) {
                return RawHttp.headerLine("Authorization", "Bearer " + TestApps.JSON.readTree(answer.body()).get("token").asText());
            }
        }
        throw new AssertionError("unreachable");
    }

    /** {@code headers} with the session's Authorization line in front: for every write. */
    byte[] withSession(byte[] headers) {
        byte[] both = java.util.Arrays.copyOf(session, session.length + headers.length);
        System.arraycopy(headers, 0, both, session.length, headers.length);
        return both;
    }

    static FuzzedApp start() throws IOException, SQLException {
        // A line per request at thousands of requests a second would drown the fuzzer's own report.
        ((ch.qos.logback.classic.Logger) LoggerFactory.getLogger("access")).setLevel(Level.WARN);
        Path dataDir = Files.createTempDirectory("roundtrip-fuzz");
        // Always SQLite, also in the PostgreSQL surefire run: the fingerprint reads the file.
        App app = App.create(Config.fromEnv(Map.of("APP_PORT", "0", "METRICS_PORT", "0", "DATA_DIR", dataDir.toString()))).start();
        return new FuzzedApp(dataDir, app, DriverManager.getConnection("jdbc:sqlite:" + dataDir.resolve("roundtrip.db")));
    }

    /** Creates a note through the API and returns its id. */
    long createNote(String json) throws IOException {
        return createNote(setupHttp, json);
    }

    long createNote(RawHttp client, String json) throws IOException {
        RawHttp.Answer answer = client.send("POST", bytes("/api/notes"),
                withSession(RawHttp.headerLine("Content-Type", "application/json")), bytes(json));
        if (answer.status() != 201) {
            throw new AssertionError("could not create a note: " + answer.status() + " " + answer.bodyText(500));
        }
        return TestApps.JSON.readTree(answer.body()).get("id").asLong();
    }

    /** Count, sum of versions and highest id of the notes, read from the file: any write changes one of them. */
    String fingerprint() throws SQLException {
        try (Statement s = store.createStatement();
             ResultSet rs = s.executeQuery("SELECT count(*), coalesce(sum(version), 0), coalesce(max(id), 0) FROM notes")) {
            rs.next();
            return rs.getLong(1) + "/" + rs.getLong(2) + "/" + rs.getLong(3);
        }
    }

    /** The property for any answer to any input. {@code input} describes the request for the failure message. */
    static void check(RawHttp.Answer answer, String input) {
        int status = answer.status();
        if (status < 100 || status >= 500) {
            fail(answer, input, status == 0 ? "no HTTP answer" : "server error " + status);
        }
        if (answer.millis() > MAX_MILLIS) {
            fail(answer, input, "took " + answer.millis() + " ms");
        }
        if (answer.truncated()) {
            fail(answer, input, "answer larger than " + RawHttp.READ_LIMIT + " bytes");
        }
        if (status >= 400) {
            checkProblem(answer, input);
        }
    }

    /** A refused request must leave the store exactly as it was. */
    static void checkUnchanged(RawHttp.Answer answer, String input, String before, String after) {
        if (answer.status() >= 400 && !before.equals(after)) {
            fail(answer, input, "refused with " + answer.status() + " but the notes table changed: " + before + " → " + after);
        }
    }

    private static void checkProblem(RawHttp.Answer answer, String input) {
        String type = answer.header("Content-Type");
        if (type == null || !type.startsWith("application/problem+json")) {
            fail(answer, input, "error answer with Content-Type " + type);
        }
        if (answer.body().length > MAX_ERROR_BYTES) {
            fail(answer, input, "error answer of " + answer.body().length + " bytes");
        }
        JsonNode problem;
        try {
            problem = TestApps.JSON.readTree(answer.body());
        } catch (IOException e) {
            fail(answer, input, "error answer is not JSON");
            return;
        }
        JsonNode requestId = problem.get("requestId");
        if (requestId == null || !requestId.isTextual() || requestId.asText().isEmpty()) {
            fail(answer, input, "problem without a requestId");
        }
        if (problem.path("status").asInt() != answer.status()) {
            fail(answer, input, "problem status " + problem.path("status") + " differs from the answer's");
        }
    }

    private static void fail(RawHttp.Answer answer, String input, String what) {
        throw new AssertionError(what + " for " + input + "\n  answer: " + answer.status() + " " + answer.headers()
                + "\n  body: " + answer.bodyText(600));
    }

    /** A short, printable description of fuzzed bytes for failure messages. */
    static String describe(byte[] value) {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < Math.min(value.length, 200); i++) {
            int b = value[i] & 0xff;
            out.append(b >= 0x20 && b < 0x7f && b != '\\' ? String.valueOf((char) b) : String.format("\\x%02x", b));
        }
        return out + (value.length > 200 ? "… (" + value.length + " bytes)" : "");
    }

    static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public void close() throws Exception {
        store.close();
        app.stop();
        try (Stream<Path> files = Files.walk(dataDir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }
}
