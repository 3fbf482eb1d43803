package dev.roundtrip.db;

import dev.roundtrip.Config;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

/**
 * A real PostgreSQL server for the tests: a throwaway cluster from Debian's `postgresql` package, made with
 * initdb in a temp directory, on a free loopback port, and removed when the JVM exits. Or, when
 * ROUNDTRIP_TEST_POSTGRES_URL names a server (a JDBC URL of a user allowed to CREATE DATABASE), that one.
 * Every {@link #newDatabase()} is a fresh, empty database on it.
 */
public final class PostgresServer implements AutoCloseable {

    private static final String EXTERNAL = System.getenv("ROUNDTRIP_TEST_POSTGRES_URL");
    private static PostgresServer shared;
    private static final AtomicInteger DATABASES = new AtomicInteger();

    private final Path dir;
    private final Path bin;
    private final int port;
    /** A connection URL to the server's maintenance database, as a user who may create databases. */
    private final String adminUrl;

    private PostgresServer(Path dir, Path bin, int port, String adminUrl) {
        this.dir = dir;
        this.bin = bin;
        this.port = port;
        this.adminUrl = adminUrl;
    }

    /** The server every test in this JVM shares (started on first use, stopped at exit). */
    public static synchronized PostgresServer shared() {
        if (shared == null) {
            shared = EXTERNAL != null ? new PostgresServer(null, null, -1, EXTERNAL) : startCluster();
            PostgresServer server = shared;
            Runtime.getRuntime().addShutdownHook(new Thread(server::close, "postgres-test-cluster"));
        }
        return shared;
    }

    /** A cluster of its own, for a test that stops and starts the server; close it when done. */
    public static PostgresServer startPrivate() {
        return startCluster();
    }

    /** A new, empty database; the app's Flyway migrations run when an app opens it. */
    public Config.Postgres newDatabase() {
        String name = "roundtrip_test_" + ProcessHandle.current().pid() + "_" + DATABASES.incrementAndGet();
        try (Connection c = DriverManager.getConnection(adminUrl); Statement s = c.createStatement()) {
            s.execute("CREATE DATABASE " + name);
        } catch (SQLException e) {
            throw new IllegalStateException("cannot create a test database on " + adminUrl, e);
        }
        String url = adminUrl.replaceFirst("/[^/?]*(\\?|$)", "/" + name + "$1");
        return new Config.Postgres(url, null, null, 5);
    }

    /** Stops the server (a fast shutdown, as an operator's restart would), keeping its data. */
    public void stop() {
        pgCtl("-m", "fast", "stop");
    }

    /** Starts it again on the same port, with the same data. */
    public void start() {
        pgCtl("-o", "-p " + port + " -k " + dir + " -c listen_addresses=127.0.0.1", "-l", dir.resolve("server.log").toString(),
                "start");
    }

    public int port() {
        return port;
    }

    @Override
    public void close() {
        if (dir == null) {
            return; // an external server is not ours to stop
        }
        try {
            pgCtl("-m", "immediate", "stop");
        } catch (RuntimeException ignored) {
            // already stopped
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(path);
            }
        } catch (IOException ignored) {
            // left in /tmp
        }
    }

    private static PostgresServer startCluster() {
        Path bin = binDirectory();
        try {
            Path dir = Files.createTempDirectory("roundtrip-pg-");
            int port = freePort();
            PostgresServer server = new PostgresServer(dir, bin, port,
                    "jdbc:postgresql://127.0.0.1:" + port + "/postgres?user=postgres");
            if (isRoot()) { // initdb refuses to run as root: the cluster belongs to the postgres user
                run(List.of("chown", "postgres:postgres", dir.toString()));
            }
            server.asOwner(List.of(bin.resolve("initdb").toString(), "-D", dir.resolve("data").toString(), "-A", "trust",
                    "-U", "postgres", "-E", "UTF8", "--locale=C.UTF-8", "--no-sync"));
            server.start();
            return server;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void pgCtl(String... args) {
        List<String> cmd = new ArrayList<>(List.of(bin.resolve("pg_ctl").toString(), "-D", dir.resolve("data").toString(), "-w"));
        cmd.addAll(List.of(args));
        asOwner(cmd);
    }

    private void asOwner(List<String> cmd) {
        List<String> full = new ArrayList<>();
        if (isRoot()) {
            full.addAll(List.of("runuser", "-u", "postgres", "--"));
        }
        full.addAll(cmd);
        run(full);
    }

    private static void run(List<String> cmd) {
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
                throw new IllegalStateException(String.join(" ", cmd) + " failed:\n" + output);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Debian installs each major version under /usr/lib/postgresql/N/bin; the newest is taken. */
    private static Path binDirectory() {
        try (Stream<Path> versions = Files.list(Path.of("/usr/lib/postgresql"))) {
            return versions.map(v -> v.resolve("bin")).filter(b -> Files.isExecutable(b.resolve("initdb")))
                    .max(Comparator.comparingInt(b -> Integer.parseInt(b.getParent().getFileName().toString())))
                    .orElseThrow();
        } catch (IOException | RuntimeException e) {
            throw new IllegalStateException("no PostgreSQL server found in /usr/lib/postgresql: `make test` installs it "
                    + "(as root), or: sudo apt-get install -y postgresql; or set ROUNDTRIP_TEST_POSTGRES_URL", e);
        }
    }

    private static boolean isRoot() {
        return "root".equals(System.getProperty("user.name"));
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
