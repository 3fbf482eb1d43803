package dev.roundtrip.db;

/**
 * A write that was given up before it started: nothing of it is stored, so the same request may be sent
 * again as it is. {@link DatabaseErrors} answers it 503 with Retry-After.
 */
public final class NotWrittenException extends RuntimeException {

    NotWrittenException(String message) {
        super(message, null, false, false); // an answer, not a bug: no stack trace
    }
}
