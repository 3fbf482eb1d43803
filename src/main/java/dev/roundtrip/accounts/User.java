package dev.roundtrip.accounts;

import java.time.Instant;

/** An account as the API shows it: never its password hash. */
public record User(long id, String username, Instant createdAt) {
}
