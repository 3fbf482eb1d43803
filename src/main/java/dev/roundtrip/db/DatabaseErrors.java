package dev.roundtrip.db;

import java.io.IOException;
import java.sql.SQLException;
import java.sql.SQLRecoverableException;
import java.sql.SQLTransientConnectionException;
import java.util.Optional;
import java.util.Set;
import org.sqlite.SQLiteErrorCode;
import org.sqlite.SQLiteException;

/**
 * Tells a database that is unavailable for now (down, restarting, out of connections, locked) or out of disk
 * space from a bug. The first is answered 503 "try again" and the second 507, both with Retry-After and logged
 * as a warning; a bug is a 500 with its stack trace. Which engine codes mean what is hand-mapped here.
 */
public final class DatabaseErrors {

    /**
     * SQLSTATE classes (the first two characters) that mean "not now": 08 connection exception, 53 insufficient
     * resources (e.g. too many connections), 57 operator intervention (the server is shutting down).
     */
    private static final Set<String> UNAVAILABLE_CLASSES = Set.of("08", "53", "57");

    /** PostgreSQL's disk_full: class 53 (insufficient resources), but "full", not "busy". */
    private static final String PG_DISK_FULL = "53100";
    /** PostgreSQL's query_canceled, what statement_timeout raises: class 57, but the statement's fault, not the server's. */
    private static final String PG_QUERY_CANCELED = "57014";

    private DatabaseErrors() {
    }

    /** What an answer to a store failure that is not a bug says: a problem's fields and Retry-After in seconds. */
    public record Refusal(int status, String type, String title, String detail, int retryAfterSeconds) {
    }

    /** How to answer {@code error}, or empty when it is a bug (a 500). */
    public static Optional<Refusal> refusal(Throwable error) {
        if (isFull(error)) { // 507: the server cannot store it; a 5xx tells the client it did nothing wrong
            return Optional.of(new Refusal(507, "/problems/storage-full", "Insufficient Storage",
                    "The server's disk is full: nothing of this request was stored. Try again later.", 30));
        }
        if (has(error, NotWrittenException.class)) {
            return Optional.of(new Refusal(503, "/problems/not-written", "Service Unavailable",
                    "The database was busy for too long and this write was not made: nothing was stored,"
                            + " so sending the same request again is safe.", 1));
        }
        if (isUnavailable(error)) {
            return Optional.of(new Refusal(503, "about:blank", "Service Unavailable",
                    "The database is not available right now. Try again in a moment.", 1));
        }
        return Optional.empty();
    }

    /**
     * True when the store ran out of disk space: SQLITE_FULL (SQLite's answer to ENOSPC), PostgreSQL's
     * disk_full, or an I/O error saying so.
     */
    public static boolean isFull(Throwable error) {
        for (Throwable t = error; t != null && t.getCause() != t; t = t.getCause()) {
            if (t instanceof SQLiteException sqlite && (sqlite.getResultCode().code & 0xff) == SQLiteErrorCode.SQLITE_FULL.code) {
                return true;
            }
            if (t instanceof SQLException sql && PG_DISK_FULL.equals(sql.getSQLState())) {
                return true;
            }
            if (t instanceof IOException && t.getMessage() != null && t.getMessage().contains("No space left on device")) {
                return true;
            }
        }
        return false;
    }

    /** True when a statement was stopped by its time bound: SQLITE_INTERRUPT, or PostgreSQL's query_canceled. */
    static boolean isCancelled(Throwable error) {
        for (Throwable t = error; t != null && t.getCause() != t; t = t.getCause()) {
            if (t instanceof SQLiteException sqlite && (sqlite.getResultCode().code & 0xff) == SQLiteErrorCode.SQLITE_INTERRUPT.code) {
                return true;
            }
            if (t instanceof SQLException sql && PG_QUERY_CANCELED.equals(sql.getSQLState())) {
                return true;
            }
        }
        return false;
    }

    private static boolean has(Throwable error, Class<? extends Throwable> type) {
        for (Throwable t = error; t != null && t.getCause() != t; t = t.getCause()) {
            if (type.isInstance(t)) {
                return true;
            }
        }
        return false;
    }

    /** True when {@code error}, or anything that caused it, says the database cannot serve right now. */
    public static boolean isUnavailable(Throwable error) {
        if (isFull(error) || isCancelled(error)) {
            return false; // out of space, or a statement past its own bound: retrying in a second will not help
        }
        for (Throwable t = error; t != null; t = t.getCause()) {
            if (t instanceof NotWrittenException) {
                return true;
            }
            if (t instanceof SQLTransientConnectionException || t instanceof SQLRecoverableException) {
                return true; // e.g. the pool found no connection within its timeout
            }
            if (t instanceof SQLiteException sqlite && isBusy(sqlite.getResultCode())) {
                return true; // the write lock stayed taken for longer than busy_timeout
            }
            if (t instanceof SQLException sql && sql.getSQLState() != null && sql.getSQLState().length() >= 2
                    && UNAVAILABLE_CLASSES.contains(sql.getSQLState().substring(0, 2))) {
                return true;
            }
            if (t.getCause() == t) {
                break;
            }
        }
        return false;
    }

    /** SQLITE_BUSY or SQLITE_LOCKED, extended codes included (the low byte is the primary code). */
    private static boolean isBusy(SQLiteErrorCode code) {
        int primary = code.code & 0xff;
        return primary == SQLiteErrorCode.SQLITE_BUSY.code || primary == SQLiteErrorCode.SQLITE_LOCKED.code;
    }

    /** The innermost message: "Connection refused", not four layers of wrapping around it. */
    static String rootMessage(Throwable error) {
        Throwable root = error;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root.getMessage() == null ? root.getClass().getSimpleName() : root.getMessage();
    }
}
