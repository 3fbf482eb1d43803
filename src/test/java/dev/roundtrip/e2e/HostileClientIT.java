package dev.roundtrip.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.roundtrip.e2e.CaseRunner.Measured;
import dev.roundtrip.e2e.HostileCases.Case;
import dev.roundtrip.e2e.HostileCases.Target;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * What an attacker tries first, through the real Nginx over HTTPS, against the real app running as its own
 * process with `make run`'s JVM flags (64 MB heap, exit on OutOfMemoryError): each case in {@link HostileCases}
 * gets its 4xx problem (or a 2xx where the input is legal), small, for little app CPU (compared with an ordinary
 * request measured the same way in the same run), with the app process the same one and every table unchanged.
 * Slow readers and a storm of bad requests from 8 threads follow; an honest client works throughout and must see
 * no failure. docs/hostile-clients.md is the reader's version.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class HostileClientIT {

    /** An error answer's body: a problem with a few field errors fits many times over. */
    static final int MAX_ERROR_BYTES = 4096;
    /** A case may cost this many times what an ordinary request of its size costs (the price of reading its bytes). */
    static final double MAX_CPU_RATIO = 20;
    private static final ObjectMapper JSON = new ObjectMapper();
    private static EdgeStack stack;
    private static AppProcess app;
    private static CaseRunner runner;
    private static HonestClient honest;
    static long seededId;
    static long pid;
    static String fingerprint;
    static CpuBaseline baseline;
    static final List<String> rows = Collections.synchronizedList(new ArrayList<>());

    @BeforeAll
    static void startStackSeedAndMeasureAnOrdinaryRequest() throws Exception {
        // Every request of this suite comes from 127.0.0.1: the shipped limits (100 r/s, burst 200; log-ins and sign-ups
        // 10 a minute) would answer most of them 429 and hide what the app does. Here they are out of the way;
        // RateLimitIT and AuthEdgeIT test the shipped ones.
        stack = EdgeStack.start(Map.of("API_RATE_LIMIT", "100000r/s", "API_RATE_BURST", "100000",
                        "AUTH_RATE_LIMIT", "100000r/s", "AUTH_RATE_BURST", "100000"),
                Map.of("JAVA_TOOL_OPTIONS", AppProcess.makeRunJavaOptions()));
        app = new AppProcess(stack);
        runner = new CaseRunner(stack, app);
        seededId = SlowReaders.seed(stack);
        pid = app.pid();
        honest = new HonestClient(stack);
        honest.start();
        runner.pauseWhileCounting(honest::pause, honest::resume);
        fingerprint = CaseRunner.fingerprint(stack.databaseFile());
        warmUp();
        baseline = CpuBaseline.measure(runner, seededId);
        rows.add(String.format(Locale.ROOT, "baseline: ordinary GET %d µs/req (%d B in), 1 MB string field %d µs/req (%d B in)",
                baseline.ordinaryMicros(), baseline.ordinaryBytes(), baseline.largeMicros(), baseline.largeBytes()));
    }

    /**
     * A JVM that just started spends most of its CPU compiling (notes: 25–50 s of load to steady speed): every case
     * once, so each code path is compiled before it is measured. Whatever it breaks is reported, and starts fresh.
     */
    private static void warmUp() throws Exception {
        long mark = app.logMark();
        for (Case c : HostileCases.all(seededId, stack.bearer())) {
            runner.measure(c, 1, 0, 0);
        }
        List<String> violations = new ArrayList<>();
        checkProcessAndTables(mark, violations);
        rows.add("warm-up (every case once): " + (violations.isEmpty() ? "ok" : violations));
    }

    @AfterAll
    static void printTableAndStop() throws Exception {
        try {
            System.out.println("\nhostile: " + String.format(Locale.ROOT, "%-88s | %-7s | %-11s | %8s | %8s | %10s | %8s | %s",
                    "case", "target", "status", "bytes in", "out", "app µs/req", "× base", "verdict"));
            rows.forEach(row -> System.out.println("hostile: " + row));
        } finally {
            if (honest != null) {
                honest.stop();
            }
            if (stack != null) {
                stack.close();
            }
        }
    }

    static Stream<Arguments> cases() {
        return HostileCases.all(seededId, stack.bearer()).stream().map(c -> Arguments.of(c.label(), c));
    }

    @Order(1)
    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void hostileRequestIsRefusedSmallAndCheaplyAndChangesNothing(String label, Case c) throws Exception {
        long mark = app.logMark();
        Measured m = runner.measure(c, 2, 10, 200);
        if (m.error() == null && m.last() != null && m.cpuMicrosPerRequest() > allowedMicros(m.last())) {
            m = lowerOfTwo(m, runner.measure(c, 0, 10, 200));
        }
        List<String> violations = new ArrayList<>();
        if (m.error() != null) {
            violations.add("no answer: " + m.error());
        } else {
            checkAnswer(c, m, violations);
        }
        checkProcessAndTables(mark, violations);
        long in = m.last() == null ? c.wire().length : m.last().bytesIn();
        double ratio = m.cpuMicrosPerRequest() < 0 ? Double.NaN : m.cpuMicrosPerRequest() / (double) baseline.expectedMicros(in);
        rows.add(String.format(Locale.ROOT, "%-88s | %-7s | %-11s | %8d | %8d | %10d | %8.1f | %s", c.group() + ": " + c.name(),
                c.target(), m.statuses(), in, m.last() == null ? -1 : m.last().body().length, m.cpuMicrosPerRequest(), ratio,
                violations.isEmpty() ? "ok" : String.join("; ", violations)).replace("NaN", "-"));
        assertTrue(violations.isEmpty(), label + ": " + violations);
    }

    @Order(2)
    @Test
    void slowReadersOfALargeListDoNotHoldTheApp() throws Exception {
        long mark = app.logMark();
        List<String> violations = new ArrayList<>(SlowReaders.run(stack, app));
        checkProcessAndTables(mark, violations);
        rows.add("slow readers: " + (violations.isEmpty() ? "ok" : violations));
        assertTrue(violations.isEmpty(), violations.toString());
    }

    @Order(3)
    @Test
    void eightThreadsOfBadRequestsForFiveSecondsLeaveTheAppAsItWas() throws Exception {
        long mark = app.logMark();
        List<Case> cases = HostileCases.all(seededId, stack.bearer()).stream().filter(c -> c.target() != Target.EDGE_H2).toList();
        Storm.Result storm = Storm.run(runner, app, cases, baseline);
        List<String> violations = new ArrayList<>(storm.violations());
        checkProcessAndTables(mark, violations);
        rows.add(String.format(Locale.ROOT, "storm: 8 threads, %d requests, app %d µs/req, %.1f × their ordinary cost; %s",
                storm.requests(), storm.cpuMicrosPerRequest(), storm.ratio(), violations.isEmpty() ? "ok" : violations));
        assertTrue(violations.isEmpty(), violations.toString());
        assertTrue(storm.ratio() <= MAX_CPU_RATIO, "storm CPU " + storm.ratio() + " × ordinary");
    }

    @Order(4)
    @Test
    void honestClientBesideThemSawNoFailure() throws Exception {
        honest.stop();
        rows.add("honest client: " + honest.rounds.get() + " rounds of create/GET/PUT If-Match/DELETE If-Match/GET, "
                + honest.resent.get() + " requests resent after GOAWAY, " + honest.failures.size() + " failures " + honest.failures.stream().limit(5).toList());
        assertTrue(honest.rounds.get() > 10, "honest rounds: " + honest.rounds.get());
        assertEquals(List.of(), honest.failures);
        HttpResponse<String> health = stack.client(HttpClient.Version.HTTP_2).send(HttpRequest.newBuilder(stack.https("/api/ready"))
                .build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, health.statusCode());
    }

    private static long allowedMicros(RawHttp.Answer a) {
        return (long) (MAX_CPU_RATIO * baseline.expectedMicros(a.bytesIn()));
    }

    /**
     * A case over its CPU budget is measured once more and charged the lower of the two: what an input costs comes
     * back every time, while a JIT compilation or a collection that fell into the window (the app's CPU counts
     * all its threads) does not. Every status either run saw is kept, so no answer escapes the check.
     */
    private static Measured lowerOfTwo(Measured first, Measured again) {
        if (again.error() != null || again.cpuMicrosPerRequest() < 0 || again.cpuMicrosPerRequest() >= first.cpuMicrosPerRequest()) {
            return first;
        }
        TreeSet<Integer> statuses = new TreeSet<>(first.statuses());
        statuses.addAll(again.statuses());
        return new Measured(again.last(), statuses, again.repeats(), again.cpuMicrosPerRequest(), null);
    }

    private static void checkAnswer(Case c, Measured m, List<String> violations) throws Exception {
        RawHttp.Answer a = m.last();
        if (!c.statuses().containsAll(m.statuses())) {
            violations.add("status " + m.statuses() + " not in " + c.statuses() + " (" + shortBody(a) + ")");
        }
        if (a.status() >= 400) {
            checkProblem(c, a, violations);
        } else if (a.body().length > Math.max(MAX_ERROR_BYTES, 4 * a.bytesIn())) {
            violations.add("answer " + a.body().length + " B for a " + a.bytesIn() + " B request");
        }
        if (c.mustNotContain() != null && a.text().contains(c.mustNotContain())) {
            violations.add("answer contains the forged " + c.mustNotContain());
        }
        long allowed = allowedMicros(a);
        if (m.cpuMicrosPerRequest() > allowed) {
            violations.add("app CPU " + m.cpuMicrosPerRequest() + " µs/req > " + allowed + " (" + MAX_CPU_RATIO + " × ordinary)");
        }
    }

    private static void checkProblem(Case c, RawHttp.Answer a, List<String> violations) {
        if (a.body().length > MAX_ERROR_BYTES) {
            violations.add("error answer " + a.body().length + " B > " + MAX_ERROR_BYTES);
        }
        if (!"application/problem+json".equals(a.header("Content-Type"))) {
            violations.add("Content-Type " + a.header("Content-Type"));
            return;
        }
        try {
            JsonNode problem = JSON.readTree(a.body());
            if (problem.path("status").asInt() != a.status()) {
                violations.add("problem status " + problem.path("status"));
            }
            // A request whose headers the app's HTTP parser refuses before reading any (a control character in a
            // header value, which Nginx passes on) is answered by http/JettyErrors with an id of its own: it never
            // saw Nginx's. docs/hostile-clients.md says so; every other answer carries the edge's id.
            boolean headersUnread = problem.path("detail").asText("").startsWith("The server could not process this request");
            String requestId = problem.path("requestId").asText("");
            if (headersUnread ? !requestId.matches("[0-9a-f]{32}") : !requestId.equals(a.header("X-Request-ID"))) {
                violations.add("requestId " + problem.path("requestId") + " vs X-Request-ID " + a.header("X-Request-ID"));
            }
            if (c.field() != null && a.status() == 400 && problem.path("errors").findValuesAsText("field").stream()
                    .noneMatch(f -> f.equals(c.field()))) {
                violations.add("no error for field " + c.field() + " in " + problem.path("errors"));
            }
        } catch (Exception e) {
            violations.add("problem body is not JSON: " + shortBody(a));
        }
    }

    /** The same process, alive, no OutOfMemoryError logged since {@code mark}, every table as it was; restarts a dead app. */
    static void checkProcessAndTables(long mark, List<String> violations) throws Exception {
        String log = app.logSince(mark);
        if (log.contains("OutOfMemoryError")) {
            violations.add("OutOfMemoryError in the app's log");
        }
        if (log.contains("StackOverflowError")) {
            violations.add("StackOverflowError in the app's log");
        }
        if (!app.alive() || app.pid() != pid) {
            violations.add("app process " + pid + " died (exit " + (app.alive() ? "?" : stack.appProcess().exitValue()) + ")");
            stack.startApp(); // so the cases after this one still say something: each starts from a live app
            pid = app.pid();
        }
        String now = CaseRunner.fingerprint(stack.databaseFile());
        if (!now.equals(fingerprint)) {
            violations.add("tables changed: " + fingerprint + " → " + now);
            fingerprint = now;
        }
    }

    static String shortBody(RawHttp.Answer a) {
        String text = a.text().replaceAll("\\s+", " ");
        return text.length() <= 160 ? text : text.substring(0, 160) + "…";
    }
}
