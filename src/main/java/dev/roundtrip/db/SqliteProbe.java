package dev.roundtrip.db;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Arrays;
import java.util.Objects;
import org.sqlite.SQLiteConfig;
import org.sqlite.SQLiteErrorCode;
import org.sqlite.SQLiteException;
import org.sqlite.SQLiteOpenMode;

/**
 * Readiness on SQLite, checked where a request would fail: the file the app opened is still the one at its
 * path (a deleted or replaced file goes unnoticed by the open connections), the disk has room, and a fresh
 * connection (no page cache to hide a corrupt file) reads the notes table and can take the write lock.
 * Each step is a few system calls or one page read, so it can run every few seconds.
 */
final class SqliteProbe implements AutoCloseable {

    /** Below this a write may fail with SQLITE_FULL: a WAL frame is a page, a batch many pages, a checkpoint more. */
    static final long MIN_FREE_BYTES = 1024 * 1024;
    /** Shorter than the probe's own bound (1 s), so a lock held elsewhere is named, not a time-out. */
    static final int BUSY_TIMEOUT_MS = 250;

    /** The first 16 bytes of every SQLite 3 database file (https://www.sqlite.org/fileformat.html). */
    private static final byte[] MAGIC = "SQLite format 3\0".getBytes(StandardCharsets.US_ASCII);

    private final Path file;
    /** The inode (device and number) opened at start: a file put in its place has another. */
    private final Object fileKey;
    /**
     * Kept open from start to close, for reading the header. Closing ANY descriptor of the database file drops
     * every POSIX lock this process holds on it, SQLite's included (sqlite.org/howtocorrupt.html §2.2): a
     * fresh stream per probe made SQLite think no connection used the file, and one checkpointed the WAL away
     * under the others (SQLITE_IOERR_SHORT_READ). So the probe opens the file once and closes it last.
     */
    private final FileChannel header;

    SqliteProbe(Path file) {
        this.file = file.toAbsolutePath();
        this.fileKey = fileKey(this.file);
        try {
            this.header = FileChannel.open(this.file, StandardOpenOption.READ);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open " + this.file + " for the readiness probe", e);
        }
    }

    /** Null when the store can serve; else why not, in one sentence. */
    String problem() {
        Object current = fileKey(file);
        if (current == null) {
            return "the database file " + file + " is missing (deleted or moved while the app runs)";
        }
        if (!Objects.equals(current, fileKey)) {
            return "the database file " + file + " was replaced by another file while the app runs";
        }
        if (!hasSqliteHeader()) { // read by hand: in WAL mode page 1 may come from the -wal, hiding a broken file
            return "the database file " + file + " is corrupt: its header is not SQLite's";
        }
        long free = usableSpace();
        if (free < MIN_FREE_BYTES) {
            return "the disk of " + file.getParent() + " is full (" + free / 1024 + " KiB free)";
        }
        try (Connection c = open(); Statement s = c.createStatement()) {
            s.executeQuery("SELECT id FROM notes ORDER BY id DESC LIMIT 1").close(); // a real page of the real file
            s.execute("BEGIN IMMEDIATE"); // the write lock: held by another process, it blocks every write
            s.execute("ROLLBACK");
            return null;
        } catch (SQLException e) {
            return describe(e);
        }
    }

    private Connection open() throws SQLException {
        SQLiteConfig config = new SQLiteConfig();
        config.resetOpenMode(SQLiteOpenMode.CREATE); // a missing file must stay missing, not be made anew
        config.setBusyTimeout(BUSY_TIMEOUT_MS);
        return config.createConnection("jdbc:sqlite:" + file);
    }

    private String describe(SQLException e) {
        int code = e instanceof SQLiteException sqlite ? sqlite.getResultCode().code & 0xff : -1;
        if (code == SQLiteErrorCode.SQLITE_BUSY.code || code == SQLiteErrorCode.SQLITE_LOCKED.code) {
            return "the database file " + file + " is locked by another process";
        }
        if (code == SQLiteErrorCode.SQLITE_CORRUPT.code || code == SQLiteErrorCode.SQLITE_NOTADB.code) {
            return "the database file " + file + " is corrupt: " + DatabaseErrors.rootMessage(e);
        }
        if (code == SQLiteErrorCode.SQLITE_FULL.code) {
            return "the disk of " + file.getParent() + " is full";
        }
        return "the database file " + file + " cannot be read: " + DatabaseErrors.rootMessage(e);
    }

    private boolean hasSqliteHeader() {
        ByteBuffer bytes = ByteBuffer.allocate(MAGIC.length);
        try {
            while (bytes.hasRemaining() && header.read(bytes, bytes.position()) > 0) {
                // a positional read: the channel is shared by every probe, its position never moves
            }
            return !bytes.hasRemaining() && Arrays.equals(bytes.array(), MAGIC);
        } catch (IOException e) {
            return false;
        }
    }

    /** After the last SQLite connection is closed (see {@link #header}). */
    @Override
    public void close() {
        try {
            header.close();
        } catch (IOException ignored) {
            // nothing was written through it
        }
    }

    private long usableSpace() {
        try {
            return Files.getFileStore(file.getParent()).getUsableSpace();
        } catch (IOException e) {
            return 0;
        }
    }

    private static Object fileKey(Path file) {
        try {
            return Files.readAttributes(file, BasicFileAttributes.class).fileKey();
        } catch (IOException e) { // NoSuchFileException above all
            return null;
        }
    }
}
