package dev.roundtrip.db;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.sql.SQLException;
import org.junit.jupiter.api.Test;
import org.sqlite.SQLiteErrorCode;
import org.sqlite.SQLiteException;

/** The hand-made map from engine codes to answers: full is 507, busy or not written is 503, the rest a bug. */
class DatabaseErrorsTest {

    @Test
    void fullDiskOnEitherEngineIs507WithRetryAfter() {
        for (Throwable full : new Throwable[] {
                new SQLiteException("disk full", SQLiteErrorCode.SQLITE_FULL),
                new SQLException("could not extend file", "53100"),
                new IllegalStateException(new IOException("No space left on device"))}) {
            var refusal = DatabaseErrors.refusal(new RuntimeException(full)).orElseThrow();
            assertEquals(507, refusal.status(), full.toString());
            assertTrue(refusal.retryAfterSeconds() > 0);
            assertFalse(DatabaseErrors.isUnavailable(full), "full is not 'busy': " + full);
        }
    }

    @Test
    void aWriteNeverMadeIs503SafeToRetryAndABusyStoreIs503() {
        var notWritten = DatabaseErrors.refusal(new NotWrittenException("x")).orElseThrow();
        assertEquals(503, notWritten.status());
        assertTrue(notWritten.detail().contains("safe"), notWritten.detail());
        assertEquals(503, DatabaseErrors.refusal(new SQLiteException("busy", SQLiteErrorCode.SQLITE_BUSY)).orElseThrow().status());
        assertEquals(503, DatabaseErrors.refusal(new SQLException("shutting down", "57P01")).orElseThrow().status());
    }

    @Test
    void aStatementStoppedByItsBoundAndAnythingElseAreNotRefusals() {
        assertTrue(DatabaseErrors.refusal(new SQLException("canceling statement due to statement timeout", "57014")).isEmpty());
        assertTrue(DatabaseErrors.refusal(new SQLiteException("interrupted", SQLiteErrorCode.SQLITE_INTERRUPT)).isEmpty());
        assertTrue(DatabaseErrors.refusal(new SQLiteException("no such table", SQLiteErrorCode.SQLITE_ERROR)).isEmpty());
        assertTrue(DatabaseErrors.refusal(new IllegalStateException("a bug")).isEmpty());
    }
}
