package dev.roundtrip.db;

import java.sql.SQLException;
import java.time.Duration;
import org.jdbi.v3.core.HandleCallback;
import org.jdbi.v3.core.Jdbi;
import org.sqlite.ProgressHandler;
import org.sqlite.SQLiteConnection;

/**
 * A time bound for SQLite statements: a progress handler, called every few thousand virtual machine
 * instructions of whatever runs on the connection, answers "stop" once the deadline has passed, and SQLite
 * ends the statement with SQLITE_INTERRUPT. Cheap (one clock read per call) and exact to a millisecond or so.
 */
final class SqliteDeadline {

    private SqliteDeadline() {
    }

    static <T> T within(Jdbi jdbi, Duration limit, int steps, HandleCallback<T, RuntimeException> work) {
        return jdbi.withHandle(h -> {
            SQLiteConnection connection = unwrap(h.getConnection());
            long deadline = System.nanoTime() + limit.toNanos();
            set(connection, steps, new ProgressHandler() {
                @Override
                protected int progress() {
                    return System.nanoTime() - deadline > 0 ? 1 : 0;
                }
            });
            try {
                return work.withHandle(h);
            } finally {
                set(connection, 0, null); // the pooled connection must not stop the next request's statements
            }
        });
    }

    private static SQLiteConnection unwrap(java.sql.Connection connection) {
        try {
            return connection.unwrap(SQLiteConnection.class);
        } catch (SQLException e) {
            throw new IllegalStateException("not a SQLite connection", e);
        }
    }

    private static void set(SQLiteConnection connection, int steps, ProgressHandler handler) {
        try {
            if (handler == null) {
                ProgressHandler.clearHandler(connection);
            } else {
                ProgressHandler.setHandler(connection, steps, handler);
            }
        } catch (SQLException e) {
            throw new IllegalStateException("cannot set the progress handler", e);
        }
    }
}
