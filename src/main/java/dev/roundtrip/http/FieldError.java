package dev.roundtrip.http;

/** One problem with one input field, e.g. {@code {"field": "title", "message": "must not be blank"}}. */
public record FieldError(String field, String message) {
}
