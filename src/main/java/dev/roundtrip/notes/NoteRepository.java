package dev.roundtrip.notes;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import dev.roundtrip.db.Database;
import dev.roundtrip.http.ProblemException;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.statement.Query;
import org.jdbi.v3.core.statement.StatementContext;

/**
 * Where notes are stored: every SQL statement for notes lives in this file, but for the search, which differs
 * between SQLite and PostgreSQL and lives in {@link NoteSearch}. Reads use the pool; each
 * write runs through {@link Database#write}, atomically, and returns once it is committed.
 */
public final class NoteRepository {

    /** What a conditional write did. */
    public enum Outcome { DONE, NOT_FOUND, STALE }

    /** What a create with an Idempotency-Key did. */
    public enum Creation { CREATED, REPLAYED, KEY_REUSED }

    /** The result of a create: the note (as first created, when REPLAYED); null when KEY_REUSED. */
    public record Created(Creation creation, Note note) {
    }

    /** The result of a replace: the new note when DONE, the current one when STALE. */
    public record Replaced(Outcome outcome, Note note) {
    }

    private static final String COLUMNS = "id, title, body, tags, created_at, updated_at, version";
    /** The same, for queries that name the notes table n (a search joins it to the index, which has a title too). */
    private static final String N_COLUMNS = "n.id, n.title, n.body, n.tags, n.created_at, n.updated_at, n.version";

    private static final String INSERT = """
            INSERT INTO notes (title, body, tags, created_at, updated_at, version)
            VALUES (:title, :body, :tags, :now, :now, 1)
            RETURNING\s""" + COLUMNS;

    /** Keys are kept for a day: long enough for any client's retries, short enough to stay small. */
    static final Duration KEY_RETENTION = Duration.ofHours(24);
    private static final String EXPIRE_KEYS = "DELETE FROM idempotency_keys WHERE created_at < :cutoff";
    private static final String FIND_KEY =
            "SELECT request_hash, created_note FROM idempotency_keys WHERE idempotency_key = :key";
    /** ON CONFLICT DO NOTHING (the same in SQLite and PostgreSQL): a key taken meanwhile inserts nothing. */
    private static final String INSERT_KEY = """
            INSERT INTO idempotency_keys (idempotency_key, request_hash, note_id, created_note, created_at)
            VALUES (:key, :hash, :noteId, :note, :now)
            ON CONFLICT (idempotency_key) DO NOTHING""";

    private static final String FIND_BY_ID = "SELECT " + COLUMNS + " FROM notes WHERE id = :id";

    /** Only notes with the tag: an index lookup in note_tags. */
    private static final String WITH_TAG = " AND n.id IN (SELECT note_id FROM note_tags WHERE tag = :tag)";

    /**
     * The most characters of title + body a page holds, but a page always holds its first note (up to
     * MAX_TITLE + MAX_BODY): the answer's size stays bounded however long the notes, and so does the heap.
     */
    static final int PAGE_CHARS = 100_000;

    /**
     * A page from the candidates (%s: ids and sizes, in page order, LIMIT limit + 1): the first notes whose running
     * total of characters fits the budget, at least one. Only kept notes are read whole; "found" says if more follow.
     */
    private static final String PAGE = """
            SELECT %s, page.found FROM (
                SELECT id, ROW_NUMBER() OVER (ORDER BY id DESC) AS position, COUNT(*) OVER () AS found,
                       SUM(chars) OVER (ORDER BY id DESC ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS running
                FROM (%%s) candidates
            ) page JOIN notes n ON n.id = page.id
            WHERE page.position <= :limit AND (page.running <= :budget OR page.position = 1)
            ORDER BY n.id DESC""".formatted(N_COLUMNS);

    /** The version check is in the same statement as the write, so no other update can slip in between. */
    private static final String REPLACE = """
            UPDATE notes SET title = :title, body = :body, tags = :tags, updated_at = :now, version = version + 1
            WHERE id = :id AND (:anyVersion OR version IN (<versions>))
            RETURNING\s""" + COLUMNS;

    private static final String DELETE = "DELETE FROM notes WHERE id = :id AND (:anyVersion OR version IN (<versions>))";

    private static final TypeReference<List<String>> TAG_LIST = new TypeReference<>() { };

    /**
     * The time bound of one page of the list or a search. Past it the search is cancelled and answered 422
     * /problems/search-too-slow, not 503: it is the words that make it slow (short ones scan), so sending the
     * same search again would cost as much and fail the same; other words can succeed at once.
     */
    public static final Duration SEARCH_LIMIT = Duration.ofSeconds(2);

    private final Database database;
    private final Jdbi jdbi;
    private final Duration searchLimit;
    /** Searches cost a core each: only a few run at once. */
    private final SearchGate searches;
    /** How ?q= becomes SQL on this engine. */
    private final NoteSearch search;
    private final ObjectMapper json;
    /** Reads a stored tag list; made once, since every row read needs one. */
    private final ObjectReader tagsReader;
    private final Clock clock;

    /** {@code searchLimit} bounds one page ({@link #SEARCH_LIMIT}; tests use a tiny one), {@code searches} how many run at once. */
    public NoteRepository(Database database, ObjectMapper json, Clock clock, Duration searchLimit, SearchGate searches) {
        this.database = database;
        this.searches = searches;
        this.searchLimit = searchLimit;
        this.jdbi = database.jdbi();
        this.search = NoteSearch.of(database.engine());
        this.json = json;
        this.tagsReader = json.readerFor(TAG_LIST);
        this.clock = clock;
    }

    public Note create(NoteInput input) {
        return database.write(h -> insert(h, input));
    }

    private Note insert(Handle h, NoteInput input) {
        return h.createQuery(INSERT)
                .bind("title", input.title()).bind("body", input.body()).bind("tags", toJson(input.tags()))
                .bind("now", now())
                .map(this::map).one();
    }

    /**
     * Creates the note unless {@code idempotencyKey} was used before: then the first note is returned
     * again (same input) or nothing happens (other input). Key and note are written in one transaction.
     */
    public Created create(NoteInput input, String idempotencyKey) {
        String hash = sha256(toJson(input));
        try {
            return database.write(h -> createOnce(h, input, idempotencyKey, hash));
        } catch (KeyTakenMeanwhile e) {
            // Another app server stored this key between our look-up and our insert (PostgreSQL only: SQLite's
            // single writer never interleaves). Our note went with the rolled-back transaction; now the key answers.
            return database.write(h -> createOnce(h, input, idempotencyKey, hash));
        }
    }

    /** Thrown inside the write to roll it back: the key was stored by a concurrent transaction. */
    private static final class KeyTakenMeanwhile extends RuntimeException {
        KeyTakenMeanwhile() {
            super(null, null, false, false);
        }
    }

    private Created createOnce(Handle h, NoteInput input, String idempotencyKey, String hash) {
        Instant now = clock.instant();
        h.createUpdate(EXPIRE_KEYS).bind("cutoff", StoredTime.format(now.minus(KEY_RETENTION))).execute();
        Optional<Map<String, Object>> previous = h.createQuery(FIND_KEY).bind("key", idempotencyKey).mapToMap().findOne();
        if (previous.isPresent()) {
            return hash.equals(previous.get().get("request_hash"))
                    ? new Created(Creation.REPLAYED, fromJson((String) previous.get().get("created_note"), Note.class))
                    : new Created(Creation.KEY_REUSED, null);
        }
        Note note = insert(h, input);
        int stored = h.createUpdate(INSERT_KEY).bind("key", idempotencyKey).bind("hash", hash).bind("noteId", note.id())
                .bind("note", toJson(note)).bind("now", StoredTime.format(now)).execute();
        if (stored == 0) {
            throw new KeyTakenMeanwhile();
        }
        return new Created(Creation.CREATED, note);
    }

    public Optional<Note> findById(long id) {
        return jdbi.withHandle(h -> findById(h, id));
    }

    /** A page of notes; a search waits for a slot in the gate or is refused (503), a plain list never waits. */
    public NotePage list(NoteListRequest request) {
        return request.query() == null ? page(request) : searches.run(() -> page(request));
    }

    private NotePage page(NoteListRequest request) {
        NoteSearch.Query parts = request.query() == null ? NoteSearch.PLAIN : search.search(SearchTerms.words(request.query()));
        String candidates = "SELECT n.id, length(n.title) + length(n.body) AS chars " + parts.fromWhere()
                + (request.tag() == null ? "" : WITH_TAG) + parts.conditions() + parts.orderBy() + " LIMIT :candidates";
        List<Row> rows;
        try {
            rows = database.readWithin(searchLimit, h -> {
                Query query = h.createQuery(String.format(PAGE, candidates))
                        .bind("beforeId", request.beforeId())
                        .bind("candidates", request.limit() + 1) // one extra row tells whether another page exists
                        .bind("limit", request.limit())
                        .bind("budget", PAGE_CHARS)
                        .bindMap(parts.bindings());
                if (request.tag() != null) {
                    query.bind("tag", request.tag());
                }
                return query.map((rs, ctx) -> new Row(map(rs, ctx), rs.getInt("found"))).list();
            });
        } catch (Database.TooSlowException e) {
            throw new ProblemException(422, "/problems/search-too-slow", "Search too slow",
                    "The search ran past its limit of " + searchLimit.toMillis() + " ms and was stopped."
                            + " Use longer or fewer words: words under " + SearchTerms.TRIGRAM
                            + " characters cannot use the index.", List.of());
        }
        List<Note> page = rows.stream().map(Row::note).toList();
        boolean more = !rows.isEmpty() && rows.get(0).found() > rows.size();
        return new NotePage(page, more ? NoteListRequest.cursorAfter(page.get(page.size() - 1).id()) : null);
    }

    /** A note of a page and how many candidates its query found (at most limit + 1). */
    private record Row(Note note, int found) {
    }

    /**
     * Replaces title, body and tags. {@code versions} are the versions the client's If-Match names;
     * null means unconditional.
     */
    public Replaced replace(long id, NoteInput input, List<Long> versions) {
        return database.write(h -> {
            Optional<Note> updated = h.createQuery(REPLACE)
                    .bind("id", id).bind("title", input.title()).bind("body", input.body())
                    .bind("tags", toJson(input.tags())).bind("now", now())
                    .bind("anyVersion", versions == null).bindList("versions", orNone(versions))
                    .map(this::map).findOne();
            if (updated.isPresent()) {
                return new Replaced(Outcome.DONE, updated.get());
            }
            return findById(h, id).map(current -> new Replaced(Outcome.STALE, current))
                    .orElse(new Replaced(Outcome.NOT_FOUND, null));
        });
    }

    /** Deletes the note; {@code versions} as for {@link #replace}. */
    public Outcome delete(long id, List<Long> versions) {
        return database.write(h -> {
            int deleted = h.createUpdate(DELETE)
                    .bind("id", id).bind("anyVersion", versions == null).bindList("versions", orNone(versions))
                    .execute();
            if (deleted == 1) {
                return Outcome.DONE;
            }
            return findById(h, id).isPresent() ? Outcome.STALE : Outcome.NOT_FOUND;
        });
    }

    private Optional<Note> findById(Handle h, long id) {
        return h.createQuery(FIND_BY_ID).bind("id", id).map(this::map).findOne();
    }

    /** Hand-written mapping: faster than reflection and explicit about every column. */
    private Note map(ResultSet rs, StatementContext ctx) throws SQLException {
        return new Note(rs.getLong("id"), rs.getString("title"), rs.getString("body"),
                fromJson(rs.getString("tags")), StoredTime.parse(rs.getString("created_at")),
                StoredTime.parse(rs.getString("updated_at")), rs.getLong("version"));
    }

    private String now() {
        return StoredTime.format(clock.instant());
    }

    private static String sha256(String text) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM has SHA-256", e);
        }
    }

    /** SQL has no empty IN (); -1 is a version no note ever has. */
    private static List<Long> orNone(List<Long> versions) {
        return versions == null || versions.isEmpty() ? List.of(-1L) : versions;
    }

    private String toJson(Object value) {
        try {
            return json.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private List<String> fromJson(String tags) {
        try {
            return tagsReader.readValue(tags);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("stored tags are not a JSON array: " + tags, e);
        }
    }

    private <T> T fromJson(String stored, Class<T> type) {
        try {
            return json.readValue(stored, type);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("stored JSON is not a " + type.getSimpleName() + ": " + stored, e);
        }
    }
}
