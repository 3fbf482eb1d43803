package dev.roundtrip.notes;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.roundtrip.http.FieldErrors;
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

    /** Checks a parsed JSON object; throws a 400 problem listing the bad fields (the first 20, and how many in all). */
    public static NoteInput from(ObjectNode json) {
        FieldErrors errors = new FieldErrors(); // keeps the first few: a body of 500 unknown fields is one answer
        String title = title(json.get("title"), errors); // known fields first, so their errors are among those kept
        String body = body(json.get("body"), errors);
        List<String> tags = tags(json.get("tags"), errors);
        for (Iterator<String> names = json.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (!FIELDS.contains(name)) {
                errors.add(name, "is not a known field (expected title, body, tags)");
            }
        }
        errors.throwIfAny();
        return new NoteInput(title, body, tags);
    }

    private static String title(JsonNode node, FieldErrors errors) {
        if (node == null) {
            errors.add("title", "is required");
            return null;
        }
        String title = text("title", node, errors);
        if (title == null) {
            return null;
        }
        int length = title.codePointCount(0, title.length());
        if (title.isBlank()) {
            errors.add("title", "must not be blank");
        } else if (length > MAX_TITLE) {
            errors.add("title", "must be at most " + MAX_TITLE + " characters, got " + length);
        } else if (Text.hasControlCharacter(title, false)) {
            errors.add("title", "must not contain control characters (a title is one line)");
        }
        return title;
    }

    private static String body(JsonNode node, FieldErrors errors) {
        if (node == null) {
            return "";
        }
        String body = text("body", node, errors);
        if (body == null) {
            return null;
        }
        int length = body.codePointCount(0, body.length());
        if (length > MAX_BODY) {
            errors.add("body", "must be at most " + MAX_BODY + " characters, got " + length);
        } else if (Text.hasControlCharacter(body, true)) {
            errors.add("body", "must not contain control characters other than tab and newline");
        }
        return body;
    }

    private static List<String> tags(JsonNode node, FieldErrors errors) {
        if (node == null) {
            return List.of();
        }
        if (!node.isArray()) {
            errors.add("tags", "must be an array of strings, got " + Text.typeOf(node));
            return List.of();
        }
        if (node.size() > MAX_TAGS) {
            errors.add("tags", "must have at most " + MAX_TAGS + " tags, got " + node.size());
            return List.of();
        }
        Set<String> tags = new LinkedHashSet<>();
        for (int i = 0; i < node.size(); i++) {
            JsonNode tag = node.get(i);
            String field = "tags[" + i + "]";
            if (!tag.isTextual()) {
                errors.add(field, "must be a string, got " + Text.typeOf(tag));
            } else if (!TAG.matcher(tag.textValue()).matches()) {
                errors.add(field, "must be 1–30 characters of a-z, 0-9 and '-'");
            } else if (!tags.add(tag.textValue())) {
                errors.add(field, "repeats the tag '" + tag.textValue() + "'");
            }
        }
        return List.copyOf(tags);
    }

    private static String text(String field, JsonNode node, FieldErrors errors) {
        if (!node.isTextual()) {
            errors.add(field, "must be a string, got " + Text.typeOf(node));
            return null;
        }
        String value = node.textValue();
        if (Text.hasUnpairedSurrogate(value)) {
            errors.add(field, "must be valid Unicode (it has an unpaired surrogate escape)");
            return null;
        }
        return value;
    }
}
