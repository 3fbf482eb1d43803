-- Search that works for Korean. Korean attaches particles to words (요청 → 요청을, 요청이), so the default
-- tokenizer, which splits on spaces, never finds 요청 in "요청을 받고". The trigram tokenizer indexes every
-- 3-character substring instead: a search term matches anywhere inside a word, in any language.
-- (Terms shorter than 3 characters cannot use a trigram index; NoteRepository searches those with LIKE.)
DROP TRIGGER notes_after_insert;
DROP TRIGGER notes_after_delete;
DROP TRIGGER notes_after_update;
DROP TABLE notes_fts;

CREATE VIRTUAL TABLE notes_search USING fts5(title, body, content = 'notes', content_rowid = 'id', tokenize = 'trigram');
INSERT INTO notes_search (notes_search) VALUES ('rebuild'); -- index the notes that already exist

CREATE TRIGGER notes_after_insert AFTER INSERT ON notes BEGIN
    INSERT INTO notes_search (rowid, title, body) VALUES (new.id, new.title, new.body);
    INSERT INTO note_tags (tag, note_id) SELECT value, new.id FROM json_each(new.tags);
END;

CREATE TRIGGER notes_after_delete AFTER DELETE ON notes BEGIN
    INSERT INTO notes_search (notes_search, rowid, title, body) VALUES ('delete', old.id, old.title, old.body);
END;

CREATE TRIGGER notes_after_update AFTER UPDATE ON notes BEGIN
    INSERT INTO notes_search (notes_search, rowid, title, body) VALUES ('delete', old.id, old.title, old.body);
    INSERT INTO notes_search (rowid, title, body) VALUES (new.id, new.title, new.body);
    DELETE FROM note_tags WHERE note_id = old.id;
    INSERT INTO note_tags (tag, note_id) SELECT value, new.id FROM json_each(new.tags);
END;
