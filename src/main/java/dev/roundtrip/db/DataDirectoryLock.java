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

/**
 * An OS lock on DATA_DIR/roundtrip.lock that says who is using the SQLite database in DATA_DIR, so that
 * {@code make restore} cannot replace a database under a running app, whatever port it listens on and
 * whether it runs on this machine or in a container on the same volume (the kernel keeps the lock, not a
 * port or a pid file, and it disappears with the process, even after kill -9).
 *
 * <p>Two one-byte regions of the file are locked, so that an online backup and the app can run side by side
 * while a restore excludes both:
 * <ul>
 * <li>byte 0, exclusive: the app ({@link Mode#APP}); a second app on the same DATA_DIR is refused;</li>
 * <li>byte 1, shared: a backup ({@link Mode#BACKUP}); several backups may run at once, beside the app;</li>
 * <li>bytes 0 and 1, both exclusive: a restore ({@link Mode#RESTORE}): no app, no backup, no other restore.</li>
 * </ul>
 * The holder of byte 0 writes who it is (pid, host, since when) into the file, for the refusal message.
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
    /** One channel per lock file in this JVM (see the class comment), with how many locks use it. */
    private static final Map<Path, SharedChannel> CHANNELS = new HashMap<>();

    /** Who takes the lock, and so which bytes it locks and how. */
    public enum Mode {
        APP("the app"), BACKUP("make backup"), RESTORE("make restore");

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
    private boolean open = true;

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
                        }
                    }
                } catch (HeldException | IOException e) {
                    release(file, shared, taken);
                    throw e;
                }
                DataDirectoryLock lock = new DataDirectoryLock(file, mode, taken);
                if (mode != Mode.BACKUP) { // the holder of byte 0 says who it is
                    lock.writeHolder(shared.channel);
                }
                return lock;
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot use the lock file in " + dataDir.toAbsolutePath() + ": " + e, e);
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
                if (mode != Mode.BACKUP) {
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
        FileLock lock;
        try {
            lock = shared.channel.tryLock(position, 1, asShared);
        } catch (OverlappingFileLockException e) {
            lock = null; // held inside this JVM: the same answer as from another process
        }
        if (lock == null) {
            throw new HeldException(refusal(file, mode, position, holder(shared.channel)));
        }
        taken.add(lock);
        shared.locks++;
    }

    private static String refusal(Path file, Mode mode, long position, String holder) {
        Path dir = file.getParent();
        if (position == BACKUP_BYTE && mode == Mode.RESTORE) {
            return "cannot restore: a backup of " + dir + " is being written (it holds " + file + "); wait for it to finish";
        }
        String by = holder.isEmpty() ? "another process" : holder;
        return switch (mode) {
            case APP -> "DATA_DIR " + dir + " is in use: " + file + " is locked by " + by
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
