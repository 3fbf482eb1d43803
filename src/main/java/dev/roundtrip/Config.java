package dev.roundtrip;

import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;

/**
 * Settings read from environment variables, with defaults. A bad value stops the app at start with
 * one clear message instead of failing later in the middle of a request.
 */
public record Config(String host, int port, Path dataDir, Synchronous synchronous, String metricsHost, int metricsPort) {

    /** SQLite's durability level (sqlite.org/pragma.html#pragma_synchronous), in WAL mode. */
    public enum Synchronous {
        /** Durable across an app crash; the last commits may be lost on power loss or OS crash. */
        NORMAL,
        /** One fsync per commit: durable across power loss too, several times slower to write. */
        FULL
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
        Path dataDir = Path.of(env.getOrDefault("DATA_DIR", "./data").strip());
        Synchronous synchronous = parseSynchronous(env.getOrDefault("SQLITE_SYNCHRONOUS", "NORMAL"));
        String metricsHost = env.getOrDefault("METRICS_HOST", "127.0.0.1").strip();
        int metricsPort = parsePort("METRICS_PORT", env.getOrDefault("METRICS_PORT", "9464"));
        return new Config(host, port, dataDir, synchronous, metricsHost, metricsPort);
    }

    /** The SQLite database file inside {@link #dataDir()}. */
    public Path databaseFile() {
        return dataDir.resolve("roundtrip.db");
    }

    private static int parsePort(String name, String raw) {
        try {
            int port = Integer.parseInt(raw.strip());
            if (port >= 0 && port <= 65535) {
                return port;
            }
        } catch (NumberFormatException ignored) {
            // fall through to the one message below
        }
        throw new ConfigException(name + " must be a number from 0 to 65535 (0 = any free port), got '" + raw + "'");
    }

    private static Synchronous parseSynchronous(String raw) {
        try {
            return Synchronous.valueOf(raw.strip().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new ConfigException("SQLITE_SYNCHRONOUS must be NORMAL or FULL, got '" + raw + "'");
        }
    }
}
