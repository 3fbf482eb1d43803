package dev.roundtrip.notes;

import dev.roundtrip.http.ProblemException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * How many searches (lists with ?q=) run at once. A search can cost a core for up to its time limit, so without a
 * bound a burst of them holds every reader connection and Jetty thread and ordinary reads wait behind them. One
 * that cannot enter within a short wait is refused at once with 503: queueing it would hold a thread all the same.
 */
public final class SearchGate {

    /** Two cores: two searches may use both, the rest of the app still gets threads and connections. */
    public static final int CONCURRENT = 2;
    /** Long enough to ride out a short search ahead, short enough that waiters never pile up on the thread pool. */
    public static final Duration WAIT = Duration.ofMillis(100);
    /** Seconds a refused client should wait; a search's time limit is 2 s, so a slot frees within that. */
    static final int RETRY_AFTER_SECONDS = 1;

    private final Semaphore permits;
    private final Duration wait;

    public SearchGate(int concurrent, Duration wait) {
        this.permits = new Semaphore(concurrent, true);
        this.wait = wait;
    }

    /** Runs {@code search} once a slot is free, or throws {@link Busy} when none frees within the wait. */
    <T> T run(Supplier<T> search) {
        boolean entered;
        try {
            entered = permits.tryAcquire(wait.toNanos(), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            entered = false;
        }
        if (!entered) {
            throw new Busy();
        }
        try {
            return search.get();
        } finally {
            permits.release();
        }
    }

    /** 503 /problems/too-many-searches; the route adds Retry-After. */
    static final class Busy extends ProblemException {
        Busy() {
            super(503, "/problems/too-many-searches", "Too many searches",
                    "Too many searches are running at once. Retry after " + RETRY_AFTER_SECONDS
                            + " s; lists without q are not limited.", List.of());
        }
    }
}
