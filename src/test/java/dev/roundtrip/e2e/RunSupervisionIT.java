package dev.roundtrip.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * `make run` supervises: scripts/run.sh started as a real process (its own session, free ports, a temp RUN_DIR
 * and DATA_DIR). A kill -9'd app server comes back by itself while the edge answers problem+json; one of three
 * replicas kill -9'd under a GET load fails no GET; SIGTERM stops everything within 15 s with nothing left;
 * after an unclean stop (kill -9 of the whole process group) the next run finds the left-over PostgreSQL
 * server, says so in one line, and starts.
 */
class RunSupervisionIT {

    private static final Duration COMES_BACK = Duration.ofSeconds(60);
    private static final int LOAD_THREADS = 4;
    private static final Duration LOAD_TIME = Duration.ofSeconds(10);

    @Test
    void aKilledAppComesBackByItselfWhileTheEdgeAnswersProblemJsonAndSigtermLeavesNothing() throws Exception {
        try (RunScript run = new RunScript(1)) {
            run.start("sqlite", 1);
            HttpClient client = run.client();
            int port = run.appPorts.get(0);
            ProcessHandle.of(run.appPid(port)).orElseThrow().destroyForcibly(); // SIGKILL
            boolean sawProblem = false;
            long deadline = System.nanoTime() + COMES_BACK.toNanos();
            int status;
            do {
                assertTrue(System.nanoTime() < deadline, "not ready again within " + COMES_BACK.toSeconds() + " s:\n" + run.tail());
                HttpResponse<String> ready = get(client, run, "/api/ready");
                status = ready.statusCode();
                if (status == 502 || status == 503) {
                    assertEquals("application/problem+json", ready.headers().firstValue("Content-Type").orElse(""), ready.body());
                    sawProblem = true;
                }
                Thread.sleep(100);
            } while (status != 200 || !sawProblem);
            assertTrue(Pattern.compile("supervise: app server 1 \\(127\\.0\\.0\\.1:" + port
                    + "\\) exited: killed by SIGKILL after \\d+ s up; restarting in 1 s").matcher(run.output()).find(), run.tail());
            run.awaitOutput("supervise: app server 1 is back on 127.0.0.1:" + port, Duration.ofSeconds(10));
            stopsCleanlyOnSigterm(run);
        }
    }

    @Test
    void oneOfThreeReplicasKilledFailsNoGetAndAnUncleanStopDoesNotBlockTheNextRun() throws Exception {
        try (RunScript run = new RunScript(3)) {
            run.start("postgres", 3);
            HttpClient client = run.client();
            int victim = run.appPorts.get(1);
            ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
            AtomicLong gets = new AtomicLong();
            ExecutorService load = Executors.newFixedThreadPool(LOAD_THREADS);
            long end = System.nanoTime() + LOAD_TIME.toNanos();
            try {
                for (int t = 0; t < LOAD_THREADS; t++) {
                    load.submit(() -> browse(client, run, end, gets, failures));
                }
                Thread.sleep(2000);
                ProcessHandle.of(run.appPid(victim)).orElseThrow().destroyForcibly(); // SIGKILL, under load
            } finally {
                load.shutdown();
                assertTrue(load.awaitTermination(LOAD_TIME.toSeconds() + 30, TimeUnit.SECONDS), "the load stopped");
            }
            assertTrue(failures.isEmpty(), failures.size() + " failed of " + gets.get() + " GETs: " + failures.stream().limit(5).toList());
            assertTrue(gets.get() > 100, "GETs sent: " + gets.get());
            assertTrue(run.output().contains("supervise: app server 2 (127.0.0.1:" + victim + ") exited: killed by SIGKILL"), run.tail());
            run.awaitOutput("supervise: app server 2 is back on 127.0.0.1:" + victim, COMES_BACK);
            System.out.printf("run supervision: one of 3 replicas killed under load: gets=%d failed=0%n", gets.get());

            long firstPostmaster = run.postmasterPid().orElseThrow();
            run.killGroup(); // unclean: run.sh, supervisors and apps die at once (Nginx follows: pdeathsig); PostgreSQL lives on
            EdgeStack.await(() -> run.sessionProcesses().isEmpty(), "the killed group to be gone");
            assertTrue(RunScript.running(firstPostmaster), "PostgreSQL outlived the kill");

            run.start("postgres", 1);
            assertTrue(run.output().contains("postgres.sh: a PostgreSQL server from an earlier run is still running"), run.tail());
            assertEquals(200, get(client, run, "/api/notes?limit=1").statusCode());
            stopsCleanlyOnSigterm(run);
            assertTrue(!RunScript.running(firstPostmaster), "the earlier PostgreSQL server " + firstPostmaster + " was stopped");
        }
    }

    /** SIGTERM to run.sh: it exits 0 within 15 s, and no process, port or PostgreSQL server of the run is left. */
    private static void stopsCleanlyOnSigterm(RunScript run) throws Exception {
        OptionalLong postmaster = run.postmasterPid();
        run.process().destroy(); // SIGTERM
        assertTrue(run.process().waitFor(15, TimeUnit.SECONDS), "run.sh still running 15 s after SIGTERM:\n" + run.tail());
        assertEquals(0, run.process().exitValue(), run.tail());
        assertTrue(run.output().contains("stopped."), run.tail());
        EdgeStack.await(() -> run.sessionProcesses().isEmpty(), "no app or supervisor left"); // orphans keep the session id
        EdgeStack.await(() -> run.processesNamingTheRunDirectory().isEmpty(), "no Nginx or PostgreSQL of the run left");
        Map<Long, String> left = run.sessionProcesses();
        left.putAll(run.processesNamingTheRunDirectory());
        assertTrue(left.isEmpty(), "left running: " + left);
        if (postmaster.isPresent()) {
            // pg_ctl stop -w returns once the pid file is gone; the server process ends a moment later
            EdgeStack.await(() -> !RunScript.running(postmaster.getAsLong()),
                    "PostgreSQL (pid " + postmaster.getAsLong() + ") to have stopped");
            assertTrue(run.postmasterPid().isEmpty(), "postmaster.pid removed by a clean stop");
        }
        assertEquals(List.of(), run.portsInUse(), "ports still held after the stop");
    }

    /** A browser-like reader: GETs of the notes list (gzip accepted) until {@code end}; every non-200 is a failure. */
    private static void browse(HttpClient client, RunScript run, long end, AtomicLong gets, ConcurrentLinkedQueue<String> failures) {
        while (System.nanoTime() < end) {
            try {
                HttpResponse<String> res = get(client, run, "/api/notes?limit=5");
                gets.incrementAndGet();
                if (res.statusCode() != 200) {
                    failures.add(res.statusCode() + " " + res.body());
                }
            } catch (IOException e) {
                failures.add(e.toString());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    private static HttpResponse<String> get(HttpClient client, RunScript run, String path) throws IOException, InterruptedException {
        return client.send(HttpRequest.newBuilder(run.https(path)).header("Accept-Encoding", "gzip")
                .timeout(Duration.ofSeconds(15)).build(), HttpResponse.BodyHandlers.ofString());
    }
}
