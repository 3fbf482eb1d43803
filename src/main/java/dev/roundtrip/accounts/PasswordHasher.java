package dev.roundtrip.accounts;

import dev.roundtrip.http.ProblemException;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.springframework.security.crypto.argon2.Argon2PasswordEncoder;

/**
 * Argon2id, run on a few threads of its own. Each hash fills {@link #MEMORY_KIB} KiB of heap on purpose (that is
 * what makes guessing on a GPU expensive), so on a 64 MB heap only as many run at once as the heap can hold beside
 * the rest of the app; the others wait in a bounded queue without holding a Jetty thread (the routes answer
 * asynchronously), so a burst of log-ins slows down instead of running the app out of memory or threads.
 */
final class PasswordHasher implements AutoCloseable {

    /** OWASP's minimum for Argon2id: 19 MiB, 2 iterations, 1 lane. Raise them here; old hashes are redone at log-in. */
    static final int MEMORY_KIB = 19 * 1024;
    static final int ITERATIONS = 2;
    static final int LANES = 1;
    static final int SALT_BYTES = 16;
    static final int HASH_BYTES = 32;
    /** Heap kept free for everything else: requests, pools, caches. */
    private static final long RESERVED_HEAP = 32L * 1024 * 1024;
    /** Log-ins that may wait; 50 at once wait, more than this are told to retry. */
    static final int QUEUE = 64;
    /** Seconds a refused log-in should wait before it tries again. */
    static final int RETRY_AFTER_SECONDS = 2;

    private final Argon2PasswordEncoder encoder;
    private final ThreadPoolExecutor threads;
    /**
     * Where the work after a hash runs (a session written, a failure counted): never on a hasher thread, so a
     * database that makes a write wait holds up that one request, not every log-in queued behind it.
     */
    private final ExecutorService afterwards;
    /**
     * A hash of a password nobody has: an unknown user costs the same time as a wrong password. Made on the hasher's
     * own thread, first in its queue, so it costs the start of the app nothing.
     */
    private final CompletableFuture<String> decoy;

    PasswordHasher() {
        this(concurrentHashes(Runtime.getRuntime().maxMemory(), Runtime.getRuntime().availableProcessors()), QUEUE);
    }

    PasswordHasher(int concurrent, int queue) {
        this.encoder = new Argon2PasswordEncoder(SALT_BYTES, HASH_BYTES, LANES, MEMORY_KIB, ITERATIONS);
        this.threads = new ThreadPoolExecutor(concurrent, concurrent, 0, TimeUnit.SECONDS, new ArrayBlockingQueue<>(queue),
                runnable -> {
                    Thread thread = new Thread(runnable, "password-hasher");
                    thread.setDaemon(true);
                    return thread;
                });
        this.afterwards = Executors.newFixedThreadPool(2, runnable -> {
            Thread thread = new Thread(runnable, "after-password-hash");
            thread.setDaemon(true);
            return thread;
        });
        this.decoy = CompletableFuture.supplyAsync(() -> encoder.encode("no password is this: " + System.nanoTime()), threads);
    }

    /** As many hashes as fit in the heap beyond the reserve, at most one per core, at least one. */
    static int concurrentHashes(long maxHeap, int cores) {
        long memory = (long) MEMORY_KIB * 1024 + 1024 * 1024; // the blocks, plus a little for the rest of a hash
        return (int) Math.max(1, Math.min(cores, (maxHeap - RESERVED_HEAP) / memory));
    }

    /** A new hash of {@code password}, with a fresh salt and today's parameters, in the PHC string format. */
    CompletableFuture<String> hash(String password) {
        return submit(() -> encoder.encode(password));
    }

    /** Whether {@code password} matches {@code stored}; a null {@code stored} (no such user, no password) never does. */
    CompletableFuture<Boolean> verify(String password, String stored) {
        return submit(() -> {
            boolean matches = encoder.matches(password, stored == null ? decoy.join() : stored);
            return matches && stored != null;
        });
    }

    /** True when {@code stored} was made with weaker parameters than today's: it is redone at the next log-in. */
    boolean outdated(String stored) {
        return encoder.upgradeEncoding(stored);
    }

    private <T> CompletableFuture<T> submit(Supplier<T> work) {
        try {
            return CompletableFuture.supplyAsync(work, threads).thenApplyAsync(result -> result, afterwards);
        } catch (RejectedExecutionException e) {
            return CompletableFuture.failedFuture(new Busy());
        }
    }

    @Override
    public void close() {
        threads.shutdownNow();
        afterwards.shutdownNow();
    }

    /** 503 /problems/too-many-logins with Retry-After. */
    static final class Busy extends ProblemException {
        Busy() {
            super(503, "/problems/too-many-logins", "Too many log-ins at once",
                    "More log-ins are waiting than the server takes at once. Retry after " + RETRY_AFTER_SECONDS + " s.",
                    List.of());
            withHeader("Retry-After", String.valueOf(RETRY_AFTER_SECONDS));
        }
    }
}
