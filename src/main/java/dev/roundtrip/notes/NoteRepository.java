package dev.roundtrip.notes;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import dev.roundtrip.db.Database;
import dev.roundtrip.db.StoredTime;
import dev.roundtrip.http.Principal;
import dev.roundtrip.http.ProblemException;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.statement.Query;
import org.jdbi.v3.core.statement.StatementContext;

/**
 * Where notes are stored: every SQL statement for notes lives in this file, but for the search, which differs
 * between SQLite and PostgreSQL and lives in {@link NoteSearch}, and the Idempotency-Key table ({@link IdempotencyKeys}). Reads use the pool; each
 * write runs through {@link Database#write}, atomically, and returns once it is committed.
 */
public final class NoteRepository {

    /** What a conditional write did; NOT_OWNER is decided before the version (403 before 412). */
    public enum Outcome { DONE, NOT_FOUND, NOT_OWNER, STALE }

    /** What a create with an Idempotency-Key did. */
    public enum Creation { CREATED, REPLAYED, KEY_REUSED }

    /** The result of a create: the note (as first created, when REPLAYED); null when KEY_REUSED. */
    public record Created(Creation creation, Note note) {
    }

    /** The result of a replace or delete: the new note when DONE, the current one when STALE or NOT_OWNER. */
    public record Replaced(Outcome outcome, Note note) {
    }

    private static final String COLUMNS = "id, title, body, tags, created_at, updated_at, version";
    /** The same, for queries that name the notes table n and join its owner u (by primary key: one lookup). */
    private static final String N_COLUMNS = "n.id, n.title, n.body, n.tags, u.username AS owner, n.created_at, n.updated_at, "
            + "n.version, n.owner_id";
    private static final String WITH_OWNER = " JOIN users u ON u.id = n.owner_id";

    private static final String INSERT = """
            INSERT INTO notes (title, body, tags, created_at, updated_at, version, owner_id)
            VALUES (:title, :body, :tags, :now, :now, 1, :owner)
            RETURNING\s""" + COLUMNS;

    private static final String FIND_BY_ID = "SELECT " + N_COLUMNS + " FROM notes n" + WITH_OWNER + " WHERE n.id = :id";

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
            ) page JOIN notes n ON n.id = page.id JOIN users u ON u.id = n.owner_id
            WHERE page.position <= :limit AND (page.running <= :budget OR page.position = 1)
            ORDER BY n.id DESC""".formatted(N_COLUMNS);

    /** The version check is in the same statement as the write, so no other update can slip in between. */
    private static final String REPLACE = """
            UPDATE notes SET title = :title, body = :body, tags = :tags, updated_at = :now, version = version + 1
            WHERE id = :id AND owner_id = :owner AND (:anyVersion OR version IN (<versions>))
            RETURNING\s""" + COLUMNS;

    private static final String DELETE =
            "DELETE FROM notes WHERE id = :id AND owner_id = :owner AND (:anyVersion OR version IN (<versions>))";

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

    /** Creates a note owned by {@code owner}. */
    public Note create(NoteInput input, Principal owner) {
        return database.write(h -> insert(h, input, owner));
    }

    private Note insert(Handle h, NoteInput input, Principal owner) {
        return h.createQuery(INSERT)
                .bind("title", input.title()).bind("body", input.body()).bind("tags", toJson(input.tags()))
                .bind("now", now()).bind("owner", owner.userId())
                .map((rs, ctx) -> map(rs, owner.name())).one();
    }

    /**
     * Creates the note unless {@code owner} used {@code idempotencyKey} before: then the first note is returned
     * again (same input) or nothing happens (other input). Key and note are written in one transaction.
     */
    public Created create(NoteInput input, String idempotencyKey, Principal owner) {
        String hash = IdempotencyKeys.requestHash(toJson(input));
        try {
            return database.write(h -> createOnce(h, input, idempotencyKey, hash, owner));
        } catch (KeyTakenMeanwhile e) {
            // Another app server stored this key between our look-up and our insert (PostgreSQL only: SQLite's
            // single writer never interleaves). Our note went with the rolled-back transaction; now the key answers.
            return database.write(h -> createOnce(h, input, idempotencyKey, hash, owner));
        }
    }

    /** Thrown inside the write to roll it back: the key was stored by a concurrent transaction. */
    private static final class KeyTakenMeanwhile extends RuntimeException {
        KeyTakenMeanwhile() {
            super(null, null, false, false);
        }
    }

    private Created createOnce(Handle h, NoteInput input, String key, String hash, Principal owner) {
        Instant now = clock.instant();
        Optional<IdempotencyKeys.Previous> previous = IdempotencyKeys.find(h, owner.userId(), key, now);
        if (previous.isPresent()) {
            return hash.equals(previous.get().requestHash())
                    ? new Created(Creation.REPLAYED, fromJson(previous.get().createdNote(), Note.class))
                    : new Created(Creation.KEY_REUSED, null);
        }
        Note note = insert(h, input, owner);
        if (!IdempotencyKeys.store(h, owner.userId(), key, hash, note.id(), toJson(note), now)) {
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
     * Replaces title, body and tags if {@code owner} owns the note. {@code versions} are the versions the client's
     * If-Match names; null means unconditional. The owner and the version are checked in the UPDATE itself.
     */
    public Replaced replace(long id, NoteInput input, List<Long> versions, Principal owner) {
        return database.write(h -> {
            Optional<Note> updated = h.createQuery(REPLACE)
                    .bind("id", id).bind("title", input.title()).bind("body", input.body())
                    .bind("tags", toJson(input.tags())).bind("now", now()).bind("owner", owner.userId())
                    .bind("anyVersion", versions == null).bindList("versions", orNone(versions))
                    .map((rs, ctx) -> map(rs, owner.name())).findOne();
            return updated.map(note -> new Replaced(Outcome.DONE, note)).orElseGet(() -> whyNot(h, id, owner));
        });
    }

    /** Deletes the note; {@code versions} and {@code owner} as for {@link #replace}. */
    public Replaced delete(long id, List<Long> versions, Principal owner) {
        return database.write(h -> {
            int deleted = h.createUpdate(DELETE).bind("id", id).bind("owner", owner.userId())
                    .bind("anyVersion", versions == null).bindList("versions", orNone(versions))
                    .execute();
            return deleted == 1 ? new Replaced(Outcome.DONE, null) : whyNot(h, id, owner);
        });
    }

    /** Why a conditional write changed nothing: no such note, someone else's, or a stale version. */
    private Replaced whyNot(Handle h, long id, Principal owner) {
        return h.createQuery(FIND_BY_ID).bind("id", id).map((rs, ctx) -> {
            Note current = map(rs, rs.getString("owner"));
            return new Replaced(rs.getLong("owner_id") == owner.userId() ? Outcome.STALE : Outcome.NOT_OWNER, current);
        }).findOne().orElse(new Replaced(Outcome.NOT_FOUND, null));
    }

    private Optional<Note> findById(Handle h, long id) {
        return h.createQuery(FIND_BY_ID).bind("id", id).map(this::map).findOne();
    }

    /** Hand-written mapping: faster than reflection and explicit about every column. */
    private Note map(ResultSet rs, StatementContext ctx) throws SQLException {
        return map(rs, rs.getString("owner"));
    }

    /** A row of notes whose owner's name is known already (a write's RETURNING has no join). */
    private Note map(ResultSet rs, String owner) throws SQLException {
        return new Note(rs.getLong("id"), rs.getString("title"), rs.getString("body"),
                fromJson(rs.getString("tags")), owner, StoredTime.parse(rs.getString("created_at")),
                StoredTime.parse(rs.getString("updated_at")), rs.getLong("version"));
    }

    private String now() {
        return StoredTime.format(clock.instant());
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
