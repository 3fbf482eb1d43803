package dev.roundtrip.e2e;

import dev.roundtrip.contract.ValidatingHttpClient;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * The whole request path, for real: a certificate made by scripts/make-cert.sh, Nginx started with the
 * config rendered by scripts/render-nginx.sh (the same files `make run` and Docker use), and the app
 * started from target/roundtrip.jar, all on free loopback ports in a fresh temp directory.
 */
public final class EdgeStack implements AutoCloseable {

    public static final Path PROJECT = Path.of("").toAbsolutePath();
    // Generous: on 2 cores shared with other jobs a JVM was seen to take over 30 s to start.
    private static final Duration STARTUP = Duration.ofSeconds(60);

    public final Path dir;
    /** The app servers' ports: one, or one per replica. {@link #appPort} is the first. */
    public final List<Integer> appPorts;
    public final int appPort;
    public final int httpsPort = freePort();
    public final int httpPort = freePort();
    public final int metricsPort;
    private final List<Integer> metricsPorts;
    private final Path certificate;
    private final Process[] apps;
    private final int[] appStarts;
    private Process nginx;
    private TestUser user;
    /** Extra environment for the apps (e.g. SQLITE_SYNCHRONOUS, DATABASE_URL), at every (re)start. */
    private final Map<String, String> appEnv;
    /** What render-nginx.sh was given at start, for {@link #rerenderAndReload()}. */
    private Map<String, String> renderEnv = Map.of();

    private EdgeStack(Path dir, int replicas, Map<String, String> appEnv, List<Integer> givenPorts) {
        this.dir = dir;
        this.certificate = dir.resolve("certs/localhost.crt");
        List<Integer> ports = new ArrayList<>(givenPorts);
        List<Integer> metrics = new ArrayList<>(givenPorts.stream().map(port -> 0).toList());
        for (int i = 0; i < replicas; i++) {
            ports.add(freePort());
            metrics.add(freePort());
        }
        this.appPorts = List.copyOf(ports);
        this.metricsPorts = List.copyOf(metrics);
        this.appPort = ports.get(0);
        this.metricsPort = metrics.get(0);
        this.apps = new Process[ports.size()];
        this.appStarts = new int[ports.size()];
        this.appEnv = Map.copyOf(appEnv);
    }

    /** Renders and starts everything; {@code renderEnv} can override render-nginx.sh's variables. */
    public static EdgeStack start(Map<String, String> renderEnv) throws Exception {
        return start(renderEnv, Map.of());
    }

    /** As {@link #start(Map)}, with {@code appEnv} added to the app's environment at every (re)start. */
    public static EdgeStack start(Map<String, String> renderEnv, Map<String, String> appEnv) throws Exception {
        return start(renderEnv, appEnv, 1);
    }

    /** As {@link #start(Map, Map)}, with {@code replicas} app servers behind Nginx (they need a shared DATABASE_URL). */
    public static EdgeStack start(Map<String, String> renderEnv, Map<String, String> appEnv, int replicas) throws Exception {
        return start(renderEnv, appEnv, replicas, List.of());
    }

    /** Nginx alone, in front of servers the test runs itself on {@code upstreamPorts} (e.g. a fake app). */
    public static EdgeStack inFrontOf(List<Integer> upstreamPorts) throws Exception {
        return start(Map.of(), Map.of(), 0, upstreamPorts);
    }

    private static EdgeStack start(Map<String, String> renderEnv, Map<String, String> appEnv, int replicas,
                                   List<Integer> givenPorts) throws Exception {
        // rwxr-xr-x: run as root, Nginx's workers are `nobody` and must be able to read the static files.
        EdgeStack stack = new EdgeStack(Files.createTempDirectory("roundtrip-e2e-",
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxr-xr-x"))), replicas, appEnv, givenPorts);
        try {
            stack.run("scripts/make-cert.sh", Map.of(), stack.dir.resolve("certs").toString());
            String upstreams = String.join(" ", stack.appPorts.stream().map(port -> "127.0.0.1:" + port).toList());
            Map<String, String> env = new HashMap<>(Map.of(
                    "HTTPS_PORT", String.valueOf(stack.httpsPort), "HTTP_PORT", String.valueOf(stack.httpPort),
                    "APP_UPSTREAM", upstreams,
                    "TLS_CERT", stack.certificate.toString(), "TLS_KEY", stack.dir.resolve("certs/localhost.key").toString()));
            env.putAll(renderEnv);
            stack.renderEnv = Map.copyOf(env);
            stack.run("scripts/render-nginx.sh", env, stack.nginxDir().toString());
            for (int i = givenPorts.size(); i < stack.appPorts.size(); i++) {
                stack.startApp(i);
            }
            stack.startNginx();
            return stack;
        } catch (Exception | Error e) {
            stack.close();
            throw e;
        }
    }

    public Path nginxDir() {
        return dir.resolve("nginx");
    }

    /** Starts the (first) app; see {@link #startApp(int)}. */
    public void startApp() throws Exception {
        startApp(0);
    }

    /**
     * Starts replica {@code i} from the real jar and waits until it is ready; its stdout and stderr go to
     * app.log (replica 0) or app-i.log, appended across restarts.
     */
    public void startApp(int i) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(javaBinary(), "-jar", PROJECT.resolve("target/roundtrip.jar").toString())
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve(i == 0 ? "app.log" : "app-" + i + ".log").toFile()));
        pb.environment().put("APP_PORT", String.valueOf(appPorts.get(i)));
        pb.environment().put("DATA_DIR", dir.resolve("data").toString());
        pb.environment().put("METRICS_PORT", String.valueOf(metricsPorts.get(i)));
        pb.environment().putAll(appEnv);
        apps[i] = pb.start();
        int start = ++appStarts[i];
        await(() -> status("http://127.0.0.1:" + appPorts.get(i) + "/api/ready") == 200,
                "app " + i + " (start " + start + ") to be ready");
    }

    /** SIGTERM to the (first) app; see {@link #stopApp(int)}. */
    public void stopApp() throws InterruptedException {
        stopApp(0);
    }

    /** SIGTERM, as systemd or Docker would send; waits for the process to exit. */
    public void stopApp(int i) throws InterruptedException {
        apps[i].destroy();
        if (!apps[i].waitFor(20, TimeUnit.SECONDS)) {
            throw new AssertionError("app " + i + " did not stop within 20 s of SIGTERM");
        }
    }

    /** SIGKILL to the (first) app; see {@link #killApp(int)}. */
    public void killApp() throws InterruptedException {
        killApp(0);
    }

    /** SIGKILL (what the OOM killer or a power cut does to the process): no shutdown hook, no clean close. */
    public void killApp(int i) throws InterruptedException {
        apps[i].destroyForcibly();
        if (!apps[i].waitFor(20, TimeUnit.SECONDS)) {
            throw new AssertionError("app " + i + " did not die within 20 s of SIGKILL");
        }
    }

    /** The app's SQLite file, for tests that check what was stored without going through the app. */
    public Path databaseFile() {
        return dir.resolve("data/roundtrip.db");
    }

    public Process appProcess() {
        return apps[0];
    }

    private void startNginx() throws Exception {
        String nginxConf = nginxDir().resolve("nginx.conf").toString();
        String prefix = nginxDir() + "/";
        run(nginxBinary(), Map.of(), "-t", "-q", "-p", prefix, "-c", nginxConf, "-e", "stderr");
        nginx = new ProcessBuilder(nginxBinary(), "-p", prefix, "-c", nginxConf, "-e", "stderr")
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("nginx.out").toFile()))
                .start();
        await(() -> canConnect(httpsPort) && canConnect(httpPort), "Nginx to listen");
    }

    /** Renders the config again into the live directory (as an upgrade or a new certificate does) and reloads Nginx. */
    public void rerenderAndReload() throws Exception {
        run("scripts/render-nginx.sh", renderEnv, nginxDir().toString());
        run(nginxBinary(), Map.of(), "-s", "reload", "-p", nginxDir() + "/", "-c", nginxDir().resolve("nginx.conf").toString());
    }

    /**
     * This stack's user: registered and logged in on first use (straight to the first app), then the same
     * session for the stack's life, so a test logs in once however many writes it sends.
     */
    synchronized TestUser user() {
        if (user == null) {
            user = TestUser.register(URI.create("http://127.0.0.1:" + appPort));
        }
        return user;
    }

    /** "Bearer &lt;token&gt;" of {@link #user()}: the Authorization header every write needs (reads need none). */
    public String bearer() {
        return user().bearer();
    }

    public URI https(String path) {
        return URI.create("https://localhost:" + httpsPort + path);
    }

    /**
     * An HTTP client that verifies Nginx's certificate against the one generated for this stack, and
     * checks every /api/ response against openapi.yaml.
     */
    public HttpClient client(HttpClient.Version version) {
        return ValidatingHttpClient.wrap(unvalidatedClient(version));
    }

    /** As {@link #client}, without the contract check: for a test whose fake app answers what the contract does not. */
    public HttpClient unvalidatedClient(HttpClient.Version version) {
        return HttpClient.newBuilder().version(version).sslContext(trustingOurCertificate())
                .connectTimeout(Duration.ofSeconds(5)).followRedirects(HttpClient.Redirect.NEVER).build();
    }

    public List<String> nginxAccessLog() throws IOException {
        Path log = nginxDir().resolve("logs/access.log");
        return Files.exists(log) ? Files.readAllLines(log, StandardCharsets.UTF_8) : List.of();
    }

    public String appLog() throws IOException {
        return Files.readString(dir.resolve("app.log"), StandardCharsets.UTF_8);
    }

    /** Polls until {@code condition} holds, instead of sleeping for a guessed time. */
    public static void await(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + STARTUP.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out after " + STARTUP.toSeconds() + " s waiting for " + what);
            }
            Thread.sleep(50);
        }
    }

    /** Runs a command from the project directory; fails with its output unless it exits 0. */
    public String run(String command, Map<String, String> env, String... args) throws Exception {
        List<String> cmd = new ArrayList<>();
        cmd.add(command.startsWith("scripts/") ? PROJECT.resolve(command).toString() : command);
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(PROJECT.toFile()).redirectErrorStream(true);
        pb.environment().putAll(env);
        Process p = pb.start();
        String output;
        try (InputStream out = p.getInputStream()) {
            output = new String(out.readAllBytes(), StandardCharsets.UTF_8);
        }
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new AssertionError(String.join(" ", cmd) + " failed:\n" + output);
        }
        return output;
    }

    @Override
    public void close() throws Exception {
        if (nginx != null && nginx.isAlive()) {
            new ProcessBuilder("kill", "-QUIT", String.valueOf(nginx.pid())).start().waitFor();
            if (!nginx.waitFor(10, TimeUnit.SECONDS)) {
                nginx.destroyForcibly();
            }
        }
        for (Process app : apps) {
            if (app != null && app.isAlive()) {
                app.destroy();
                if (!app.waitFor(15, TimeUnit.SECONDS)) {
                    app.destroyForcibly();
                }
            }
        }
    }

    static String nginxBinary() {
        for (String candidate : new String[] {"/usr/sbin/nginx", "/usr/local/sbin/nginx", "/usr/bin/nginx"}) {
            if (Files.isExecutable(Path.of(candidate))) {
                return candidate;
            }
        }
        throw new AssertionError("nginx not found: `make test` installs it (as root), or: sudo apt-get install -y nginx");
    }

    private static String javaBinary() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    private SSLContext trustingOurCertificate() {
        return trusting(certificate);
    }

    /** A TLS context that trusts exactly {@code certificate} (a self-signed one that make-cert.sh made). */
    static SSLContext trusting(Path certificate) {
        try (InputStream in = Files.newInputStream(certificate)) {
            KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
            trust.load(null, null);
            trust.setCertificateEntry("roundtrip", CertificateFactory.getInstance("X.509").generateCertificate(in));
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(trust);
            SSLContext ssl = SSLContext.getInstance("TLS");
            ssl.init(null, tmf.getTrustManagers(), null);
            return ssl;
        } catch (Exception e) {
            throw new IllegalStateException("cannot load " + certificate, e);
        }
    }

    /** The status of a plain GET, or -1 when nothing answers. */
    public static int status(String url) {
        try {
            return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(2)).build(),
                    HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (IOException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    private static boolean canConnect(int port) {
        try (Socket ignored = new Socket("127.0.0.1", port)) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static int freePort() {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
