package dev.roundtrip.notes;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.roundtrip.http.FieldError;
import dev.roundtrip.http.ProblemException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * What a client may send to create or replace a note, checked field by field so that every problem
 * is reported at once: {@code {"title": str 1–200, "body": str ≤ 100 000, "tags": [str, ≤ 10]}}.
 * {@code body} defaults to "" and {@code tags} to []; {@code title} is required.
 */
public record NoteInput(String title, String body, List<String> tags) {

    static final int MAX_TITLE = 200;
    static final int MAX_BODY = 100_000;
    static final int MAX_TAGS = 10;
    static final Pattern TAG = Pattern.compile("[a-z0-9-]{1,30}");
    private static final Set<String> FIELDS = Set.of("title", "body", "tags");

    /** Checks a parsed JSON object; throws a 400 problem listing every bad field. */
    public static NoteInput from(ObjectNode json) {
        List<FieldError> errors = new ArrayList<>();
        for (Iterator<String> names = json.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (!FIELDS.contains(name)) {
                errors.add(new FieldError(name, "is not a known field (expected title, body, tags)"));
            }
        }
        String title = title(json.get("title"), errors);
        String body = body(json.get("body"), errors);
        List<String> tags = tags(json.get("tags"), errors);
        if (!errors.isEmpty()) {
            throw ProblemException.invalid(errors);
        }
        return new NoteInput(title, body, tags);
    }

    private static String title(JsonNode node, List<FieldError> errors) {
        if (node == null) {
            errors.add(new FieldError("title", "is required"));
            return null;
        }
        String title = text("title", node, errors);
        if (title == null) {
            return null;
        }
        int length = title.codePointCount(0, title.length());
        if (title.isBlank()) {
            errors.add(new FieldError("title", "must not be blank"));
        } else if (length > MAX_TITLE) {
            errors.add(new FieldError("title", "must be at most " + MAX_TITLE + " characters, got " + length));
        } else if (Text.hasControlCharacter(title, false)) {
            errors.add(new FieldError("title", "must not contain control characters (a title is one line)"));
        }
        return title;
    }

    private static String body(JsonNode node, List<FieldError> errors) {
        if (node == null) {
            return "";
        }
        String body = text("body", node, errors);
        if (body == null) {
            return null;
        }
        int length = body.codePointCount(0, body.length());
        if (length > MAX_BODY) {
            errors.add(new FieldError("body", "must be at most " + MAX_BODY + " characters, got " + length));
        } else if (Text.hasControlCharacter(body, true)) {
            errors.add(new FieldError("body", "must not contain control characters other than tab and newline"));
        }
        return body;
    }

    private static List<String> tags(JsonNode node, List<FieldError> errors) {
        if (node == null) {
            return List.of();
        }
        if (!node.isArray()) {
            errors.add(new FieldError("tags", "must be an array of strings, got " + Text.typeOf(node)));
            return List.of();
        }
        if (node.size() > MAX_TAGS) {
            errors.add(new FieldError("tags", "must have at most " + MAX_TAGS + " tags, got " + node.size()));
            return List.of();
        }
        Set<String> tags = new LinkedHashSet<>();
        for (int i = 0; i < node.size(); i++) {
            JsonNode tag = node.get(i);
            String field = "tags[" + i + "]";
            if (!tag.isTextual()) {
                errors.add(new FieldError(field, "must be a string, got " + Text.typeOf(tag)));
            } else if (!TAG.matcher(tag.textValue()).matches()) {
                errors.add(new FieldError(field, "must be 1–30 characters of a-z, 0-9 and '-'"));
            } else if (!tags.add(tag.textValue())) {
                errors.add(new FieldError(field, "repeats the tag '" + tag.textValue() + "'"));
            }
        }
        return List.copyOf(tags);
    }

    private static String text(String field, JsonNode node, List<FieldError> errors) {
        if (!node.isTextual()) {
            errors.add(new FieldError(field, "must be a string, got " + Text.typeOf(node)));
            return null;
        }
        String value = node.textValue();
        if (Text.hasUnpairedSurrogate(value)) {
            errors.add(new FieldError(field, "must be valid Unicode (it has an unpaired surrogate escape)"));
            return null;
        }
        return value;
    }
}
