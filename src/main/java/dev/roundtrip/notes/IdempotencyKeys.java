package dev.roundtrip.notes;

import dev.roundtrip.db.StoredTime;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.Map;
import java.util.Optional;
import org.jdbi.v3.core.Handle;

/**
 * The Idempotency-Key table, used inside a create's own transaction: a client that retries after a timeout sends
 * the same key and gets the first answer again instead of a second note. Keys belong to the user who sent them.
 */
final class IdempotencyKeys {

    /** Keys are kept for a day: long enough for any client's retries, short enough to stay small. */
    static final Duration RETENTION = Duration.ofHours(24);

    /** A key seen before: the hash of the request it came with and the note it created, as JSON. */
    record Previous(String requestHash, String createdNote) {
    }

    private static final String EXPIRE = "DELETE FROM idempotency_keys WHERE created_at < :cutoff";
    private static final String FIND = """
            SELECT request_hash, created_note FROM idempotency_keys WHERE user_id = :user AND idempotency_key = :key""";
    /** ON CONFLICT DO NOTHING (the same in SQLite and PostgreSQL): a key taken meanwhile inserts nothing. */
    private static final String INSERT = """
            INSERT INTO idempotency_keys (user_id, idempotency_key, request_hash, note_id, created_note, created_at)
            VALUES (:user, :key, :hash, :noteId, :note, :now)
            ON CONFLICT (user_id, idempotency_key) DO NOTHING""";

    private IdempotencyKeys() {
    }

    /** What identifies a request's content: SHA-256 of its fields as JSON. */
    static String requestHash(String json) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(json.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM has SHA-256", e);
        }
    }

    /** Drops expired keys, then finds this user's key. */
    static Optional<Previous> find(Handle h, long userId, String key, Instant now) {
        h.createUpdate(EXPIRE).bind("cutoff", StoredTime.format(now.minus(RETENTION))).execute();
        Optional<Map<String, Object>> row = h.createQuery(FIND).bind("user", userId).bind("key", key).mapToMap().findOne();
        return row.map(r -> new Previous((String) r.get("request_hash"), (String) r.get("created_note")));
    }

    /** Stores the key with the note it created; false when a concurrent transaction stored it first. */
    static boolean store(Handle h, long userId, String key, String requestHash, long noteId, String noteJson, Instant now) {
        return h.createUpdate(INSERT).bind("user", userId).bind("key", key).bind("hash", requestHash)
                .bind("noteId", noteId).bind("note", noteJson).bind("now", StoredTime.format(now)).execute() == 1;
    }
}
