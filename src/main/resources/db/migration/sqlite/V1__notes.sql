-- Notes: the one resource of the API.
-- Timestamps are ISO-8601 UTC text with milliseconds, so they sort as time does.
CREATE TABLE notes (
    id         INTEGER PRIMARY KEY AUTOINCREMENT, -- AUTOINCREMENT: a deleted note's id is never reused, so an old link or ETag never names a new note
    title      TEXT    NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
    body       TEXT    NOT NULL CHECK (length(body) <= 100000),
    tags       TEXT    NOT NULL CHECK (json_valid(tags) AND json_type(tags) = 'array'), -- a JSON array, read back with the row in one go
    created_at TEXT    NOT NULL,
    updated_at TEXT    NOT NULL,
    version    INTEGER NOT NULL CHECK (version >= 1) -- the ETag: bumped by every update, checked by If-Match
) STRICT;

-- One row per (tag, note) so ?tag= is an index lookup, not a scan of every note's JSON.
-- Kept in step with notes.tags by the triggers below, inside the same transaction as the write.
CREATE TABLE note_tags (
    tag     TEXT    NOT NULL,
    note_id INTEGER NOT NULL REFERENCES notes (id) ON DELETE CASCADE,
    PRIMARY KEY (tag, note_id)
) STRICT, WITHOUT ROWID;

CREATE INDEX note_tags_by_note ON note_tags (note_id); -- makes the cascade on delete an index lookup

-- Full-text index over title and body (FTS5). "External content": the text lives once, in notes;
-- the index keeps only tokens, and the triggers keep it exact.
CREATE VIRTUAL TABLE notes_fts USING fts5(title, body, content = 'notes', content_rowid = 'id');

CREATE TRIGGER notes_after_insert AFTER INSERT ON notes BEGIN
    INSERT INTO notes_fts (rowid, title, body) VALUES (new.id, new.title, new.body);
    INSERT INTO note_tags (tag, note_id) SELECT value, new.id FROM json_each(new.tags);
END;

CREATE TRIGGER notes_after_delete AFTER DELETE ON notes BEGIN
    INSERT INTO notes_fts (notes_fts, rowid, title, body) VALUES ('delete', old.id, old.title, old.body);
END;

CREATE TRIGGER notes_after_update AFTER UPDATE ON notes BEGIN
    INSERT INTO notes_fts (notes_fts, rowid, title, body) VALUES ('delete', old.id, old.title, old.body);
    INSERT INTO notes_fts (rowid, title, body) VALUES (new.id, new.title, new.body);
    DELETE FROM note_tags WHERE note_id = old.id;
    INSERT INTO note_tags (tag, note_id) SELECT value, new.id FROM json_each(new.tags);
END;
