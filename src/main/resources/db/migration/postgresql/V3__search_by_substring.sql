-- Search that works for Korean, as db/migration/sqlite/V3__search_by_substring.sql does with FTS5's trigram
-- tokenizer. Korean attaches particles to words (요청 → 요청을), so a full-text index of whole words
-- (tsvector, even with the 'simple' configuration) never finds 요청 in "요청을 받고". pg_trgm indexes every
-- 3-character piece instead, and its GIN index serves ILIKE '%word%' on the same expression the query uses.
-- pg_trgm is a trusted extension (PostgreSQL 13+): the database owner may create it. On a managed server
-- where that is not allowed, an administrator runs this CREATE EXTENSION once.
CREATE EXTENSION IF NOT EXISTS pg_trgm;

CREATE INDEX notes_search ON notes USING gin ((title || ' ' || body) gin_trgm_ops);
