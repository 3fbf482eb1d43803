-- Notes on PostgreSQL: the same table as db/migration/sqlite/V1__notes.sql, in PostgreSQL's types.
-- Timestamps stay ISO-8601 UTC text with milliseconds, as in SQLite: both stores return byte-identical notes,
-- and the text sorts as time does. Tags stay a JSON array in text, checked to be one.
CREATE TABLE notes (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, -- from a sequence: an id is never reused, so an old link or ETag never names a new note
    title      text   NOT NULL CHECK (char_length(title) BETWEEN 1 AND 200),
    body       text   NOT NULL CHECK (char_length(body) <= 100000),
    tags       text   NOT NULL CHECK (jsonb_typeof(tags::jsonb) = 'array'),
    created_at text   NOT NULL,
    updated_at text   NOT NULL,
    version    bigint NOT NULL CHECK (version >= 1) -- the ETag: bumped by every update, checked by If-Match
);

-- One row per (tag, note) so ?tag= is an index lookup, not a scan of every note's JSON.
CREATE TABLE note_tags (
    tag     text   NOT NULL,
    note_id bigint NOT NULL REFERENCES notes (id) ON DELETE CASCADE,
    PRIMARY KEY (tag, note_id)
);

CREATE INDEX note_tags_by_note ON note_tags (note_id); -- makes the cascade on delete an index lookup

-- Kept in step with notes.tags by a trigger, inside the same transaction as the write (as in SQLite).
CREATE FUNCTION notes_sync_tags() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' THEN
        DELETE FROM note_tags WHERE note_id = OLD.id;
    END IF;
    INSERT INTO note_tags (tag, note_id) SELECT value, NEW.id FROM jsonb_array_elements_text(NEW.tags::jsonb);
    RETURN NULL;
END
$$;

CREATE TRIGGER notes_sync_tags AFTER INSERT OR UPDATE OF tags ON notes
    FOR EACH ROW EXECUTE FUNCTION notes_sync_tags();
