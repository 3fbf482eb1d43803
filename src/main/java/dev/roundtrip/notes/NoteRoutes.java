package dev.roundtrip.notes;

import static io.javalin.apibuilder.ApiBuilder.delete;
import static io.javalin.apibuilder.ApiBuilder.get;
import static io.javalin.apibuilder.ApiBuilder.path;
import static io.javalin.apibuilder.ApiBuilder.post;
import static io.javalin.apibuilder.ApiBuilder.put;

import dev.roundtrip.http.Authentication;
import dev.roundtrip.http.EntityTags;
import dev.roundtrip.http.JsonBody;
import dev.roundtrip.http.Principal;
import dev.roundtrip.http.ProblemException;
import dev.roundtrip.http.QueryString;
import io.javalin.http.Context;
import io.javalin.http.HttpStatus;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * The notes API. Each handler reads and checks its input, makes one repository call, and writes
 * the answer; HTTP rules (ETag, If-Match, If-None-Match, Location) are applied here, storage
 * rules in {@link NoteRepository}. Reading is open to everyone; a write asks who sent it (401 without a session)
 * before it reads the body, and only the owner may change a note (403).
 */
public final class NoteRoutes {

    private static final int MAX_IDEMPOTENCY_KEY = 128;
    private static final Pattern IDEMPOTENCY_KEY = Pattern.compile("[A-Za-z0-9._:-]+");
    /** 18 digits always fit in a long; a longer id is refused before any arithmetic. */
    private static final int MAX_ID_DIGITS = 18;

    private final NoteRepository notes;
    private final JsonBody jsonBody;
    private final Authentication authentication;

    public NoteRoutes(NoteRepository notes, JsonBody jsonBody, Authentication authentication) {
        this.notes = notes;
        this.jsonBody = jsonBody;
        this.authentication = authentication;
    }

    /** Declares the routes; call inside {@code path("api", …)}. */
    public void addRoutes() {
        path("notes", () -> {
            get(this::list);
            post(this::create);
            path("{id}", () -> {
                get(this::show);
                put(this::replace);
                delete(this::remove);
            });
        });
    }

    void list(Context ctx) {
        QueryString.requireWellFormed(ctx.queryString());
        NoteListRequest request = NoteListRequest.from(ctx.queryParamMap());
        try {
            ctx.json(notes.list(request));
        } catch (SearchGate.Busy e) {
            ctx.header("Retry-After", String.valueOf(SearchGate.RETRY_AFTER_SECONDS));
            throw e;
        }
    }

    /**
     * With an Idempotency-Key, a retry of the same request answers the first result again (201, the
     * same note, plus {@code Idempotent-Replayed: true}) and creates nothing; the same key with other
     * content is refused with 422.
     */
    void create(Context ctx) {
        Principal author = authentication.require(ctx);
        NoteInput input = NoteInput.from(jsonBody.readObject(ctx));
        String key = idempotencyKey(ctx);
        NoteRepository.Created created = key == null
                ? new NoteRepository.Created(NoteRepository.Creation.CREATED, notes.create(input, author))
                : notes.create(input, key, author);
        if (created.creation() == NoteRepository.Creation.KEY_REUSED) {
            throw new ProblemException(422, "/problems/idempotency-key-reused", "Idempotency-Key reused",
                    "This Idempotency-Key was already used for a request with different content. "
                            + "Use a new key for a new note.", List.of());
        }
        if (created.creation() == NoteRepository.Creation.REPLAYED) {
            ctx.header("Idempotent-Replayed", "true");
        }
        Note note = created.note();
        ctx.status(HttpStatus.CREATED).header("Location", note.location()).header("ETag", note.etag()).json(note);
    }

    void show(Context ctx) {
        Note note = notes.findById(id(ctx)).orElseThrow(() -> notFound(ctx));
        ctx.header("ETag", note.etag());
        String ifNoneMatch = ctx.header("If-None-Match");
        if (ifNoneMatch != null && EntityTags.parse("If-None-Match", ifNoneMatch).matchesWeakly(note.etag())) {
            ctx.status(HttpStatus.NOT_MODIFIED); // the client's copy is current: no body
            return;
        }
        ctx.json(note);
    }

    void replace(Context ctx) {
        long id = id(ctx);
        Principal editor = authentication.require(ctx);
        NoteInput input = NoteInput.from(jsonBody.readObject(ctx));
        NoteRepository.Replaced result = notes.replace(id, input, versionsIn(ctx, id), editor);
        switch (result.outcome()) {
            case DONE -> ctx.header("ETag", result.note().etag()).json(result.note());
            case NOT_OWNER -> throw notOwner(result.note());
            case STALE -> throw preconditionFailed(result.note());
            default -> throw notFound(ctx);
        }
    }

    void remove(Context ctx) {
        long id = id(ctx);
        Principal editor = authentication.require(ctx);
        NoteRepository.Replaced result = notes.delete(id, versionsIn(ctx, id), editor);
        switch (result.outcome()) {
            case DONE -> ctx.status(HttpStatus.NO_CONTENT);
            case NOT_OWNER -> throw notOwner(result.note());
            case STALE -> throw preconditionFailed(result.note());
            default -> throw notFound(ctx);
        }
    }

    /** A client-chosen token (a UUID is typical); null when the header is absent. */
    private static String idempotencyKey(Context ctx) {
        String key = ctx.header("Idempotency-Key");
        if (key != null && (key.isEmpty() || key.length() > MAX_IDEMPOTENCY_KEY || !IDEMPOTENCY_KEY.matcher(key).matches())) {
            throw ProblemException.invalid("Idempotency-Key", "must be 1–128 characters of A-Z a-z 0-9 . _ : -");
        }
        return key;
    }

    /** ASCII digits only: Long.parseLong would also take "+5" and other scripts' digits such as "٣". */
    private static long id(Context ctx) {
        String raw = ctx.pathParam("id");
        long id = 0;
        boolean digits = !raw.isEmpty() && raw.length() <= MAX_ID_DIGITS;
        for (int i = 0; digits && i < raw.length(); i++) {
            char c = raw.charAt(i);
            digits = c >= '0' && c <= '9';
            id = id * 10 + (c - '0');
        }
        if (!digits || id <= 0) {
            throw ProblemException.invalid("id", "must be a positive whole number of at most " + MAX_ID_DIGITS + " digits");
        }
        return id;
    }

    /**
     * The versions of this note that If-Match names; null when there is no If-Match (or it is *),
     * which makes the write unconditional. An ETag of another note names no version of this one.
     */
    private static List<Long> versionsIn(Context ctx, long id) {
        String ifMatch = ctx.header("If-Match");
        if (ifMatch == null) {
            return null;
        }
        EntityTags tags = EntityTags.parse("If-Match", ifMatch); // at most EntityTags.MAX_TAGS
        if (tags.isAny()) {
            return null;
        }
        List<Long> versions = new ArrayList<>();
        String prefix = "\"" + id + ".";
        for (String tag : tags.strongTags()) {
            if (tag.startsWith(prefix)) {
                try {
                    long version = Long.parseLong(tag.substring(prefix.length(), tag.length() - 1));
                    // Strong comparison is octet by octet (RFC 9110 §8.8.3.2): "1.+2" or "1.02" is not "1.2".
                    if (tag.equals(prefix + version + "\"")) {
                        versions.add(version);
                    }
                } catch (NumberFormatException ignored) {
                    // not one of our ETags: it simply matches nothing
                }
            }
        }
        return versions;
    }

    private static ProblemException notFound(Context ctx) {
        return ProblemException.notFound("There is no note at " + ctx.path() + ".");
    }

    /** Authenticated, but not allowed: 403, not 401 (logging in again would not help). */
    private static ProblemException notOwner(Note note) {
        return new ProblemException(403, "/problems/not-owner", "Not your note",
                "This note belongs to " + note.owner() + "; only its owner may change or delete it.", List.of());
    }

    private static ProblemException preconditionFailed(Note current) {
        String detail = current == null
                ? "The note changed while this request ran."
                : "The note has changed since you read it: its current ETag is " + current.etag()
                        + ". GET it again, reapply your change, and send If-Match with the new ETag.";
        return new ProblemException(412, "/problems/precondition-failed", "Precondition Failed", detail, List.of());
    }
}
