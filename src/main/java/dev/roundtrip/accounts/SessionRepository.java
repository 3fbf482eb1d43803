package dev.roundtrip.accounts;

import dev.roundtrip.db.Database;
import dev.roundtrip.db.StoredTime;
import dev.roundtrip.http.Principal;
import dev.roundtrip.http.SessionLookup;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Optional;
import org.jdbi.v3.core.HandleCallback;
import org.jdbi.v3.core.Jdbi;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sessions, kept in the shared database so that every replica sees a log-out at once. A token is 256 random bits;
 * the table keeps only its SHA-256 (a fast hash is right here, unlike for passwords: a token is random, there is
 * nothing to guess). Checking a token is one lookup by primary key.
 */
final class SessionRepository implements SessionLookup {

    private static final Logger LOG = LoggerFactory.getLogger(SessionRepository.class);
    /** A session not used for this long ends. */
    static final Duration IDLE = Duration.ofHours(12);
    /** A session ends this long after log-in, however busy. */
    static final Duration ABSOLUTE = Duration.ofDays(7);
    /** last_used_at is written at most this often: the idle timeout is this precise, and a busy session costs no writes. */
    static final Duration TOUCH_EVERY = Duration.ofMinutes(1);
    /** Sessions one user may hold; a log-in beyond that ends the oldest (a script that logs in in a loop fills nothing). */
    static final int MAX_PER_USER = 20;
    private static final int TOKEN_BYTES = 32;

    /** A fresh session: the token (given to the client once, never stored) and when it ends at the latest. */
    record Opened(String token, Instant expiresAt) {
    }

    /** A stored session, for GET /api/me. */
    record Details(Instant createdAt, Instant lastUsedAt, Instant expiresAt) {
    }

    private static final String INSERT = """
            INSERT INTO sessions (token_hash, user_id, created_at, last_used_at, expires_at)
            VALUES (:hash, :user, :now, :now, :expires)""";
    private static final String EXPIRE_FOR_USER =
            "DELETE FROM sessions WHERE user_id = :user AND (expires_at <= :now OR last_used_at <= :idleCutoff)";
    /** Keeps the newest MAX_PER_USER - 1, so that with the one being added there are at most MAX_PER_USER. */
    private static final String KEEP_NEWEST = """
            DELETE FROM sessions WHERE user_id = :user AND token_hash NOT IN (
                SELECT token_hash FROM sessions WHERE user_id = :user ORDER BY created_at DESC, token_hash LIMIT :keep)""";
    private static final String FIND = """
            SELECT s.user_id, u.username, s.created_at, s.last_used_at, s.expires_at
            FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.token_hash = :hash""";
    private static final String TOUCH = "UPDATE sessions SET last_used_at = :now WHERE token_hash = :hash";
    private static final String REVOKE = "DELETE FROM sessions WHERE token_hash = :hash";
    private static final String REVOKE_ALL = "DELETE FROM sessions WHERE user_id = :user";
    /** Ended sessions of users who never log in again: a few at every log-in, so the table does not only grow. */
    private static final String SWEEP = """
            DELETE FROM sessions WHERE token_hash IN (
                SELECT token_hash FROM sessions WHERE expires_at <= :now
                UNION ALL SELECT token_hash FROM sessions WHERE last_used_at <= :idleCutoff
                LIMIT :batch)""";
    static final int SWEEP_BATCH = 100;

    private final Database database;
    private final Jdbi jdbi;
    private final Clock clock;
    private final SecureRandom random = new SecureRandom();

    SessionRepository(Database database, Clock clock) {
        this.database = database;
        this.jdbi = database.jdbi();
        this.clock = clock;
    }

    /**
     * Opens a session for {@code userId} if {@code stillValid} holds inside the same transaction: the password that
     * was checked is still the user's (a password change that committed meanwhile makes it false, and then nothing
     * is opened). The user's expired sessions and the oldest beyond the bound end. With {@code replacing} (a password
     * change, from that session) that session must still exist, and every session of the user ends: of two changes
     * approved by the old password, the second finds its session gone. Empty when a condition did not hold.
     */
    Optional<Opened> open(long userId, HandleCallback<Boolean, RuntimeException> stillValid, String replacing) {
        boolean alone = replacing != null;
        byte[] bytes = new byte[TOKEN_BYTES];
        random.nextBytes(bytes);
        String token = Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
        Instant now = clock.instant().truncatedTo(ChronoUnit.MILLIS); // as stored, so the answer says what the table holds
        Instant expires = now.plus(ABSOLUTE);
        boolean opened = database.write(h -> {
            if (alone && h.createUpdate(REVOKE).bind("hash", replacing).execute() != 1) {
                return false; // logged out, or ended by another password change, while this one waited
            }
            if (!stillValid.withHandle(h)) {
                return false;
            }
            if (alone) {
                h.createUpdate(REVOKE_ALL).bind("user", userId).execute();
            } else {
                h.createUpdate(EXPIRE_FOR_USER).bind("user", userId).bind("now", StoredTime.format(now))
                        .bind("idleCutoff", StoredTime.format(now.minus(IDLE))).execute();
                h.createUpdate(KEEP_NEWEST).bind("user", userId).bind("keep", MAX_PER_USER - 1).execute();
            }
            h.createUpdate(SWEEP).bind("now", StoredTime.format(now)).bind("idleCutoff", StoredTime.format(now.minus(IDLE)))
                    .bind("batch", SWEEP_BATCH).execute();
            return h.createUpdate(INSERT).bind("hash", hash(token)).bind("user", userId)
                    .bind("now", StoredTime.format(now)).bind("expires", StoredTime.format(expires)).execute() == 1;
        });
        return opened ? Optional.of(new Opened(token, expires)) : Optional.empty();
    }

    @Override
    public Optional<Principal> find(String token, Principal.Credential via) {
        String hash = hash(token);
        Optional<Row> row = jdbi.withHandle(h -> h.createQuery(FIND).bind("hash", hash)
                .map((rs, ctx) -> new Row(rs.getLong("user_id"), rs.getString("username"), details(rs)))
                .findOne());
        Instant now = clock.instant();
        if (row.isEmpty() || !live(row.get().details(), now)) {
            return Optional.empty();
        }
        if (row.get().details().lastUsedAt().plus(TOUCH_EVERY).isBefore(now)) {
            touch(hash, now);
        }
        return Optional.of(new Principal(row.get().userId(), row.get().username(), via, hash));
    }

    Optional<Details> details(String hash) {
        return jdbi.withHandle(h -> h.createQuery(FIND).bind("hash", hash)
                .map((rs, ctx) -> details(rs)).findOne());
    }

    private static Details details(ResultSet rs) throws SQLException {
        return new Details(StoredTime.parse(rs.getString("created_at")), StoredTime.parse(rs.getString("last_used_at")),
                StoredTime.parse(rs.getString("expires_at")));
    }

    void revoke(String hash) {
        database.write(h -> h.createUpdate(REVOKE).bind("hash", hash).execute());
    }

    private record Row(long userId, String username, Details details) {
    }

    static boolean live(Details session, Instant now) {
        return now.isBefore(session.expiresAt()) && now.isBefore(session.lastUsedAt().plus(IDLE));
    }

    /** Best effort: a session that cannot be touched now (disk full, database busy) is still valid for this request. */
    private void touch(String hash, Instant now) {
        try {
            database.write(h -> h.createUpdate(TOUCH).bind("hash", hash).bind("now", StoredTime.format(now)).execute());
        } catch (RuntimeException e) {
            LOG.warn("could not record a session's last use: {}", e.toString());
        }
    }

    static String hash(String token) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.US_ASCII)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM has SHA-256", e);
        }
    }
}
