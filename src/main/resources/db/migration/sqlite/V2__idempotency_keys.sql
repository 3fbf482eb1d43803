-- Idempotency-Key for POST /api/notes: a client that retries after a timeout sends the same key, and
-- gets the first answer again instead of a second note. A key row is written in the same transaction
-- as the note it created, so a crash can never leave one without the other.
CREATE TABLE idempotency_keys (
    idempotency_key TEXT    PRIMARY KEY,
    request_hash    TEXT    NOT NULL,          -- SHA-256 of the request's fields: the same key with other content is refused
    note_id         INTEGER NOT NULL,          -- the note it created (kept even if that note is deleted later)
    created_note    TEXT    NOT NULL,          -- the note as first created (JSON), so a replay answers exactly the same
    created_at      TEXT    NOT NULL
) STRICT;

CREATE INDEX idempotency_keys_by_age ON idempotency_keys (created_at); -- makes expiring old keys an index range
