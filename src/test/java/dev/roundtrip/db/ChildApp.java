package dev.roundtrip.db;

import dev.roundtrip.TestSessions;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The real app ({@code dev.roundtrip.App}) in a JVM of its own, from the test classpath: what a second
 * process (another terminal, another container on the same volume) looks like to a lock or a restore.
 */
final class ChildApp implements AutoCloseable {

    private final Process process;
    private final Path output;
    final int port;
    private String authorization; // the default test user's session, made on the first note

    private ChildApp(Process process, Path output, int port) {
        this.process = process;
        this.output = output;
        this.port = port;
    }

    /** Starts the app on DATA_DIR {@code dataDir} and a free (not the default) port; returns when it is ready. */
    static ChildApp start(Path dataDir, Map<String, String> env) throws Exception {
        int port = freePort();
        Path output = Files.createTempFile("roundtrip-child-", ".log");
        Process process = builder(dataDir, port, env).redirectErrorStream(true)
                .redirectOutput(output.toFile()).start();
        ChildApp app = new ChildApp(process, output, port);
        app.awaitReady();
        return app;
    }

    /** Runs the app to its exit (it is expected to refuse to start); returns its exit code and output. */
    static Map.Entry<Integer, String> runToExit(Path dataDir, Map<String, String> env) throws Exception {
        Process process = builder(dataDir, freePort(), env).redirectErrorStream(true).start();
        String text = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new AssertionError("the second app did not exit: " + text);
        }
        return Map.entry(process.exitValue(), text);
    }

    long pid() {
        return process.pid();
    }

    String output() throws IOException {
        return Files.readString(output);
    }

    /** POSTs a note as the default test user (signed in on the first call); returns the status code. */
    int createNote(String title) throws Exception {
        if (authorization == null) {
            authorization = TestSessions.signIn(port);
        }
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/api/notes"))
                .header("Content-Type", "application/json").header("Authorization", authorization)
                .POST(HttpRequest.BodyPublishers.ofString("{\"title\":\"" + title + "\"}")).build();
        return HttpClient.newHttpClient().send(request, HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    /** SIGTERM, the app's graceful stop; waits for the process to end and returns all it printed. */
    String stop() throws Exception {
        process.destroy();
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor();
        }
        String text = Files.exists(output) ? output() : "";
        Files.deleteIfExists(output);
        return text;
    }

    @Override
    public void close() throws Exception {
        stop();
    }

    private static ProcessBuilder builder(Path dataDir, int port, Map<String, String> env) {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        ProcessBuilder pb = new ProcessBuilder(java, "-Xmx64m", "-cp", System.getProperty("java.class.path"), "dev.roundtrip.App");
        pb.environment().keySet().removeIf(name -> name.startsWith("DATABASE_") || name.startsWith("APP_"));
        pb.environment().putAll(Map.of("DATA_DIR", dataDir.toString(), "APP_PORT", String.valueOf(port), "METRICS_PORT", "0"));
        pb.environment().putAll(env);
        return pb;
    }

    private void awaitReady() throws Exception {
        HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
        HttpRequest ready = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/api/ready")).build();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new AssertionError("the app exited with " + process.exitValue() + ":\n" + output());
            }
            try {
                if (client.send(ready, HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
                    return;
                }
            } catch (IOException notYet) {
                // still starting
            }
            Thread.sleep(100);
        }
        String text = stop();
        throw new AssertionError("the app was not ready after 60 s:\n" + text);
    }

    private static int freePort() {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
