package dev.roundtrip.db;

import dev.roundtrip.Config;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;

/**
 * {@code make backup} and {@code make restore FILE=…}. A backup is SQLite's {@code VACUUM INTO}: a
 * consistent snapshot taken inside one read transaction, so the app keeps serving (WAL lets readers and
 * the writer run side by side) and the copy holds exactly the commits made before it started.
 * Both take DATA_DIR's {@link DataDirectoryLock}: a backup beside a running app, a restore only when nothing
 * else (no app, no backup) uses the directory, whatever port the app listens on or container it runs in.
 */
public final class Backup {

    private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("uuuuMMdd'T'HHmmss'Z'").withZone(ZoneOffset.UTC);

    private Backup() {
    }

    /** Writes DATA_DIR/backups/roundtrip-STAMP.db and checks it; returns its path. Refused during a restore. */
    public static Path backup(Path database) throws SQLException, IOException {
        try (DataDirectoryLock lock = DataDirectoryLock.acquire(dataDir(database), DataDirectoryLock.Mode.BACKUP)) {
            return copy(database);
        }
    }

    private static Path copy(Path database) throws SQLException, IOException {
        if (!Files.isRegularFile(database)) { // opening it would create an empty database
            throw new IllegalArgumentException("no database at " + database + " (check DATA_DIR)");
        }
        Path dir = Files.createDirectories(database.toAbsolutePath().getParent().resolve("backups"));
        Path target = dir.resolve("roundtrip-" + STAMP.format(Instant.now()) + ".db");
        try (Connection c = open(database); Statement s = c.createStatement()) {
            s.execute("PRAGMA busy_timeout = 5000");
            s.execute("VACUUM INTO '" + target.toString().replace("'", "''") + "'");
        }
        requireIntact(target);
        return target;
    }

    /**
     * Replaces the database with {@code source}; refused (a {@link DataDirectoryLock.HeldException}, nothing
     * touched) while an app or a backup uses DATA_DIR.
     */
    public static void restore(Path source, Path database) throws SQLException, IOException {
        try (DataDirectoryLock lock = DataDirectoryLock.acquire(dataDir(database), DataDirectoryLock.Mode.RESTORE)) {
            replace(source, database);
        }
    }

    private static void replace(Path source, Path database) throws SQLException, IOException {
        requireIntact(source);
        if (Files.exists(database)) { // keep what is being replaced, in case the wrong file was chosen
            Path saved = copy(database);
            System.out.println("the database being replaced was saved as " + saved);
        }
        Path temporary = database.resolveSibling(database.getFileName() + ".restoring");
        Files.copy(source, temporary, StandardCopyOption.REPLACE_EXISTING);
        Files.deleteIfExists(database.resolveSibling(database.getFileName() + "-wal")); // its commits belong to the old file
        Files.deleteIfExists(database.resolveSibling(database.getFileName() + "-shm"));
        Files.move(temporary, database, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    /** Fails unless SQLite's integrity_check says "ok". */
    static void requireIntact(Path file) throws SQLException {
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException("no such file: " + file);
        }
        try (Connection c = open(file); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("PRAGMA integrity_check")) {
            String result = rs.next() ? rs.getString(1) : "no answer";
            if (!"ok".equals(result)) {
                throw new IllegalStateException(file + " failed integrity_check: " + result);
            }
        }
    }

    static long countNotes(Path file) throws SQLException {
        try (Connection c = open(file); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT count(*) FROM notes")) {
            return rs.getLong(1);
        }
    }

    private static Connection open(Path file) throws SQLException {
        return DriverManager.getConnection("jdbc:sqlite:" + file.toAbsolutePath());
    }

    private static Path dataDir(Path database) {
        return database.toAbsolutePath().getParent();
    }

    /** {@code backup} or {@code restore FILE}; settings from the same environment as the app. */
    public static void main(String[] args) throws Exception {
        Config config;
        try {
            config = Config.fromEnv(System.getenv());
        } catch (Config.ConfigException e) {
            System.err.println("roundtrip: " + e.getMessage());
            System.exit(2);
            return;
        }
        if (config.postgres() != null) {
            System.err.println("roundtrip: make backup and make restore copy the SQLite file; with DATABASE_URL set, "
                    + "back up PostgreSQL with its own tools (pg_dump, or the managed service's snapshots)");
            System.exit(2);
        }
        try {
            if (args.length == 1 && args[0].equals("backup")) {
                Path copy = backup(config.databaseFile());
                System.out.printf("backup written: %s (%d bytes, %d notes, integrity_check ok)%n",
                        copy, Files.size(copy), countNotes(copy));
            } else if (args.length == 2 && args[0].equals("restore")) {
                restore(Path.of(args[1]), config.databaseFile());
                System.out.printf("restored %s into %s (%d notes); start the app again%n",
                        args[1], config.databaseFile(), countNotes(config.databaseFile()));
            } else {
                System.err.println("usage: Backup backup | Backup restore FILE");
                System.exit(2);
            }
        } catch (DataDirectoryLock.HeldException | IllegalStateException | IllegalArgumentException | UncheckedIOException e) {
            System.err.println("roundtrip: " + e.getMessage());
            System.exit(1);
        }
    }
}
