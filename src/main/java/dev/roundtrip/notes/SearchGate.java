package dev.roundtrip.notes;

import dev.roundtrip.http.ProblemException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * How many searches (lists with ?q=) run at once. A search can cost a core for up to its time limit, so without a
 * bound a burst of them holds every reader connection and Jetty thread and ordinary reads wait behind them. A few
 * more may wait for a slot, each for a short while; one that finds the waiting room full, or waits too long, is
 * refused with 503. So searches hold at most {@code concurrent + waiting} Jetty threads, never all of them.
 */
public final class SearchGate {

    /** Two cores: two searches may use both, the rest of the app still gets threads and connections. */
    public static final int CONCURRENT = 2;
    /** Searches that may wait for a slot: a burst rides through, and 8 of the 16 Jetty threads stay for the rest. */
    public static final int WAITING = 6;
    /** Half a search's time limit: a short search ahead finishes well within it, even on a busy machine. */
    public static final Duration WAIT = Duration.ofSeconds(1);
    /** Seconds a refused client should wait; a search's time limit is 2 s, so a slot frees within that. */
    static final int RETRY_AFTER_SECONDS = 1;

    private final Semaphore running;
    private final Semaphore admitted;
    private final Duration wait;

    public SearchGate(int concurrent, int waiting, Duration wait) {
        this.running = new Semaphore(concurrent, true);
        this.admitted = new Semaphore(concurrent + waiting);
        this.wait = wait;
    }

    /** Runs {@code search} once a slot is free, or throws {@link Busy} when the waiting room is full or none frees. */
    <T> T run(Supplier<T> search) {
        if (!admitted.tryAcquire()) {
            throw new Busy(); // the waiting room is full: refused at once, no thread held
        }
        try {
            if (!enterWithin(wait)) {
                throw new Busy();
            }
            try {
                return search.get();
            } finally {
                running.release();
            }
        } finally {
            admitted.release();
        }
    }

    private boolean enterWithin(Duration wait) {
        try {
            return running.tryAcquire(wait.toNanos(), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
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
