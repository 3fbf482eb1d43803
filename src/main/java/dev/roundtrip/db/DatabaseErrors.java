package dev.roundtrip.db;

import java.sql.SQLException;
import java.sql.SQLRecoverableException;
import java.sql.SQLTransientConnectionException;
import java.util.Set;
import org.sqlite.SQLiteErrorCode;
import org.sqlite.SQLiteException;

/**
 * Tells a database that is unavailable for now (down, restarting, out of connections, locked) from a bug.
 * The first is answered 503 "try again" and logged as a warning; the second is a 500 with its stack trace.
 */
public final class DatabaseErrors {

    /**
     * SQLSTATE classes (the first two characters) that mean "not now": 08 connection exception, 53 insufficient
     * resources (e.g. too many connections), 57 operator intervention (the server is shutting down).
     */
    private static final Set<String> UNAVAILABLE_CLASSES = Set.of("08", "53", "57");

    private DatabaseErrors() {
    }

    /** True when {@code error}, or anything that caused it, says the database cannot serve right now. */
    public static boolean isUnavailable(Throwable error) {
        for (Throwable t = error; t != null; t = t.getCause()) {
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
