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
import java.util.Comparator;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

/**
 * A real PostgreSQL server for the tests: a throwaway cluster made by scripts/postgres.sh (the script that
 * `make run DB=postgres` and `make bench` use, so the tests exercise it too) in a temp directory, on a free
 * loopback port, and removed when the JVM exits. The script gives it a password (DIR/password); the tests' URLs
 * carry it as password=, which also puts the apps' masking of it to work in every PostgreSQL test. Or, when ROUNDTRIP_TEST_POSTGRES_URL names a server (a JDBC
 * URL of a user allowed to CREATE DATABASE), that one. Every {@link #newDatabase()} is a fresh, empty database on it.
 */
public final class PostgresServer implements AutoCloseable {

    private static final String EXTERNAL = System.getenv("ROUNDTRIP_TEST_POSTGRES_URL");
    private static final String SCRIPT = "scripts/postgres.sh";
    private static PostgresServer shared;
    private static final AtomicInteger DATABASES = new AtomicInteger();

    private final Path dir;
    private final int port;
    /** A connection URL to the server's maintenance database, as a user who may create databases. */
    private final String adminUrl;

    private PostgresServer(Path dir, int port, String adminUrl) {
        this.dir = dir;
        this.port = port;
        this.adminUrl = adminUrl;
    }

    /** The server every test in this JVM shares (started on first use, stopped at exit). */
    public static synchronized PostgresServer shared() {
        if (shared == null) {
            shared = EXTERNAL != null ? new PostgresServer(null, -1, EXTERNAL) : startCluster();
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
            throw new IllegalStateException("cannot create a test database on " + dev.roundtrip.Secrets.maskUrl(adminUrl), e);
        }
        String url = adminUrl.replaceFirst("/[^/?]*(\\?|$)", "/" + name + "$1");
        return new Config.Postgres(url, null, null, 5);
    }

    /** Stops the server (a fast shutdown, as an operator's restart would), keeping its data. */
    public void stop() {
        run(SCRIPT, "stop", dir.toString());
    }

    /** Starts it again on the same port, with the same data. */
    public void start() {
        run(SCRIPT, "start", dir.toString(), String.valueOf(port));
    }

    /** The superuser's password, which scripts/postgres.sh made at the first start. */
    public String password() {
        try {
            return Files.readString(dir.resolve("password")).strip();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
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
            stop();
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
        try {
            Path dir = Files.createTempDirectory("roundtrip-pg-");
            int port = freePort();
            new PostgresServer(dir, port, null).start(); // the script makes the cluster (and its password) on its first start
            String password = Files.readString(dir.resolve("password")).strip();
            return new PostgresServer(dir, port, "jdbc:postgresql://127.0.0.1:" + port + "/postgres?user=postgres&password=" + password);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void run(String... cmd) {
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
                throw new IllegalStateException(String.join(" ", cmd) + " failed (`make test` installs PostgreSQL as "
                        + "root; or set ROUNDTRIP_TEST_POSTGRES_URL):\n" + output);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
