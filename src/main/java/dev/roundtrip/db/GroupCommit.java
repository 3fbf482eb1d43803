package dev.roundtrip.db;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.HandleCallback;
import org.jdbi.v3.core.Jdbi;

/**
 * Group commit: one writer thread runs every write. It takes all the writes that queued up while the
 * previous batch was committing, runs them in ONE transaction (each inside its own savepoint, so a write
 * that fails is undone alone), commits once, and only then answers each caller. With
 * SQLITE_SYNCHRONOUS=FULL a commit costs an fsync; one fsync for a whole batch instead of one per write
 * is what keeps durable writes fast under load, and no caller hears "done" before its write is on disk.
 * SQLite allows one writer at a time anyway, so a single writer thread loses no parallelism.
 *
 * <p>A caller that waits too long gets a true answer: each queued write is QUEUED, then either TAKEN by the
 * writer or CANCELLED by its caller, whichever comes first (one compare-and-set). A cancelled write never runs
 * ({@link NotWrittenException}, safe to retry); a taken one is waited for until it has committed or failed.
 */
final class GroupCommit implements AutoCloseable {

    /** Enough to amortise one fsync over many writes; bounded so one batch never holds the lock for long. */
    static final int MAX_BATCH = 256;
    /** How long a caller waits for the writer to take its write; under Nginx's 30 s read timeout. */
    static final Duration WAIT = Duration.ofSeconds(20);
    private static final int QUEUED = 0;
    private static final int TAKEN = 1;
    private static final int CANCELLED = 2;

    private final Jdbi jdbi;
    private final Duration wait;
    private final BlockingQueue<Write<?>> queue = new LinkedBlockingQueue<>();
    private final Thread writer;
    private volatile boolean open = true;

    private record Write<T>(HandleCallback<T, RuntimeException> work, CompletableFuture<T> done, AtomicInteger state) {

        /** The writer's claim: false when the caller gave up first, and then the write must never run. */
        boolean take() {
            return state.compareAndSet(QUEUED, TAKEN);
        }

        /** The caller's: false when the writer took it first, and then its result must be waited for. */
        boolean cancel() {
            return state.compareAndSet(QUEUED, CANCELLED);
        }

        /** Runs inside the batch's transaction; the caller is answered only after the commit. */
        Runnable run(Handle h) {
            h.execute("SAVEPOINT write");
            try {
                T result = work.withHandle(h);
                h.execute("RELEASE write");
                return () -> done.complete(result);
            } catch (RuntimeException e) {
                h.execute("ROLLBACK TO write"); // undo this write alone; the rest of the batch goes on
                h.execute("RELEASE write");
                return () -> done.completeExceptionally(e);
            }
        }
    }

    GroupCommit(Jdbi jdbi) {
        this(jdbi, WAIT);
    }

    /** {@code wait}: how long a write may stay queued before its caller hears "not written". */
    GroupCommit(Jdbi jdbi, Duration wait) {
        this.jdbi = jdbi;
        this.wait = wait;
        this.writer = new Thread(this::loop, "sqlite-writer");
        writer.setDaemon(true);
        writer.start();
    }

    /**
     * Runs {@code work} in a write transaction and returns once that transaction is committed. Throws
     * {@link NotWrittenException} when the writer did not take it within the wait: then it never runs.
     */
    <T> T write(HandleCallback<T, RuntimeException> work) {
        if (!open) {
            throw new IllegalStateException("the database is closed");
        }
        Write<T> write = new Write<>(work, new CompletableFuture<>(), new AtomicInteger(QUEUED));
        queue.add(write);
        try {
            try {
                return write.done().get(wait.toMillis(), TimeUnit.MILLISECONDS);
            } catch (TimeoutException e) {
                if (write.cancel()) {
                    throw new NotWrittenException("the write waited " + wait.toMillis() + " ms for the writer and was not made");
                }
                return write.done().get(); // the writer has it: its commit (or failure) is the answer
            }
        } catch (ExecutionException e) {
            throw e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            if (write.cancel()) {
                throw new NotWrittenException("interrupted before the writer took the write; it was not made");
            }
            throw new IllegalStateException("interrupted while the write was committing; it may be stored", e);
        }
    }

    private void loop() {
        while (open || !queue.isEmpty()) {
            List<Write<?>> batch = new ArrayList<>();
            try {
                Write<?> first = queue.poll(100, TimeUnit.MILLISECONDS);
                if (first == null) {
                    continue;
                }
                batch.add(first);
            } catch (InterruptedException e) {
                continue; // close() interrupts to wake us; the loop condition decides
            }
            queue.drainTo(batch, MAX_BATCH - 1);
            batch.removeIf(write -> !write.take()); // its caller gave up: it must never run
            if (!batch.isEmpty()) {
                commit(batch);
            }
        }
    }

    private void commit(List<Write<?>> batch) {
        List<Runnable> answers = new ArrayList<>(batch.size());
        try {
            jdbi.useTransaction(h -> batch.forEach(write -> answers.add(write.run(h))));
        } catch (RuntimeException | Error e) { // the transaction failed as a whole: nothing of the batch is stored
            batch.forEach(write -> write.done().completeExceptionally(e));
            return;
        }
        answers.forEach(Runnable::run); // committed: now every caller may hear "done"
    }

    @Override
    public void close() {
        open = false;
        writer.interrupt();
        try {
            writer.join(wait.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
