package dev.roundtrip.accounts;

import dev.roundtrip.db.Database;
import dev.roundtrip.db.StoredTime;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import org.jdbi.v3.core.HandleCallback;
import org.jdbi.v3.core.Jdbi;

/** Where accounts and failed log-ins are stored; every SQL statement for them is in this file. */
final class UserRepository {

    /** A user with what log-in needs; {@code passwordHash} is null for the account that owns notes from before accounts. */
    record Stored(long id, String username, String passwordHash) {
    }

    /** ON CONFLICT DO NOTHING: of two registrations of one name at once, exactly one inserts; the other gets no row. */
    private static final String INSERT = """
            INSERT INTO users (username, username_key, password_hash, created_at) VALUES (:username, :key, :hash, :now)
            ON CONFLICT (username_key) DO NOTHING
            RETURNING id, username, created_at""";
    private static final String FIND_BY_KEY = "SELECT id, username, password_hash FROM users WHERE username_key = :key";
    private static final String FIND_BY_ID = "SELECT id, username, created_at FROM users WHERE id = :id";
    private static final String PASSWORD_HASH = "SELECT password_hash FROM users WHERE id = :id";
    private static final String SET_HASH = "UPDATE users SET password_hash = :hash WHERE id = :id";
    private static final String SWAP_HASH =
            "UPDATE users SET password_hash = :replacement WHERE id = :id AND password_hash = :checked";

    /** Attempts inside one window count together; the window starts at the first attempt not yet cleared. */
    static final Duration FAILURE_WINDOW = Duration.ofMinutes(15);
    /**
     * Counts an attempt before its password is checked (a success clears the count again): so twenty guesses sent
     * at once are counted like twenty in a row, not all checked against a count of zero. Returns the new count.
     */
    private static final String COUNT_ATTEMPT = """
            INSERT INTO login_failures (username_key, failures, first_failed_at) VALUES (:key, 1, :now)
            ON CONFLICT (username_key) DO UPDATE SET
                failures = CASE WHEN login_failures.first_failed_at < :cutoff THEN 1 ELSE login_failures.failures + 1 END,
                first_failed_at = CASE WHEN login_failures.first_failed_at < :cutoff THEN :now
                                       ELSE login_failures.first_failed_at END
            RETURNING failures, first_failed_at""";
    private static final String EXPIRE_FAILURES = "DELETE FROM login_failures WHERE first_failed_at < :cutoff";
    private static final String CLEAR_FAILURES = "DELETE FROM login_failures WHERE username_key = :key";

    /** Recent attempts not cleared by a success, for one name: how many, and when the window they count in ends. */
    record Failures(int count, Instant windowEnds) {
    }

    private final Database database;
    private final Jdbi jdbi;
    private final Clock clock;

    UserRepository(Database database, Clock clock) {
        this.database = database;
        this.jdbi = database.jdbi();
        this.clock = clock;
    }

    /** The new user, or empty when the name (compared by its key) is taken. */
    Optional<User> insert(Username name, String passwordHash) {
        return database.write(h -> h.createQuery(INSERT)
                .bind("username", name.display()).bind("key", name.key()).bind("hash", passwordHash).bind("now", now())
                .map((rs, ctx) -> new User(rs.getLong("id"), rs.getString("username"),
                        StoredTime.parse(rs.getString("created_at"))))
                .findOne());
    }

    Optional<Stored> findByKey(String key) {
        return jdbi.withHandle(h -> h.createQuery(FIND_BY_KEY).bind("key", key)
                .map((rs, ctx) -> new Stored(rs.getLong("id"), rs.getString("username"), rs.getString("password_hash")))
                .findOne());
    }

    Optional<User> findById(long id) {
        return jdbi.withHandle(h -> h.createQuery(FIND_BY_ID).bind("id", id)
                .map((rs, ctx) -> new User(rs.getLong("id"), rs.getString("username"),
                        StoredTime.parse(rs.getString("created_at"))))
                .findOne());
    }

    /**
     * A step of a session's write: the user's hash is still {@code checked} (the one the password was verified
     * against), and becomes {@code replacement} (a rehash, a new password, or the same). The UPDATE takes the row's
     * lock, so a password change and a log-in checked against the old hash cannot both commit (PostgreSQL re-reads
     * the row after the lock; SQLite has one writer).
     */
    HandleCallback<Boolean, RuntimeException> stillHashed(long id, String checked, String replacement) {
        return h -> h.createUpdate(SWAP_HASH).bind("id", id).bind("checked", checked).bind("replacement", replacement)
                .execute() == 1;
    }

    /**
     * A step of a password change's write: the new hash, whatever the stored one is now (a rehash at a log-in that
     * committed meanwhile was of the old password; the change wins). It takes the row's lock like {@link #stillHashed}.
     */
    HandleCallback<Boolean, RuntimeException> newHash(long id, String hash) {
        return h -> h.createUpdate(SET_HASH).bind("id", id).bind("hash", hash).execute() == 1;
    }

    Optional<String> passwordHash(long id) {
        return jdbi.withHandle(h -> h.createQuery(PASSWORD_HASH).bind("id", id).mapTo(String.class).findOne());
    }

    /** Counts an attempt for {@code key} and drops the windows that have ended, in one transaction. */
    Failures countAttempt(String key) {
        String now = now();
        String cutoff = StoredTime.format(clock.instant().minus(FAILURE_WINDOW));
        return database.write(h -> {
            h.createUpdate(EXPIRE_FAILURES).bind("cutoff", cutoff).execute();
            return h.createQuery(COUNT_ATTEMPT).bind("key", key).bind("now", now).bind("cutoff", cutoff)
                    .map((rs, ctx) -> new Failures(rs.getInt("failures"),
                            StoredTime.parse(rs.getString("first_failed_at")).plus(FAILURE_WINDOW)))
                    .one();
        });
    }

    void clearFailures(String key) {
        database.write(h -> h.createUpdate(CLEAR_FAILURES).bind("key", key).execute());
    }

    private String now() {
        return StoredTime.format(clock.instant());
    }
}
