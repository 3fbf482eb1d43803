package dev.roundtrip.http;

/**
 * One problem with one input field, e.g. {@code {"field": "title", "message": "must not be blank"}}. A field
 * name may be whatever a client sent as a JSON key or header, so both parts are cut short and made harmless.
 */
public record FieldError(String field, String message) {

    public static final int MAX_FIELD = 64;
    public static final int MAX_MESSAGE = 200;

    public FieldError {
        field = ClientText.echo(field, MAX_FIELD);
        message = ClientText.echo(message, MAX_MESSAGE);
    }
}
