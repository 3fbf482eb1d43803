package dev.roundtrip.db;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
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
 */
final class GroupCommit implements AutoCloseable {

    /** Enough to amortise one fsync over many writes; bounded so one batch never holds the lock for long. */
    static final int MAX_BATCH = 256;
    private static final long WAIT_SECONDS = 30;

    private final Jdbi jdbi;
    private final BlockingQueue<Write<?>> queue = new LinkedBlockingQueue<>();
    private final Thread writer;
    private volatile boolean open = true;

    private record Write<T>(HandleCallback<T, RuntimeException> work, CompletableFuture<T> done) {

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
        this.jdbi = jdbi;
        this.writer = new Thread(this::loop, "sqlite-writer");
        writer.setDaemon(true);
        writer.start();
    }

    /** Runs {@code work} in a write transaction and returns once that transaction is committed. */
    <T> T write(HandleCallback<T, RuntimeException> work) {
        if (!open) {
            throw new IllegalStateException("the database is closed");
        }
        Write<T> write = new Write<>(work, new CompletableFuture<>());
        queue.add(write);
        try {
            return write.done().get(WAIT_SECONDS, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            throw e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for the write to commit", e);
        } catch (java.util.concurrent.TimeoutException e) {
            throw new IllegalStateException("the write did not commit within " + WAIT_SECONDS + " s", e);
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
            commit(batch);
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
            writer.join(TimeUnit.SECONDS.toMillis(WAIT_SECONDS));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
