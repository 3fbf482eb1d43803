package dev.roundtrip.db;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An OS lock on DATA_DIR/roundtrip.lock that says who is using the SQLite database in DATA_DIR, so that
 * {@code make restore} cannot replace a database under a running app, whatever port it listens on and
 * whether it runs on this machine or in a container on the same volume (the kernel keeps the lock, not a
 * port or a pid file, and it disappears with the process, even after kill -9).
 *
 * <p>Three one-byte regions of the file are locked, so that an online backup, the app and the app's successor
 * during an upgrade can run side by side while a restore excludes them all:
 * <ul>
 * <li>byte 0, exclusive: the app ({@link Mode#APP}); a second app on the same DATA_DIR is refused;</li>
 * <li>byte 1, shared: a backup ({@link Mode#BACKUP}); several backups may run at once, beside the app;</li>
 * <li>byte 2, exclusive: the app's successor ({@link Mode#SUCCESSOR}, DATA_DIR_HANDOVER=on), at most one. It
 *     serves beside the app holding byte 0, and takes byte 0 (then lets go of byte 2) once that app has
 *     exited; a successor that finds byte 0 free takes it at once and is simply the app;</li>
 * <li>bytes 0, 1 and 2, all exclusive: a restore ({@link Mode#RESTORE}): no app, no backup, no successor.</li>
 * </ul>
 * The holder of byte 0 writes who it is (pid, host, since when) into the file, for the refusal message.
 *
 * <p>Two apps on one SQLite file during a hand-over are safe: WAL mode works across processes on one machine
 * (the -shm file is shared memory), each app's single writer takes SQLite's file write lock with BEGIN
 * IMMEDIATE and waits up to its busy_timeout (5 s) for the other's, and nothing the apps keep in memory
 * describes the data (sessions, log-in throttles and idempotency keys are rows, read in each request).
 * The successor runs its Flyway migrations while the old app still serves, so migrations follow
 * expand/contract: a new version's migration must leave a schema the previous version still reads and
 * writes correctly (add a table, a column with a default, an index; drop or rename only in a later release,
 * once no version that uses the old shape runs). A migration that breaks the old version needs a stop, not a
 * hand-over.
 * The file is never deleted: a process may hold the old file open while a new one would be created.
 *
 * <p>On Linux these are fcntl record locks, which belong to a process and are all dropped when the process
 * closes <em>any</em> descriptor of the file. So inside one JVM every lock on a file goes through one shared
 * channel, closed only when its last lock is released; an overlapping request from the same JVM (Java's
 * {@link OverlappingFileLockException}) counts as "held", like one from another process.
 * With DATABASE_URL (PostgreSQL) there is no data directory to guard and no lock is taken.
 */
public final class DataDirectoryLock implements AutoCloseable {

    public static final String FILE_NAME = "roundtrip.lock";
    private static final long APP_BYTE = 0;
    private static final long BACKUP_BYTE = 1;
    private static final long SUCCESSOR_BYTE = 2;
    /** How often a waiting successor tries byte 0: a hand-over leaves the file to no app for at most this. */
    static final long TAKE_OVER_POLL_MS = 50;
    private static final Logger LOG = LoggerFactory.getLogger(DataDirectoryLock.class);
    /** One channel per lock file in this JVM (see the class comment), with how many locks use it. */
    private static final Map<Path, SharedChannel> CHANNELS = new HashMap<>();

    /** Who takes the lock, and so which bytes it locks and how. */
    public enum Mode {
        APP("the app"), SUCCESSOR("the app"), BACKUP("make backup"), RESTORE("make restore");

        private final String who;

        Mode(String who) {
            this.who = who;
        }
    }

    /** The lock is held by another process (or by another user in this JVM); the message says by whom. */
    public static final class HeldException extends RuntimeException {
        HeldException(String message) {
            super(message);
        }
    }

    private static final class SharedChannel {
        final FileChannel channel;
        int locks;
        /** Java refuses two overlapping locks in one JVM, even shared ones: backups here share one. */
        FileLock backup;
        int backups;

        SharedChannel(FileChannel channel) {
            this.channel = channel;
        }
    }

    private final Path file;
    private final Mode mode;
    private final List<FileLock> locks;
    /** Set under CHANNELS' monitor; read by the successor's waiting thread. */
    private volatile boolean open = true;
    /** Whether this lock holds byte 0, the app's (a waiting successor does not yet). */
    private volatile boolean holdsAppByte;

    private DataDirectoryLock(Path file, Mode mode, List<FileLock> locks) {
        this.file = file;
        this.mode = mode;
        this.locks = locks;
    }

    /** Takes {@code mode}'s locks on DATA_DIR/roundtrip.lock without waiting, or throws {@link HeldException}. */
    public static DataDirectoryLock acquire(Path dataDir, Mode mode) {
        try {
            Files.createDirectories(dataDir);
            Path file = dataDir.resolve(FILE_NAME).toAbsolutePath().normalize();
            synchronized (CHANNELS) {
                SharedChannel shared = CHANNELS.get(file);
                if (shared == null) {
                    shared = new SharedChannel(FileChannel.open(file, StandardOpenOption.CREATE,
                            StandardOpenOption.READ, StandardOpenOption.WRITE));
                    CHANNELS.put(file, shared);
                }
                List<FileLock> taken = new ArrayList<>();
                try {
                    switch (mode) {
                        case APP -> take(shared, file, taken, APP_BYTE, false, mode);
                        case SUCCESSOR -> take(shared, file, taken, SUCCESSOR_BYTE, false, mode);
                        case BACKUP -> {
                            if (shared.backup == null) {
                                take(shared, file, taken, BACKUP_BYTE, true, mode);
                                shared.backup = taken.get(0);
                            }
                            shared.backups++;
                        }
                        case RESTORE -> {
                            take(shared, file, taken, APP_BYTE, false, mode);
                            take(shared, file, taken, BACKUP_BYTE, false, mode);
                            take(shared, file, taken, SUCCESSOR_BYTE, false, mode);
                        }
                    }
                } catch (HeldException | IOException e) {
                    release(file, shared, taken);
                    throw e;
                }
                DataDirectoryLock lock = new DataDirectoryLock(file, mode, taken);
                if (mode == Mode.APP || mode == Mode.RESTORE) { // the holder of byte 0 says who it is
                    lock.holdsAppByte = true;
                    lock.writeHolder(shared.channel);
                } else if (mode == Mode.SUCCESSOR && !lock.takeOver(shared)) {
                    lock.awaitPredecessor(); // the app before it still runs: serve beside it, take over when it exits
                }
                return lock;
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot use the lock file in " + dataDir.toAbsolutePath() + ": " + e, e);
        }
    }

    /** True once this lock holds byte 0: always for the app and a restore; for a successor, after the hand-over. */
    public boolean holdsDataDir() {
        return holdsAppByte;
    }

    /**
     * Tries byte 0 for a successor; on success lets go of byte 2, so that the next upgrade may start its own
     * successor. Called under CHANNELS' monitor.
     */
    private boolean takeOver(SharedChannel shared) throws IOException {
        FileLock app = tryTake(shared.channel, APP_BYTE, false);
        if (app == null) {
            return false;
        }
        shared.locks++;
        FileLock successor = locks.remove(0);
        locks.add(app);
        release(file, shared, new ArrayList<>(List.of(successor)));
        holdsAppByte = true;
        writeHolder(shared.channel);
        return true;
    }

    /**
     * A daemon thread that tries byte 0 every {@link #TAKE_OVER_POLL_MS}. It polls with tryLock instead of
     * blocking in lock(): a blocked lock() cannot be cancelled, and interrupting a thread inside a FileChannel
     * call closes the channel, which drops every lock this process holds on the file.
     */
    private void awaitPredecessor() {
        LOG.info("DATA_DIR {} is held by another app ({}); serving beside it, taking over when it exits",
                file.getParent(), holderOrUnknown());
        Thread waiter = new Thread(() -> {
            while (open && !holdsAppByte) {
                synchronized (CHANNELS) {
                    tryTakeOverNow();
                }
                sleepQuietly();
            }
        }, "data-dir-handover");
        waiter.setDaemon(true); // the app's exit must not wait for it
        waiter.start();
    }

    /** Under CHANNELS' monitor: one attempt of the waiting successor, logged when it succeeds. */
    private void tryTakeOverNow() {
        SharedChannel shared = CHANNELS.get(file);
        if (!open || shared == null) {
            return;
        }
        try {
            if (takeOver(shared)) {
                LOG.info("DATA_DIR {}: the previous app has exited; this app now holds {}", file.getParent(), file);
            }
        } catch (IOException e) {
            LOG.warn("DATA_DIR {}: taking over {} failed, trying again: {}", file.getParent(), file, e.toString());
        }
    }

    private String holderOrUnknown() {
        try {
            String holder = holder(CHANNELS.get(file).channel);
            return holder.isEmpty() ? "holder unknown" : holder;
        } catch (IOException | NullPointerException e) {
            return "holder unknown";
        }
    }

    private static void sleepQuietly() {
        try {
            Thread.sleep(TAKE_OVER_POLL_MS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt(); // nobody interrupts it; if someone does, the loop still ends on close
        }
    }

    /** The lock file, for messages. */
    public Path file() {
        return file;
    }

    /** Releases the locks (the process ending releases them too). */
    @Override
    public void close() {
        synchronized (CHANNELS) {
            SharedChannel shared = CHANNELS.get(file);
            if (!open || shared == null) {
                return;
            }
            open = false;
            if (mode == Mode.BACKUP) {
                if (--shared.backups > 0) {
                    return; // another backup in this JVM still uses the shared lock
                }
                locks.clear();
                locks.add(shared.backup);
                shared.backup = null;
            }
            try {
                if (holdsAppByte) {
                    shared.channel.truncate(0); // no stale holder for the next refusal to name
                }
            } catch (IOException ignored) {
                // the lock goes anyway; a stale holder line is only a message
            }
            release(file, shared, locks);
        }
    }

    private static void take(SharedChannel shared, Path file, List<FileLock> taken, long position, boolean asShared,
                             Mode mode) throws IOException {
        FileLock lock = tryTake(shared.channel, position, asShared);
        if (lock == null) {
            throw new HeldException(refusal(file, mode, position, holder(shared.channel)));
        }
        taken.add(lock);
        shared.locks++;
    }

    /** The lock on one byte, or null when another process (or another user in this JVM) holds it. */
    private static FileLock tryTake(FileChannel channel, long position, boolean asShared) throws IOException {
        try {
            return channel.tryLock(position, 1, asShared);
        } catch (OverlappingFileLockException e) {
            return null; // held inside this JVM: the same answer as from another process
        }
    }

    private static String refusal(Path file, Mode mode, long position, String holder) {
        Path dir = file.getParent();
        if (position == BACKUP_BYTE && mode == Mode.RESTORE) {
            return "cannot restore: a backup of " + dir + " is being written (it holds " + file + "); wait for it to finish";
        }
        if (position == SUCCESSOR_BYTE) {
            String what = mode == Mode.RESTORE ? "cannot restore into " + dir : "DATA_DIR " + dir + " is in use";
            return what + ": a second app started with DATA_DIR_HANDOVER=on is waiting to take it over (it holds "
                    + file + "); stop it" + (mode == Mode.RESTORE ? " before restoring" : " or set another DATA_DIR");
        }
        String by = holder.isEmpty() ? "another process" : holder;
        return switch (mode) {
            case APP, SUCCESSOR -> "DATA_DIR " + dir + " is in use: " + file + " is locked by " + by
                    + "; stop it or set another DATA_DIR";
            case BACKUP -> "cannot back up " + dir + ": " + file + " is locked by " + by + "; wait for it to finish";
            case RESTORE -> "cannot restore into " + dir + ": " + file + " is locked by " + by
                    + "; stop it before restoring (whatever port it listens on)";
        };
    }

    private static void release(Path file, SharedChannel shared, List<FileLock> locks) {
        for (FileLock lock : locks) {
            try {
                lock.release();
            } catch (IOException ignored) {
                // closing the channel below releases it
            }
            shared.locks--;
        }
        locks.clear();
        if (shared.locks == 0) {
            CHANNELS.remove(file);
            try {
                shared.channel.close();
            } catch (IOException ignored) {
                // nothing more to release
            }
        }
    }

    private void writeHolder(FileChannel channel) throws IOException {
        String line = mode.who + ", pid " + ProcessHandle.current().pid() + " on host " + hostName() + ", since "
                + Instant.now() + "\n";
        channel.truncate(0);
        channel.write(ByteBuffer.wrap(line.getBytes(StandardCharsets.UTF_8)), 0);
        channel.force(false);
    }

    /** What the holder of byte 0 wrote into the file, or "" if nothing (yet). */
    private static String holder(FileChannel channel) throws IOException {
        ByteBuffer buffer = ByteBuffer.allocate(200);
        channel.read(buffer, 0);
        return new String(buffer.array(), 0, buffer.position(), StandardCharsets.UTF_8).strip();
    }

    private static String hostName() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            return "unknown";
        }
    }
}
