package dev.roundtrip.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.roundtrip.db.PostgresServer;
import java.io.IOException;
import java.io.InputStream;
import java.net.ServerSocket;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * scripts/upgrade.sh, the real procedure, run under load through the real Nginx over HTTPS (gzip accepted, writes
 * signed in): the SQLite hand-over on one machine (a new version beside the old on a second port, Nginx re-rendered
 * and reloaded, the old one drained and stopped) and a rolling restart of three PostgreSQL replicas. Each proves no
 * failed request, every acknowledged write readable afterwards with its content, and the new instances answering.
 * The script runs in its process mode (plain java processes with pid files, `nginx -s reload`); the "new version"
 * is the same jar copied to a release directory of its own, so what changes is the file the instances run from.
 */
class UpgradeIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    /** Two threads: a steady load that leaves the two cores room to start the new JVMs within the bound. */
    private static final int LOAD_THREADS = 2;
    /** All load comes from 127.0.0.1: the shipped per-client rate limit would answer most of it with 429. */
    private static final Map<String, String> UNLIMITED = Map.of("API_RATE_LIMIT", "100000r/s", "API_RATE_BURST", "100000");

    @Test
    void aSqliteHandOverToANewPortFailsNoRequestAndLosesNoAcknowledgedWrite() throws Exception {
        try (EdgeStack stack = EdgeStack.start(UNLIMITED, Map.of(), 1)) {
            int oldPort = stack.appPort;
            int newPort = freePort();
            try {
                writePidFiles(stack);
                HttpClient client = stack.unvalidatedClient(HttpClient.Version.HTTP_1_1);
                stack.user(); // signed in on the old app; the session is a row, so the new one knows it
                UpgradeLoad load = new UpgradeLoad(client, stack, LOAD_THREADS);
                String output;
                try {
                    awaitRequests(load, 200);
                    output = upgrade(stack, Map.of("DATA_DIR", stack.dir.resolve("data").toString()),
                            "handover", String.valueOf(oldPort), String.valueOf(newPort));
                    awaitRequests(load, 200);
                } finally {
                    load.close();
                }
                assertTrue(output.contains("done: port " + newPort + " serves alone"), output);
                assertFalse(stack.appProcess().isAlive(), "the old app has stopped");
                assertNoFailureAndEveryWriteKept(stack, client, load, "jdbc:sqlite:" + stack.databaseFile());
                assertTrue(load.answersFrom(newPort) > 0, "the new app answered under the load: " + load.answersByPort);
                for (String instance : instancesSeen(stack, client, 20)) {
                    assertTrue(instance.endsWith(":" + newPort), "after the switch only the new app answers: " + instance);
                }
                String lock = Files.readString(stack.dir.resolve("data/roundtrip.lock"));
                assertTrue(lock.contains("pid " + pidOf(stack, newPort) + " "), "the new app holds DATA_DIR: " + lock);
                System.out.printf("upgrade: SQLite hand-over %d → %d: requests=%d acknowledged_creates=%d gzipped=%d failed=0%n",
                        oldPort, newPort, load.requests.get(), load.acknowledged.size(), load.gzipped.get());
            } finally {
                stopScriptInstances(stack);
                printLogsIfFailed(stack);
                removeAfterClose(stack);
            }
        }
    }

    @Test
    void aRollingRestartOfThreePostgresReplicasFailsNoRequestAndLosesNoAcknowledgedWrite() throws Exception {
        try (PostgresServer postgres = PostgresServer.startPrivate()) {
            String url = postgres.newDatabase().url();
            try (EdgeStack stack = EdgeStack.start(UNLIMITED, Map.of("DATABASE_URL", url), 3)) {
                try {
                    writePidFiles(stack);
                    HttpClient client = stack.unvalidatedClient(HttpClient.Version.HTTP_1_1);
                    stack.user();
                    Set<String> before = instancesSeen(stack, client, 30);
                    assertEquals(3, before.size(), "three replicas answer before: " + before);
                    UpgradeLoad load = new UpgradeLoad(client, stack, LOAD_THREADS);
                    String output;
                    try {
                        awaitRequests(load, 200);
                        List<String> args = new ArrayList<>(List.of("rolling"));
                        stack.appPorts.forEach(port -> args.add(String.valueOf(port)));
                        // 2 s, not the default 6: Nginx may still skip the replica restarted last (fail_timeout 5 s),
                        // so fewer replicas serve while the next one stops; harder on the procedure, and quicker.
                        output = upgrade(stack, Map.of("DATABASE_URL", url, "ROLLING_PAUSE", "2"), args.toArray(String[]::new));
                        awaitRequests(load, 200);
                    } finally {
                        load.close();
                    }
                    assertTrue(output.contains("done: 3 replicas restarted"), output);
                    assertNoFailureAndEveryWriteKept(stack, client, load, url);
                    Set<String> after = new HashSet<>();
                    EdgeStack.await(() -> {
                        after.addAll(instancesSeen(stack, client, 10));
                        return after.size() >= 3;
                    }, "all three restarted replicas to answer");
                    after.retainAll(before);
                    assertTrue(after.isEmpty(), "only new instances answer (a random id per start): still old " + after);
                    System.out.printf("upgrade: rolling restart of 3 PostgreSQL replicas: requests=%d acknowledged_creates=%d "
                            + "gzipped=%d failed=0%n", load.requests.get(), load.acknowledged.size(), load.gzipped.get());
                } finally {
                    stopScriptInstances(stack);
                    printLogsIfFailed(stack);
                    removeAfterClose(stack);
                }
            }
        }
    }

    /**
     * No failed request, gzip seen, every 201's note read back through Nginx with the title and body it was sent, and
     * no title stored twice in the database at {@code jdbcUrl} (a resent POST was made once).
     */
    private static void assertNoFailureAndEveryWriteKept(EdgeStack stack, HttpClient client, UpgradeLoad load, String jdbcUrl)
            throws Exception {
        assertTrue(load.failures.isEmpty(), load.failures.size() + " failed requests: " + load.failures);
        try (Connection c = DriverManager.getConnection(jdbcUrl); Statement s = c.createStatement();
             ResultSet twice = s.executeQuery("SELECT title FROM notes GROUP BY title HAVING count(*) > 1")) {
            assertFalse(twice.next(), "a note stored twice: " + (twice.getRow() > 0 ? twice.getString(1) : ""));
        }
        System.out.println("upgrade: resent once after Nginx closed an idle connection: " + load.resent);
        assertTrue(load.acknowledged.size() > 20, "creates acknowledged: " + load.acknowledged.size());
        assertTrue(load.gzipped.get() > 0, "Nginx gzipped the answers that asked for it");
        for (UpgradeLoad.Acknowledged note : load.acknowledged.values()) {
            HttpResponse<String> res = client.send(HttpRequest.newBuilder(stack.https("/api/notes/" + note.id()))
                    .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(200, res.statusCode(), "acknowledged note " + note.id() + ": " + res.body());
            JsonNode stored = JSON.readTree(res.body());
            assertEquals(note.title(), stored.get("title").asText());
            assertEquals(note.body(), stored.get("body").asText());
        }
    }

    /**
     * Runs scripts/upgrade.sh in process mode, with the Nginx directory, its render settings and the new release,
     * under a bound of 80 s; returns its output, or fails with it.
     */
    private static String upgrade(EdgeStack stack, Map<String, String> appEnv, String... args) throws Exception {
        Path newJar = stack.dir.resolve("build/roundtrip.jar"); // the "new version": the same jar at another path
        Files.createDirectories(newJar.getParent());
        Files.copy(EdgeStack.PROJECT.resolve("target/roundtrip.jar"), newJar);
        Path renderEnv = stack.dir.resolve("render.env"); // what EdgeStack rendered with, but APP_UPSTREAM
        Files.writeString(renderEnv, "HTTPS_PORT=" + stack.httpsPort + "\nHTTP_PORT=" + stack.httpPort
                + "\nTLS_CERT=" + stack.dir.resolve("certs/localhost.crt") + "\nTLS_KEY=" + stack.dir.resolve("certs/localhost.key")
                + "\nAPI_RATE_LIMIT=100000r/s\nAPI_RATE_BURST=100000\n");
        List<String> cmd = new ArrayList<>(List.of(EdgeStack.PROJECT.resolve("scripts/upgrade.sh").toString()));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(EdgeStack.PROJECT.toFile()).redirectErrorStream(true);
        pb.environment().putAll(appEnv);
        pb.environment().putAll(Map.of("UPGRADE_MODE", "process", "RUN_DIR", runDir(stack).toString(),
                "JAR", stack.dir.resolve("opt/roundtrip.jar").toString(), "NEW_JAR", newJar.toString(), "VERSION", "next",
                "NGINX_DIR", stack.nginxDir().toString(), "RENDER_ENV_FILE", renderEnv.toString(),
                "JAVA", Path.of(System.getProperty("java.home"), "bin", "java").toString(), "NGINX_BIN", EdgeStack.nginxBinary(),
                "METRICS_PORT", "0"));
        pb.environment().put("JAVA_OPTS", "-XX:+UseSerialGC -Xmx64m -Xss512k"); // the app's usual JVM settings
        Process p = pb.start();
        String output;
        try (InputStream out = p.getInputStream()) {
            output = new String(out.readAllBytes(), StandardCharsets.UTF_8); // the apps it starts write to their own logs
        }
        if (!p.waitFor(80, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("upgrade.sh did not finish within 80 s:\n" + output);
        }
        System.out.print(output);
        assertEquals(0, p.exitValue(), "upgrade.sh " + String.join(" ", args) + ":\n" + output);
        return output;
    }

    private static Path runDir(EdgeStack stack) {
        return stack.dir.resolve("upgrade");
    }

    /** RUN_DIR/app-PORT.pid for the apps EdgeStack started, as the script's process mode expects of every instance. */
    private static void writePidFiles(EdgeStack stack) throws IOException {
        Files.createDirectories(runDir(stack));
        for (int port : stack.appPorts) {
            Files.writeString(runDir(stack).resolve("app-" + port + ".pid"), pidOf(stack, port) + "\n");
        }
    }

    /** The pid of this JVM's child (an app EdgeStack or the script started) whose environment has APP_PORT=port. */
    private static long pidOf(EdgeStack stack, int port) {
        Path file = runDir(stack).resolve("app-" + port + ".pid");
        try {
            if (Files.exists(file)) {
                return Long.parseLong(Files.readString(file).strip());
            }
        } catch (IOException e) {
            throw new AssertionError(e);
        }
        return ProcessHandle.current().children().filter(p -> environ(p.pid()).contains("\0APP_PORT=" + port + "\0"))
                .findFirst().orElseThrow(() -> new AssertionError("no app process on port " + port)).pid();
    }

    private static String environ(long pid) {
        try {
            return "\0" + Files.readString(Path.of("/proc/" + pid + "/environ"), StandardCharsets.ISO_8859_1);
        } catch (IOException e) {
            return "";
        }
    }

    /** SIGTERM to every process the script started (its pid files), then SIGKILL to what is left after 15 s. */
    private static void stopScriptInstances(EdgeStack stack) throws Exception {
        if (!Files.isDirectory(runDir(stack))) {
            return;
        }
        List<ProcessHandle> running = new ArrayList<>();
        try (Stream<Path> files = Files.list(runDir(stack))) {
            for (Path file : files.filter(f -> f.toString().endsWith(".pid")).toList()) {
                ProcessHandle.of(Long.parseLong(Files.readString(file).strip())).ifPresent(running::add);
            }
        }
        running.forEach(ProcessHandle::destroy);
        for (ProcessHandle p : running) {
            try {
                p.onExit().get(15, TimeUnit.SECONDS);
            } catch (java.util.concurrent.TimeoutException e) {
                p.destroyForcibly();
            }
        }
    }

    /** Closes the stack (Nginx, any app left) now, then removes its directory: certificates, logs, data, releases. */
    private static void removeAfterClose(EdgeStack stack) throws Exception {
        stack.close(); // closing it again at the end of the try block finds nothing left to stop
        try (Stream<Path> tree = Files.walk(stack.dir)) {
            for (Path path : tree.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(path);
            }
        }
    }

    /** The app logs of the script's instances, when the test is failing (the stack's directory is removed after). */
    private static void printLogsIfFailed(EdgeStack stack) throws IOException {
        try (Stream<Path> files = Files.isDirectory(runDir(stack)) ? Files.list(runDir(stack)) : Stream.empty()) {
            for (Path log : files.filter(f -> f.toString().endsWith(".log")).sorted(Comparator.naturalOrder()).toList()) {
                List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
                String tail = String.join("\n", lines.subList(Math.max(0, lines.size() - 15), lines.size()));
                if (tail.contains("ERROR") || tail.contains("Exception")) {
                    System.out.println("--- " + log.getFileName() + " (last 15 lines)\n" + tail);
                }
            }
        }
    }

    /** The app.instance of {@code requests} GET /api/journey through Nginx (random-id:port). */
    private static Set<String> instancesSeen(EdgeStack stack, HttpClient client, int requests) {
        Set<String> instances = new HashSet<>();
        for (int i = 0; i < requests; i++) {
            try {
                HttpResponse<String> res = client.send(HttpRequest.newBuilder(stack.https("/api/journey"))
                        .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
                if (res.statusCode() == 200) {
                    instances.add(JSON.readTree(res.body()).get("app").get("instance").asText());
                }
            } catch (IOException e) {
                return instances;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return instances;
            }
        }
        return instances;
    }

    private static void awaitRequests(UpgradeLoad load, int more) throws InterruptedException {
        long target = load.requests.get() + more;
        EdgeStack.await(() -> load.requests.get() >= target || !load.failures.isEmpty(), more + " more requests of the load");
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
