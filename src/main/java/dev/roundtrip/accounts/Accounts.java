package dev.roundtrip.accounts;

import dev.roundtrip.db.Database;
import dev.roundtrip.http.Authentication;
import dev.roundtrip.http.Principal;
import dev.roundtrip.http.ProblemException;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * The rules of accounts, without HTTP: register, log in (with a throttle per name), log out, change a password.
 * Anything that hashes a password returns a future: the hash runs on {@link PasswordHasher}'s own threads.
 */
public final class Accounts implements AutoCloseable {

    /** Failed log-ins for one username inside {@link UserRepository#FAILURE_WINDOW} before its log-ins wait for the window's end. */
    static final int MAX_FAILURES = 5;

    /** A successful log-in: who, and the session opened for them. */
    record Login(User user, SessionRepository.Opened session) {
    }

    private final UserRepository users;
    private final SessionRepository sessions;
    private final PasswordHasher hasher;
    private final Clock clock;

    public Accounts(Database database, Clock clock) {
        this(database, clock, new PasswordHasher());
    }

    Accounts(Database database, Clock clock, PasswordHasher hasher) {
        this.users = new UserRepository(database, clock);
        this.sessions = new SessionRepository(database, clock);
        this.hasher = hasher;
        this.clock = clock;
    }

    /** What the http package asks to find a session: the sessions table. */
    public dev.roundtrip.http.SessionLookup sessions() {
        return sessions;
    }

    CompletableFuture<User> register(Credentials input) {
        return hasher.hash(input.password()).thenApply(hash -> users.insert(input.username(), hash)
                .orElseThrow(() -> new ProblemException(409, "/problems/username-taken", "Username taken",
                        "The username \"" + input.username().display() + "\" is taken (names are compared ignoring case and"
                                + " Unicode forms). Choose another.", List.of())));
    }

    /**
     * An unknown name and a wrong password get the same answer after the same work (one attempt counted, one
     * Argon2id verification), so neither the answer nor its time tells which names exist. The attempt is counted
     * before the password is checked, so guesses sent at once are throttled like guesses sent in a row.
     */
    CompletableFuture<Login> logIn(Credentials input) {
        String key = input.username().key();
        ProblemException throttled = throttle(key);
        if (throttled != null) {
            return CompletableFuture.failedFuture(throttled);
        }
        Optional<UserRepository.Stored> user = users.findByKey(key);
        String stored = user.map(UserRepository.Stored::passwordHash).orElse(null);
        return hasher.verify(input.password(), stored).thenCompose(matches -> {
            if (!matches) {
                throw loginFailed();
            }
            users.clearFailures(key);
            long id = user.get().id();
            CompletableFuture<String> kept = hasher.outdated(stored) // parameters raised since: hash it anew, now
                    ? hasher.hash(input.password()) : CompletableFuture.completedFuture(stored);
            // Only if the hash just checked is still the user's: a password change meanwhile wins, and this fails.
            return kept.thenApply(hash -> new Login(users.findById(id).orElseThrow(),
                    sessions.open(id, users.stillHashed(id, stored, hash), null).orElseThrow(Accounts::loginFailed)));
        });
    }

    /**
     * Counts an attempt for {@code key} before its password is checked (a success clears the count): guesses sent
     * at once are throttled like guesses sent in a row. Null while under the limit, else the 429 to answer.
     */
    private ProblemException throttle(String key) {
        UserRepository.Failures attempts = users.countAttempt(key);
        if (attempts.count() <= MAX_FAILURES) {
            return null;
        }
        long seconds = Math.max(1, Duration.between(clock.instant(), attempts.windowEnds()).toSeconds() + 1);
        return new ProblemException(429, "/problems/too-many-login-failures", "Too many failed log-ins",
                "This username had " + MAX_FAILURES + " failed log-ins in the last " + UserRepository.FAILURE_WINDOW.toMinutes()
                        + " minutes. Retry after " + seconds + " s.", List.of())
                .withHeader("Retry-After", String.valueOf(seconds));
    }

    static ProblemException loginFailed() {
        return new ProblemException(401, "/problems/login-failed", "Log-in failed",
                "The username or the password is wrong.", List.of())
                .withHeader("WWW-Authenticate", Authentication.CHALLENGE);
    }

    void logOut(Principal principal) {
        sessions.revoke(principal.session());
    }

    /**
     * The current password proves it is the person, not just their open laptop; wrong ones are throttled like
     * log-ins (a stolen session must not become a way to guess the password). Every session ends, a new one opens.
     */
    CompletableFuture<Login> changePassword(Principal principal, String current, String replacement) {
        String key = "change:" + principal.userId(); // its own count: a stranger's failed log-ins must not block it
        ProblemException throttled = throttle(key);
        if (throttled != null) {
            return CompletableFuture.failedFuture(throttled);
        }
        String stored = users.passwordHash(principal.userId()).orElse(null);
        return hasher.verify(current, stored).thenCompose(matches -> {
            if (!matches) {
                throw new ProblemException(403, "/problems/wrong-password", "Wrong password",
                        "currentPassword is not this account's password; nothing was changed.", List.of());
            }
            users.clearFailures(key);
            return hasher.hash(replacement);
        }).thenApply(hash -> new Login(users.findById(principal.userId()).orElseThrow(),
                sessions.open(principal.userId(), users.newHash(principal.userId(), hash), principal.session())
                        .orElseThrow(() -> Authentication.unauthenticated("This session ended while the password change"
                                + " waited (logged out, or another change came first); nothing was changed.", true))));
    }

    Optional<User> user(Principal principal) {
        return users.findById(principal.userId());
    }

    Optional<SessionRepository.Details> session(Principal principal) {
        return sessions.details(principal.session());
    }

    @Override
    public void close() {
        hasher.close();
    }
}
