package dev.roundtrip.e2e;

import dev.roundtrip.e2e.HostileCases.Case;
import dev.roundtrip.e2e.HostileCases.Target;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;

/**
 * Sends one hostile case again and again on one connection and charges the app's CPU time to it: what its
 * threads spent meanwhile, divided by the repeats. Repeats run until both a
 * minimum count and a minimum wall time are reached, within a cap on both.
 */
final class CaseRunner {

    /** What repeating a case gave: the last answer, every status seen, and the app CPU time per request. */
    record Measured(RawHttp.Answer last, TreeSet<Integer> statuses, int repeats, long cpuMicrosPerRequest, String error) {
    }

    private static final Duration MIN_WALL = Duration.ofMillis(500);
    private static final Duration MAX_WALL = Duration.ofSeconds(20);
    private final EdgeStack stack;
    private final AppProcess app;

    /** Called around each counted window: the honest client waits meanwhile (its requests are not the case's). */
    interface Pause {
        void run() throws InterruptedException;
    }

    private Pause pause = () -> { };
    private Runnable resume = () -> { };

    CaseRunner(EdgeStack stack, AppProcess app) {
        this.stack = stack;
        this.app = app;
    }

    void pauseWhileCounting(Pause pause, Runnable resume) {
        this.pause = pause;
        this.resume = resume;
    }

    EdgeStack stack() {
        return stack;
    }

    /**
     * Warms up, then repeats {@code c} and returns the app's CPU time per request (its threads', the JIT and GC
     * included: what the case makes the app do), with the honest client held while it is counted.
     * A case that allows status 0 may be cut off without an answer (Nginx's HTTP/2 GOAWAY): that counts as 0.
     */
    Measured measure(Case c, int warmups, int minRepeats, int maxRepeats) {
        TreeSet<Integer> statuses = new TreeSet<>();
        RawHttp.Answer[] last = new RawHttp.Answer[1];
        try (RawHttp raw = c.target() == Target.APP ? RawHttp.direct(stack) : RawHttp.edge(stack)) {
            for (int i = 0; i < warmups; i++) {
                statuses.add(once(raw, c, last));
            }
            if (maxRepeats == 0) {
                return new Measured(last[0], statuses, 0, -1, null);
            }
            pause.run();
            AppProcess.Snapshot before = app.snapshot();
            long start = System.nanoTime();
            int repeats = 0;
            while (repeats < maxRepeats && System.nanoTime() - start < MAX_WALL.toNanos()
                    && (repeats < minRepeats || System.nanoTime() - start < MIN_WALL.toNanos())) {
                statuses.add(once(raw, c, last));
                repeats++;
            }
            long cpu = app.cpuMicrosSince(before);
            resume.run();
            return new Measured(last[0], statuses, repeats, cpu < 0 ? -1 : cpu / Math.max(1, repeats), null);
        } catch (IOException | InterruptedException | RuntimeException e) {
            resume.run();
            return new Measured(last[0], statuses, 0, -1, e.toString());
        }
    }

    private int once(RawHttp raw, Case c, RawHttp.Answer[] last) throws IOException, InterruptedException {
        try {
            last[0] = send(raw, c);
            return last[0].status();
        } catch (IOException e) {
            if (!c.statuses().contains(0)) {
                throw e;
            }
            raw.close();
            last[0] = new RawHttp.Answer(0, java.util.Map.of(), new byte[0], c.wire().length, 0);
            return 0;
        }
    }

    /** One request: raw bytes over HTTP/1.1, or Java's client for the HTTP/2 cases (their text is plain ASCII). */
    RawHttp.Answer send(RawHttp raw, Case c) throws IOException, InterruptedException {
        return c.target() == Target.EDGE_H2 ? sendHttp2(c) : raw.send(c.wire());
    }

    private RawHttp.Answer sendHttp2(Case c) throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("https://localhost:" + stack.httpsPort
                        + new String(c.path(), StandardCharsets.US_ASCII))).timeout(Duration.ofSeconds(30))
                .method(c.method(), c.body() == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofByteArray(c.body()));
        long in = c.path().length + (c.body() == null ? 0 : c.body().length);
        for (byte[] line : c.headers()) {
            String header = new String(line, StandardCharsets.ISO_8859_1);
            request.header(header.substring(0, header.indexOf(':')), header.substring(header.indexOf(':') + 1).strip());
            in += line.length;
        }
        HttpResponse<byte[]> res = http2().send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
        Map<String, List<String>> headers = new LinkedHashMap<>();
        res.headers().map().forEach((name, values) -> headers.put(name.toLowerCase(Locale.ROOT), values));
        return new RawHttp.Answer(res.statusCode(), headers, res.body(), in, res.body().length);
    }

    private HttpClient http2;

    private HttpClient http2() {
        if (http2 == null) { // not the validating client: an answer outside the contract is this suite's finding, not an exception
            http2 = HttpClient.newBuilder().version(HttpClient.Version.HTTP_2)
                    .sslContext(stack.client(HttpClient.Version.HTTP_2).sslContext()).build();
        }
        return http2;
    }

    /**
     * Every row of every table, hashed, except the honest client's (tag "honest"), sqlite_sequence (which its
     * creates advance) and sessions (which each use touches): a hostile request that wrote anything changes this.
     */
    static String fingerprint(Path database) throws Exception {
        MessageDigest sha = MessageDigest.getInstance("SHA-256");
        StringBuilder counts = new StringBuilder();
        String[][] tables = {
                {"notes", "SELECT * FROM notes WHERE NOT EXISTS (SELECT 1 FROM json_each(notes.tags) WHERE value = 'honest') ORDER BY id"},
                {"note_tags", "SELECT * FROM note_tags WHERE tag <> 'honest' ORDER BY tag, note_id"},
                {"idempotency_keys", "SELECT * FROM idempotency_keys WHERE idempotency_key NOT LIKE 'honest-%' ORDER BY idempotency_key"},
                {"users", "SELECT * FROM users ORDER BY id"}, // not sessions: every use of one moves its lastUsedAt
                {"flyway_schema_history", "SELECT * FROM flyway_schema_history ORDER BY installed_rank"}};
        try (Connection db = DriverManager.getConnection("jdbc:sqlite:" + database); Statement s = db.createStatement()) {
            for (String[] table : tables) {
                int rows = 0;
                try (ResultSet rs = s.executeQuery(table[1])) {
                    int columns = rs.getMetaData().getColumnCount();
                    for (; rs.next(); rows++) {
                        for (int i = 1; i <= columns; i++) {
                            sha.update((rs.getString(i) + "\u0000").getBytes(StandardCharsets.UTF_8));
                        }
                    }
                }
                counts.append(table[0]).append('=').append(rows).append(' ');
            }
        }
        return counts + HexFormat.of().formatHex(sha.digest());
    }
}
