package dev.roundtrip.e2e;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * scripts/run.sh (what `make run` starts) as a real process, on free loopback ports with its own RUN_DIR and
 * DATA_DIR in one temp directory. It runs in a session of its own (setsid), so that every process it starts
 * can be found (and, for an unclean stop, killed at once) by that session, as a terminal's would be.
 * {@link #close()} stops whatever is left, also after a failed test, and removes the directory.
 */
final class RunScript implements AutoCloseable {

    private static final Duration STARTUP = Duration.ofSeconds(90);

    final Path dir;
    final List<Integer> appPorts;
    final int httpsPort;
    final int httpPort;
    final int pgPort;
    private final List<Integer> metricsPorts;
    private final List<Process> runs = new ArrayList<>();
    private Process run;
    private Path output;

    /** Ports and directories for a run with {@code replicas} app servers; nothing is started yet. */
    RunScript(int replicas) throws IOException {
        this.dir = Files.createTempDirectory("roundtrip-run-");
        // rwxr-xr-x: run as root, Nginx's workers (nobody) and PostgreSQL (postgres) must enter RUN_DIR.
        dir.toFile().setReadable(true, false);
        dir.toFile().setExecutable(true, false);
        this.appPorts = freeConsecutivePorts(replicas);
        this.metricsPorts = freeConsecutivePorts(replicas);
        this.httpsPort = freeConsecutivePorts(1).get(0);
        this.httpPort = freeConsecutivePorts(1).get(0);
        this.pgPort = freeConsecutivePorts(1).get(0);
    }

    /**
     * Starts run.sh with {@code db} (sqlite or postgres) and waits for its "Roundtrip is running" banner;
     * a second call starts a new run.sh on the same directories and ports (after the first one has gone).
     */
    void start(String db, int replicasNow) throws Exception {
        output = dir.resolve("run-" + (runs.size() + 1) + ".out");
        ProcessBuilder pb = new ProcessBuilder("setsid", EdgeStack.PROJECT.resolve("scripts/run.sh").toString())
                .directory(EdgeStack.PROJECT.toFile()).redirectErrorStream(true).redirectOutput(output.toFile());
        Map<String, String> env = pb.environment();
        for (String inherited : List.of("DATABASE_URL", "DATABASE_PASSWORD", "REPLICAS", "DB")) {
            env.remove(inherited);
        }
        env.putAll(Map.of("HTTPS_PORT", String.valueOf(httpsPort), "HTTP_PORT", String.valueOf(httpPort),
                "APP_PORT", String.valueOf(appPorts.get(0)), "METRICS_PORT", String.valueOf(metricsPorts.get(0)),
                "PG_PORT", String.valueOf(pgPort), "RUN_DIR", dir.resolve("run").toString(),
                "DATA_DIR", dir.resolve("data").toString(), "REPLICAS", String.valueOf(replicasNow), "DB", db,
                "JAVA_OPTS", AppProcess.makeRunJavaOptions()));
        // All load comes from 127.0.0.1: the shipped per-client rate limit would answer most of it with 429.
        env.putAll(Map.of("API_RATE_LIMIT", "100000r/s", "API_RATE_BURST", "100000"));
        run = pb.start();
        runs.add(run);
        // setsid makes the process a session leader before it runs run.sh; Java may see it a moment before
        EdgeStack.await(() -> session(run.pid()) == run.pid() || !run.isAlive(), "run.sh to lead its own session (setsid)");
        awaitOutput("Roundtrip is running", STARTUP);
    }

    Process process() {
        return run;
    }

    /** Everything run.sh has printed so far (its own lines, the supervisors', the apps' logs). */
    String output() {
        try {
            return Files.readString(output, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "(no output: " + e + ")";
        }
    }

    /** Waits until the output contains {@code text}; fails early if run.sh has exited. */
    void awaitOutput(String text, Duration limit) throws InterruptedException {
        long deadline = System.nanoTime() + limit.toNanos();
        while (!output().contains(text)) {
            if (!run.isAlive() && !output().contains(text)) {
                throw new AssertionError("run.sh exited (" + run.exitValue() + ") before printing '" + text + "':\n" + tail());
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("no '" + text + "' from run.sh within " + limit.toSeconds() + " s:\n" + tail());
            }
            Thread.sleep(100);
        }
    }

    /** The last lines of the output, without the apps' access log lines, for a failure message. */
    String tail() {
        List<String> lines = output().lines().filter(line -> !line.contains(" access request_id=")).toList();
        return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
    }

    /** The pid of the app server (java -jar …roundtrip.jar) that run.sh started on {@code port}. */
    long appPid(int port) {
        // the JVM itself, not its supervisor (supervise.sh, whose arguments name the jar too)
        return processes(pid -> session(pid) == run.pid() && commandLine(pid).startsWith("java ") && commandLine(pid).contains("roundtrip.jar")
                && environment(pid).contains("\0APP_PORT=" + port + "\0"))
                .keySet().stream().findFirst().orElseThrow(() -> new AssertionError("no app server on port " + port + ":\n" + tail()));
    }

    private static String environment(long pid) {
        try {
            return "\0" + Files.readString(Path.of("/proc", String.valueOf(pid), "environ"), StandardCharsets.UTF_8);
        } catch (IOException gone) {
            return "";
        }
    }

    /** Ports of this run that something still listens on (after a stop: none). */
    List<Integer> portsInUse() {
        List<Integer> all = new ArrayList<>(appPorts);
        all.addAll(metricsPorts);
        all.addAll(List.of(httpsPort, httpPort, pgPort));
        return all.stream().filter(port -> !canBind(port)).toList();
    }

    /** The pids of the processes still in run.sh's session, with their command lines. */
    Map<Long, String> sessionProcesses() {
        return sessionProcesses(run.pid());
    }

    /** The PostgreSQL server's pid from RUN_DIR/postgres/data/postmaster.pid, if the file is there. */
    OptionalLong postmasterPid() throws IOException {
        Path pidFile = dir.resolve("run/postgres/data/postmaster.pid");
        if (!Files.exists(pidFile)) {
            return OptionalLong.empty();
        }
        return OptionalLong.of(Long.parseLong(Files.readAllLines(pidFile).get(0).strip()));
    }

    /** SIGKILL to run.sh's whole process group: an unclean stop (the terminal killed, kill -9 -PGID). */
    void killGroup() throws Exception {
        new ProcessBuilder("kill", "-KILL", "--", "-" + run.pid()).inheritIO().start().waitFor(10, TimeUnit.SECONDS);
        run.waitFor(10, TimeUnit.SECONDS);
    }

    /** An HTTP client that trusts the certificate run.sh made in RUN_DIR/certs. */
    HttpClient client() {
        return HttpClient.newBuilder().version(HttpClient.Version.HTTP_2)
                .sslContext(EdgeStack.trusting(dir.resolve("run/certs/localhost.crt")))
                .connectTimeout(Duration.ofSeconds(5)).build();
    }

    URI https(String path) {
        return URI.create("https://localhost:" + httpsPort + path);
    }

    /** Stops every run.sh this made and all they left (SIGTERM, then SIGKILL), the PostgreSQL server, the directory. */
    @Override
    public void close() throws Exception {
        for (Process p : runs) {
            if (p.isAlive()) {
                p.destroy();
                if (!p.waitFor(20, TimeUnit.SECONDS)) {
                    new ProcessBuilder("kill", "-KILL", "--", "-" + p.pid()).start().waitFor(10, TimeUnit.SECONDS);
                }
            }
            sessionProcesses(p.pid()).keySet().forEach(pid -> ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly));
        }
        if (Files.exists(dir.resolve("run/postgres/data/postmaster.pid"))) {
            new ProcessBuilder(EdgeStack.PROJECT.resolve("scripts/postgres.sh").toString(), "stop", dir.resolve("run/postgres").toString())
                    .inheritIO().start().waitFor(30, TimeUnit.SECONDS);
        }
        processesNamingTheRunDirectory().keySet().forEach(pid -> ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly));
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
        }
    }

    /**
     * Running processes whose command line names this temp directory: Nginx's master (-p RUN_DIR/nginx/, in a
     * session of its own) and PostgreSQL's (-D RUN_DIR/postgres/data, which pg_ctl starts in its own session).
     */
    Map<Long, String> processesNamingTheRunDirectory() {
        return processes(pid -> commandLine(pid).contains(dir.toString()));
    }

    private static Map<Long, String> sessionProcesses(long sid) {
        return processes(pid -> session(pid) == sid);
    }

    private static Map<Long, String> processes(java.util.function.LongPredicate which) {
        Map<Long, String> found = new HashMap<>();
        try (DirectoryStream<Path> procs = Files.newDirectoryStream(Path.of("/proc"), "[0-9]*")) {
            for (Path proc : procs) {
                long pid = Long.parseLong(proc.getFileName().toString());
                if (which.test(pid) && running(pid)) {
                    found.put(pid, commandLine(pid));
                }
            }
        } catch (IOException e) {
            throw new AssertionError("cannot list /proc", e);
        }
        return found;
    }

    /**
     * True while {@code pid} runs. A zombie does not (it has exited; only its exit status waits to be collected):
     * where PID 1 does not reap orphans, as in some containers, a stopped PostgreSQL server stays one.
     */
    static boolean running(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc", String.valueOf(pid), "stat"), StandardCharsets.US_ASCII);
            return stat.charAt(stat.lastIndexOf(')') + 2) != 'Z';
        } catch (IOException | RuntimeException gone) {
            return false;
        }
    }

    /** The session id of {@code pid} (field 6 of /proc/PID/stat), or -1 when it has gone. */
    private static long session(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc", String.valueOf(pid), "stat"), StandardCharsets.US_ASCII);
            String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" "); // the name may hold spaces
            return Long.parseLong(fields[3]);
        } catch (IOException | RuntimeException gone) {
            return -1;
        }
    }

    static String commandLine(long pid) {
        try {
            return Files.readString(Path.of("/proc", String.valueOf(pid), "cmdline"), StandardCharsets.UTF_8).replace('\0', ' ').strip();
        } catch (IOException gone) {
            return "";
        }
    }

    private static List<Integer> freeConsecutivePorts(int count) {
        for (int attempt = 0; attempt < 200; attempt++) {
            int base = ThreadLocalRandom.current().nextInt(20000, 60000 - count);
            List<Integer> ports = new ArrayList<>();
            for (int port = base; port < base + count && canBind(port); port++) {
                ports.add(port);
            }
            if (ports.size() == count) {
                return ports;
            }
        }
        throw new AssertionError("no " + count + " free consecutive ports found");
    }

    private static boolean canBind(int port) {
        try (ServerSocket socket = new ServerSocket(port, 1, InetAddress.getByName("127.0.0.1"))) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
