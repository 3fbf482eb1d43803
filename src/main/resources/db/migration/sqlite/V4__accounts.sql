-- Accounts: who may write. Reading stays open; creating a note needs a session, changing one needs to own it.
CREATE TABLE users (
    id            INTEGER PRIMARY KEY AUTOINCREMENT, -- never reused: a deleted user's id never names someone new
    username      TEXT    NOT NULL CHECK (length(username) BETWEEN 1 AND 64), -- as typed, after NFKC
    username_key  TEXT    NOT NULL UNIQUE, -- NFKC + lower case: Alice, alice and ａｌｉｃｅ are one name; UNIQUE settles a race
    password_hash TEXT,                    -- Argon2id in the PHC format, with its parameters; NULL: can never log in
    created_at    TEXT    NOT NULL
) STRICT;

-- Notes written before accounts existed belong to this user. It has no password, so nobody can log in as it:
-- those notes stay readable by everyone and changeable by no one (docs/guide.md, "Who owns the old notes").
INSERT INTO users (id, username, username_key, password_hash, created_at)
VALUES (1, 'before-accounts', 'before-accounts', NULL, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'));

-- The owner. No REFERENCES here: SQLite cannot add a foreign key with a default to an existing table; users are
-- never deleted, and the app sets owner_id from the session, so the column always names a user.
ALTER TABLE notes ADD COLUMN owner_id INTEGER NOT NULL DEFAULT 1;

-- A session: the database keeps the SHA-256 of the token, never the token, so a copy of the database (a backup,
-- a leaked file) logs nobody in. Expired rows are removed at the next log-in of their user.
CREATE TABLE sessions (
    token_hash   TEXT    PRIMARY KEY, -- hex SHA-256 of the token: the one indexed lookup a write pays
    user_id      INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at   TEXT    NOT NULL,
    last_used_at TEXT    NOT NULL,    -- the idle timeout counts from here (updated at most once a minute)
    expires_at   TEXT    NOT NULL     -- the absolute end, however busy the session
) STRICT, WITHOUT ROWID;

CREATE INDEX sessions_by_user ON sessions (user_id, created_at); -- log out everywhere, and the per-user bound
CREATE INDEX sessions_by_expiry ON sessions (expires_at);      -- the sweep of ended sessions at each log-in
CREATE INDEX sessions_by_last_use ON sessions (last_used_at);  -- and of idle ones

-- Failed log-ins per username (whether or not the user exists, so the throttle tells nothing about who exists).
CREATE TABLE login_failures (
    username_key    TEXT    PRIMARY KEY,
    failures        INTEGER NOT NULL,
    first_failed_at TEXT    NOT NULL
) STRICT, WITHOUT ROWID;

-- Idempotency keys now belong to the user who sent them: one user's key never replays another's note. Keys live
-- a day and every create now needs a session, so the old, ownerless ones are dropped.
DROP TABLE idempotency_keys;
CREATE TABLE idempotency_keys (
    user_id         INTEGER NOT NULL,
    idempotency_key TEXT    NOT NULL,
    request_hash    TEXT    NOT NULL, -- SHA-256 of the request's fields: the same key with other content is refused
    note_id         INTEGER NOT NULL, -- the note it created (kept even if that note is deleted later)
    created_note    TEXT    NOT NULL, -- the note as first created (JSON), so a replay answers exactly the same
    created_at      TEXT    NOT NULL,
    PRIMARY KEY (user_id, idempotency_key)
) STRICT;

CREATE INDEX idempotency_keys_by_age ON idempotency_keys (created_at);
