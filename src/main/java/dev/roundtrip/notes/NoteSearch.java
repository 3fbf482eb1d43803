package dev.roundtrip.notes;

import dev.roundtrip.db.Database;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * How a page of {@code GET /api/notes} becomes SQL: the one place where SQLite's and PostgreSQL's search
 * differ. Both find the same notes in the same order (StoreParityTest): every word of {@code ?q=} inside the
 * title or the body, in any case, newest first, below the cursor. A query without words is the same on both.
 */
enum NoteSearch {

    /**
     * FTS5 with the trigram tokenizer (db/migration/sqlite/V3). The index is the outer loop and hands out rowids
     * newest first (FTS5 consumes ORDER BY rowid DESC and the rowid bound), so a word in every note costs one
     * page, not a pass over all of them. Words under 3 characters have no trigram: a LIKE scan of the notes.
     */
    SQLITE {
        @Override
        Query search(List<String> words) {
            List<String> indexed = new ArrayList<>();
            Map<String, Object> bindings = new LinkedHashMap<>();
            StringBuilder conditions = new StringBuilder();
            for (String word : words) {
                if (SearchTerms.hasTrigram(word)) {
                    indexed.add(SearchTerms.ftsPhrase(word));
                } else {
                    conditions.append(containing(bindings, "n.title LIKE %1$s ESCAPE '!' OR n.body LIKE %1$s ESCAPE '!'", word));
                }
            }
            if (indexed.isEmpty()) {
                return new Query(PLAIN.fromWhere(), conditions.toString(), PLAIN.orderBy(), bindings);
            }
            bindings.put("match", String.join(" ", indexed));
            return new Query("FROM notes_search JOIN notes n ON n.id = notes_search.rowid"
                    + " WHERE notes_search MATCH :match AND notes_search.rowid < :beforeId",
                    conditions.toString(), " ORDER BY notes_search.rowid DESC", bindings);
        }
    },

    /**
     * ILIKE for every word on {@code title || ' ' || body}: the expression of the pg_trgm GIN index in
     * db/migration/postgresql/V3, so words of 3+ characters are index lookups; shorter ones scan, as in SQLite.
     * (A word never holds a space, so it cannot match across the one that joins title and body.)
     */
    POSTGRESQL {
        @Override
        Query search(List<String> words) {
            Map<String, Object> bindings = new LinkedHashMap<>();
            StringBuilder conditions = new StringBuilder();
            for (String word : words) {
                conditions.append(containing(bindings, "(n.title || ' ' || n.body) ILIKE %1$s ESCAPE '!'", word));
            }
            return new Query(PLAIN.fromWhere(), conditions.toString(), PLAIN.orderBy(), bindings);
        }
    };

    /** The parts of a list query: FROM … WHERE (with the cursor's bound), more AND conditions, ORDER BY, bindings. */
    record Query(String fromWhere, String conditions, String orderBy, Map<String, Object> bindings) {
    }

    /** A page without search: newest first below the cursor, the same SQL on both engines. */
    static final Query PLAIN = new Query("FROM notes n WHERE n.id < :beforeId", "", " ORDER BY n.id DESC", Map.of());

    static NoteSearch of(Database.Engine engine) {
        return engine == Database.Engine.SQLITE ? SQLITE : POSTGRESQL;
    }

    /** The query for a page that matches every one of {@code words} (at least one). */
    abstract Query search(List<String> words);

    /** " AND (…)" with the word's LIKE pattern bound as :likeN in {@code template}'s %1$s. */
    private static String containing(Map<String, Object> bindings, String template, String word) {
        String name = "like" + bindings.size();
        bindings.put(name, SearchTerms.containing(word));
        return " AND (" + String.format(template, ":" + name) + ")";
    }
}
