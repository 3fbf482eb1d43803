-- Idempotency-Key for POST /api/notes, as in db/migration/sqlite/V2__idempotency_keys.sql. With several app
-- servers, two retries of one request may reach two replicas at once: the primary key makes the second
-- insert wait for the first transaction and then do nothing, so exactly one note is created.
CREATE TABLE idempotency_keys (
    idempotency_key text   PRIMARY KEY,
    request_hash    text   NOT NULL,          -- SHA-256 of the request's fields: the same key with other content is refused
    note_id         bigint NOT NULL,          -- the note it created (kept even if that note is deleted later)
    created_note    text   NOT NULL,          -- the note as first created (JSON), so a replay answers exactly the same
    created_at      text   NOT NULL
);

CREATE INDEX idempotency_keys_by_age ON idempotency_keys (created_at); -- makes expiring old keys an index range
