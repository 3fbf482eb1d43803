package dev.roundtrip.notes;

import dev.roundtrip.http.FieldError;
import dev.roundtrip.http.ProblemException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;

/**
 * The query of {@code GET /api/notes?limit=&cursor=&tag=&q=}, checked. Pages are cut by keyset:
 * the cursor holds the last id of the previous page and the next page starts below it, so inserts
 * and deletes between two calls never cause duplicates or gaps (as an OFFSET would).
 */
public record NoteListRequest(int limit, long beforeId, String tag, String query) {

    static final int DEFAULT_LIMIT = 20;
    static final int MAX_LIMIT = 100;
    static final int MAX_QUERY = 200;
    private static final String CURSOR_PREFIX = "after:";
    /** Longer than any cursor this API hands out ("after:" and 19 digits, in base64): refused before decoding. */
    static final int MAX_CURSOR = 40;

    public static NoteListRequest from(Map<String, List<String>> params) {
        List<FieldError> errors = new ArrayList<>();
        int limit = limit(first(params, "limit"), errors);
        long beforeId = cursor(first(params, "cursor"), errors);
        String tag = first(params, "tag");
        if (tag != null && !NoteInput.TAG.matcher(tag).matches()) {
            errors.add(new FieldError("tag", "must be 1–30 characters of a-z, 0-9 and '-'"));
        }
        String query = first(params, "q");
        if (query != null && (query.isBlank() || query.length() > MAX_QUERY)) {
            errors.add(new FieldError("q", "must be 1–" + MAX_QUERY + " characters and not blank"));
        } else if (query != null && SearchTerms.problem(query) != null) {
            errors.add(new FieldError("q", SearchTerms.problem(query)));
        }
        if (!errors.isEmpty()) {
            throw ProblemException.invalid(errors);
        }
        return new NoteListRequest(limit, beforeId, tag, query);
    }

    /** The opaque cursor that continues after {@code lastId}. */
    static String cursorAfter(long lastId) {
        return Base64.getUrlEncoder().withoutPadding()
                .encodeToString((CURSOR_PREFIX + lastId).getBytes(StandardCharsets.US_ASCII));
    }

    private static int limit(String raw, List<FieldError> errors) {
        if (raw == null) {
            return DEFAULT_LIMIT;
        }
        try {
            if (raw.length() > 3) {
                throw new NumberFormatException("more digits than " + MAX_LIMIT + " has");
            }
            int limit = Integer.parseInt(raw);
            if (limit >= 1 && limit <= MAX_LIMIT) {
                return limit;
            }
        } catch (NumberFormatException ignored) {
            // reported below
        }
        errors.add(new FieldError("limit", "must be a whole number from 1 to " + MAX_LIMIT));
        return DEFAULT_LIMIT;
    }

    private static long cursor(String raw, List<FieldError> errors) {
        if (raw == null) {
            return Long.MAX_VALUE;
        }
        try {
            if (raw.length() > MAX_CURSOR) {
                throw new IllegalArgumentException("longer than any cursor we return");
            }
            String decoded = new String(Base64.getUrlDecoder().decode(raw), StandardCharsets.US_ASCII);
            if (decoded.startsWith(CURSOR_PREFIX)) {
                long id = Long.parseLong(decoded.substring(CURSOR_PREFIX.length()));
                if (id > 0) {
                    return id;
                }
            }
        } catch (IllegalArgumentException ignored) { // bad base64 or not a number
            // reported below
        }
        errors.add(new FieldError("cursor", "is not a cursor this API returned; use nextCursor from a previous page"));
        return Long.MAX_VALUE;
    }

    private static String first(Map<String, List<String>> params, String name) {
        List<String> values = params.get(name);
        return values == null || values.isEmpty() ? null : values.get(0);
    }
}
