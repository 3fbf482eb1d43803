package dev.roundtrip.http;

/**
 * Who sent a request, as far as HTTP needs to know: a user id and name, and how the request proved it.
 * {@code session} is the stored key of the session (the hash of its token, never the token), so a handler can
 * end exactly this session. What a user is beyond that is the accounts package's business.
 */
public record Principal(long userId, String name, Credential via, String session) {

    /** Where the token came from. */
    public enum Credential { BEARER, COOKIE }
}
