package dev.roundtrip;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Settings read from environment variables, with defaults. A bad value stops the app at start with
 * one clear message instead of failing later in the middle of a request.
 */
public record Config(String host, int port, int threads, Path dataDir, Synchronous synchronous, Postgres postgres,
                     String metricsHost, int metricsPort, List<String> corsOrigins, boolean handover) {

    /** Jetty's threads by default: enough to keep two cores busy, few enough to queue fairly (docs/performance.md). */
    static final int DEFAULT_THREADS = 16;

    /** SQLite's durability level (sqlite.org/pragma.html#pragma_synchronous), in WAL mode. */
    public enum Synchronous {
        /** Durable across an app crash; the last commits may be lost on power loss or OS crash. */
        NORMAL,
        /** One fsync per commit: durable across power loss too, several times slower to write. */
        FULL
    }

    /** Connections to PostgreSQL per app server by default; see {@link Postgres#poolSize()}. */
    static final int DEFAULT_POOL_SIZE = 10;

    /**
     * The PostgreSQL server to use instead of SQLite (DATABASE_URL is set); null means SQLite in DATA_DIR.
     * {@code poolSize} is this app server's share of the server's connections: replicas × poolSize must stay
     * below PostgreSQL's max_connections (100 by default).
     */
    public record Postgres(String url, String user, String password, int poolSize) {
        @Override
        public String toString() { // a password never reaches a log line
            return "Postgres[url=" + Secrets.maskUrl(url) + ", user=" + user + ", password=" + (password == null ? "none" : "****")
                    + ", poolSize=" + poolSize + "]";
        }
    }

    /** Thrown for a setting that cannot be used; its message names the variable and the fix. */
    public static final class ConfigException extends RuntimeException {
        ConfigException(String message) {
            super(message);
        }
    }

    public static Config fromEnv(Map<String, String> env) {
        String host = env.getOrDefault("APP_HOST", "127.0.0.1").strip();
        if (host.isEmpty()) {
            throw new ConfigException("APP_HOST must not be empty (default 127.0.0.1)");
        }
        int port = parsePort("APP_PORT", env.getOrDefault("APP_PORT", "8000"));
        int threads = parseInt("APP_THREADS", env.getOrDefault("APP_THREADS", String.valueOf(DEFAULT_THREADS)), 4, 1000,
                "a number of threads from 4 to 1000");
        Path dataDir = Path.of(env.getOrDefault("DATA_DIR", "./data").strip());
        Synchronous synchronous = parseSynchronous(env.getOrDefault("SQLITE_SYNCHRONOUS", "NORMAL"));
        String metricsHost = env.getOrDefault("METRICS_HOST", "127.0.0.1").strip();
        int metricsPort = parsePort("METRICS_PORT", env.getOrDefault("METRICS_PORT", "9464"));
        return new Config(host, port, threads, dataDir, synchronous, parsePostgres(env), metricsHost, metricsPort,
                parseOrigins(env.getOrDefault("CORS_ORIGINS", "")), parseHandover(env.getOrDefault("DATA_DIR_HANDOVER", "off")));
    }

    /**
     * DATA_DIR_HANDOVER=on: this app may start beside the one already using DATA_DIR (an upgrade on one
     * machine, scripts/upgrade.sh) and takes DATA_DIR over when that one exits; off (the default): a second app
     * on the same DATA_DIR is refused. See {@link dev.roundtrip.db.DataDirectoryLock}. Unused with DATABASE_URL.
     */
    static boolean parseHandover(String raw) {
        return switch (raw.strip().toLowerCase(Locale.ROOT)) {
            case "on" -> true;
            case "off", "" -> false;
            default -> throw new ConfigException("DATA_DIR_HANDOVER must be on (start beside the app on DATA_DIR and "
                    + "take over when it exits) or off, got '" + raw.strip() + "'");
        };
    }

    /** An origin as a browser sends it: scheme, host, optional port; no path, no trailing slash, no wildcard. */
    private static final Pattern ORIGIN = Pattern.compile("https?://[A-Za-z0-9.-]+(:[0-9]{1,5})?|https?://\\[[0-9A-Fa-f:.]+\\](:[0-9]{1,5})?");

    /** CORS_ORIGINS: comma-separated origins that may call the API from a browser (empty: none, the default). */
    static List<String> parseOrigins(String raw) {
        List<String> origins = new ArrayList<>();
        for (String part : raw.split(",")) {
            String origin = part.strip();
            if (origin.isEmpty()) {
                continue;
            }
            if (!ORIGIN.matcher(origin).matches()) {
                throw new ConfigException("CORS_ORIGINS must list origins such as https://app.example or "
                        + "http://localhost:3000 (scheme://host[:port], no path, no *), got '" + origin + "'");
            }
            origins.add(origin.toLowerCase(Locale.ROOT));
        }
        return List.copyOf(origins);
    }

    /** The SQLite database file inside {@link #dataDir()}. */
    public Path databaseFile() {
        return dataDir.resolve("roundtrip.db");
    }

    private static Postgres parsePostgres(Map<String, String> env) {
        String url = env.getOrDefault("DATABASE_URL", "").strip();
        if (url.isEmpty()) {
            return null;
        }
        if (!url.startsWith("jdbc:postgresql://")) {
            throw new ConfigException("DATABASE_URL must be a PostgreSQL JDBC URL such as "
                    + "jdbc:postgresql://localhost:5432/roundtrip, got '" + Secrets.maskUrl(url)
                    + "' (unset it to use SQLite in DATA_DIR)");
        }
        if (url.indexOf('@') >= 0 && url.indexOf('@') < authorityEnd(url)) { // pgjdbc would take user:password@ for a host name
            throw new ConfigException("DATABASE_URL must not carry user:password@ (the PostgreSQL driver reads it as a "
                    + "host name), got '" + Secrets.maskUrl(url) + "'; set DATABASE_USER and DATABASE_PASSWORD");
        }
        int poolSize = parseInt("DATABASE_POOL_SIZE", env.getOrDefault("DATABASE_POOL_SIZE", String.valueOf(DEFAULT_POOL_SIZE)),
                1, 100, "a number of connections from 1 to 100");
        return new Postgres(url, blankToNull(env.get("DATABASE_USER")), password(env), poolSize);
    }

    /** DATABASE_PASSWORD, or the first line of the file DATABASE_PASSWORD_FILE names (a generated one, in compose). */
    static String password(Map<String, String> env) {
        String password = blankToNull(env.get("DATABASE_PASSWORD"));
        String file = blankToNull(env.get("DATABASE_PASSWORD_FILE"));
        if (password != null || file == null) {
            return password;
        }
        try {
            return blankToNull(Files.readString(Path.of(file.strip())).strip());
        } catch (IOException e) {
            throw new ConfigException("DATABASE_PASSWORD_FILE names a file that cannot be read: " + file + " (" + e + ")");
        }
    }

    /** Where the host list of jdbc:postgresql://… ends: at the path, the query or the end. */
    private static int authorityEnd(String url) {
        int start = "jdbc:postgresql://".length();
        for (int i = start; i < url.length(); i++) {
            if (url.charAt(i) == '/' || url.charAt(i) == '?' || url.charAt(i) == '#') {
                return i;
            }
        }
        return url.length();
    }

    private static String blankToNull(String value) {
        return value == null || value.isBlank() ? null : value;
    }

    private static int parsePort(String name, String raw) {
        return parseInt(name, raw, 0, 65535, "a number from 0 to 65535 (0 = any free port)");
    }

    private static int parseInt(String name, String raw, int min, int max, String expected) {
        try {
            int value = Integer.parseInt(raw.strip());
            if (value >= min && value <= max) {
                return value;
            }
        } catch (NumberFormatException ignored) {
            // fall through to the one message below
        }
        throw new ConfigException(name + " must be " + expected + ", got '" + raw + "'");
    }

    private static Synchronous parseSynchronous(String raw) {
        try {
            return Synchronous.valueOf(raw.strip().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new ConfigException("SQLITE_SYNCHRONOUS must be NORMAL or FULL, got '" + raw + "'");
        }
    }
}
