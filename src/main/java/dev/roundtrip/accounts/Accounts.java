package dev.roundtrip.accounts;

import dev.roundtrip.db.Database;
import dev.roundtrip.http.Principal;
import dev.roundtrip.http.ProblemException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * The rules of accounts, without HTTP: register, log in (with a throttle per name), log out, change a password.
 * Anything that hashes a password returns a future: the hash runs on {@link PasswordHasher}'s own threads.
 */
public final class Accounts implements AutoCloseable {

    /** Failures for one username inside {@link UserRepository#FAILURE_WINDOW} before its log-ins wait for the window's end. */
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
     * An unknown name and a wrong password get the same answer after the same work (one Argon2id verification
     * and one failure recorded), so neither the answer nor its time tells which names exist.
     */
    CompletableFuture<Login> logIn(Credentials input) {
        String key = input.username().key();
        UserRepository.Failures failures = users.failures(key);
        if (failures.count() >= MAX_FAILURES) {
            long seconds = Math.max(1, Duration.between(clock.instant(), failures.windowEnds()).toSeconds() + 1);
            return CompletableFuture.failedFuture(new ProblemException(429, "/problems/too-many-login-failures",
                    "Too many failed log-ins", "This username had " + failures.count() + " failed log-ins in the last "
                            + UserRepository.FAILURE_WINDOW.toMinutes() + " minutes. Retry after " + seconds + " s.",
                    List.of()).withHeader("Retry-After", String.valueOf(seconds)));
        }
        Optional<UserRepository.Stored> user = users.findByKey(key);
        String stored = user.map(UserRepository.Stored::passwordHash).orElse(null);
        return hasher.verify(input.password(), stored).thenCompose(matches -> {
            if (!matches) {
                users.recordFailure(key);
                throw loginFailed();
            }
            if (failures.count() > 0) {
                users.clearFailures(key);
            }
            UserRepository.Stored found = user.get();
            CompletableFuture<Void> rehashed = hasher.outdated(stored)
                    ? hasher.hash(input.password()).thenAccept(hash -> users.setPasswordHash(found.id(), hash))
                    : CompletableFuture.completedFuture(null);
            return rehashed.thenApply(done -> new Login(users.findById(found.id()).orElseThrow(),
                    sessions.open(found.id())));
        });
    }

    static ProblemException loginFailed() {
        return new ProblemException(401, "/problems/login-failed", "Log-in failed",
                "The username or the password is wrong.", List.of())
                .withHeader("WWW-Authenticate", "Bearer realm=\"roundtrip\"");
    }

    void logOut(Principal principal) {
        sessions.revoke(principal.session());
    }

    /** The current password proves it is the person, not just their open laptop; every session ends, a new one opens. */
    CompletableFuture<Login> changePassword(Principal principal, String current, String replacement) {
        String stored = users.passwordHash(principal.userId()).orElse(null);
        return hasher.verify(current, stored).thenCompose(matches -> {
            if (!matches) {
                throw new ProblemException(403, "/problems/wrong-password", "Wrong password",
                        "currentPassword is not this account's password; nothing was changed.", List.of());
            }
            return hasher.hash(replacement);
        }).thenApply(hash -> {
            SessionRepository.Opened session = sessions.openAlone(principal.userId(), users.passwordHashStep(principal.userId(), hash));
            return new Login(users.findById(principal.userId()).orElseThrow(), session);
        });
    }

    Optional<User> user(Principal principal) {
        return users.findById(principal.userId());
    }

    Optional<SessionRepository.Details> session(Principal principal) {
        return sessions.details(principal.session());
    }

    Instant now() {
        return clock.instant();
    }

    @Override
    public void close() {
        hasher.close();
    }
}
