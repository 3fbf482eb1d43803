package dev.roundtrip.accounts;

import static io.javalin.apibuilder.ApiBuilder.delete;
import static io.javalin.apibuilder.ApiBuilder.get;
import static io.javalin.apibuilder.ApiBuilder.path;
import static io.javalin.apibuilder.ApiBuilder.post;
import static io.javalin.apibuilder.ApiBuilder.put;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.roundtrip.http.Authentication;
import dev.roundtrip.http.FieldErrors;
import dev.roundtrip.http.JsonBody;
import dev.roundtrip.http.Principal;
import io.javalin.http.Context;
import io.javalin.http.HttpStatus;
import java.time.Instant;
import java.util.Locale;
import java.util.Set;

/**
 * Accounts and sessions over HTTP: register, log in, log out, who am I, change my password. Routes that hash a
 * password answer asynchronously ({@code ctx.future}): the Jetty thread is free while the hash waits its turn.
 */
public final class AccountRoutes {

    /** The cookie's attributes; __Host- requires Secure and Path=/ and forbids Domain, so only this host sets it. */
    private static final String COOKIE_ATTRIBUTES = "; Path=/; Secure; HttpOnly; SameSite=Strict";
    /** An account body holds a name and one or two passwords of at most 1 024 bytes each: 8 KiB is plenty. */
    static final int MAX_BODY = 8 * 1024;

    private final Accounts accounts;
    private final Authentication authentication;
    private final JsonBody jsonBody;

    public AccountRoutes(Accounts accounts, Authentication authentication, JsonBody jsonBody) {
        this.accounts = accounts;
        this.authentication = authentication;
        this.jsonBody = jsonBody;
    }

    /** What POST /api/sessions answers: the token once (for scripts), its type and ends, and who it is for. */
    record SessionAnswer(String token, String tokenType, Instant expiresAt, long idleTimeoutSeconds, UserRef user) {
    }

    record UserRef(long id, String username) {
    }

    /** GET /api/me: the account and the session this request came with (never its token). */
    record Me(long id, String username, Instant createdAt, SessionView session) {
    }

    record SessionView(String via, Instant createdAt, Instant lastUsedAt, Instant expiresAt) {
    }

    /** Declares the routes; call inside {@code path("api", …)}. */
    public void addRoutes() {
        post("users", this::register);
        path("sessions", () -> {
            post(this::logIn);
            delete("current", this::logOut);
        });
        path("me", () -> {
            get(this::me);
            put("password", this::changePassword);
        });
    }

    void register(Context ctx) {
        Credentials input = Credentials.forRegistration(jsonBody.readSmallObject(ctx, MAX_BODY));
        ctx.future(() -> accounts.register(input).thenAccept(user -> ctx.status(HttpStatus.CREATED).json(user)));
    }

    void logIn(Context ctx) {
        Credentials input = Credentials.forLogin(jsonBody.readSmallObject(ctx, MAX_BODY));
        ctx.future(() -> accounts.logIn(input).thenAccept(login -> answerSession(ctx, login)));
    }

    void logOut(Context ctx) {
        Principal principal = authentication.require(ctx);
        accounts.logOut(principal);
        ctx.header("Set-Cookie", Authentication.COOKIE + "=" + COOKIE_ATTRIBUTES + "; Max-Age=0").status(HttpStatus.NO_CONTENT);
    }

    void me(Context ctx) {
        Principal principal = authentication.require(ctx);
        User user = accounts.user(principal).orElseThrow();
        SessionView session = accounts.session(principal) // gone only if logged out while this request ran: 401 then
                .map(s -> new SessionView(principal.via().name().toLowerCase(Locale.ROOT), s.createdAt(),
                        s.lastUsedAt(), s.expiresAt()))
                .orElseThrow(() -> Authentication.unauthenticated("The session ended while this request ran: log in again.", true));
        ctx.json(new Me(user.id(), user.username(), user.createdAt(), session));
    }

    void changePassword(Context ctx) {
        Principal principal = authentication.require(ctx);
        ObjectNode json = jsonBody.readSmallObject(ctx, MAX_BODY);
        FieldErrors errors = new FieldErrors();
        String current = Credentials.password(json.get("currentPassword"), "currentPassword", false, errors);
        String replacement = Credentials.password(json.get("newPassword"), "newPassword", true, errors);
        Credentials.unknownFields(json, Set.of("currentPassword", "newPassword"), errors);
        errors.throwIfAny();
        ctx.future(() -> accounts.changePassword(principal, current, replacement).thenAccept(login -> answerSession(ctx, login)));
    }

    /** 201 with the token in the body (scripts) and in the cookie (browsers: HttpOnly, so page scripts cannot read it). */
    private static void answerSession(Context ctx, Accounts.Login login) {
        SessionRepository.Opened session = login.session();
        long maxAge = SessionRepository.ABSOLUTE.toSeconds();
        ctx.header("Set-Cookie", Authentication.COOKIE + "=" + session.token() + COOKIE_ATTRIBUTES + "; Max-Age=" + maxAge)
                .header("Cache-Control", "no-store") // a token must not sit in any cache
                .status(HttpStatus.CREATED)
                .json(new SessionAnswer(session.token(), "Bearer", session.expiresAt(), SessionRepository.IDLE.toSeconds(),
                        new UserRef(login.user().id(), login.user().username())));
    }
}
