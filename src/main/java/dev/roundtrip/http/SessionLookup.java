package dev.roundtrip.http;

import java.util.Optional;

/** Finds the live session a token belongs to; empty for a token that is unknown, expired or revoked. */
@FunctionalInterface
public interface SessionLookup {

    Optional<Principal> find(String token, Principal.Credential via);
}
