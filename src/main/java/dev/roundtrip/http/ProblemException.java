package dev.roundtrip.http;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Thrown by handlers (and by the input checks they call) to answer with an RFC 9457 problem.
 * {@link ProblemResponses} turns it into the {@code application/problem+json} body.
 */
public class ProblemException extends RuntimeException {

    /** An answer lists at most this many field errors; its detail says how many there were in all. */
    public static final int MAX_ERRORS = 20;
    /** A detail may quote client text (a Content-Type, a parser's message): never more than this. */
    public static final int MAX_DETAIL = 400;

    private final int status;
    private final String type;
    private final String title;
    private final List<FieldError> errors;
    /** Headers the answer carries with the problem, such as Retry-After or WWW-Authenticate. */
    private final Map<String, String> headers = new LinkedHashMap<>();

    public ProblemException(int status, String type, String title, String detail, List<FieldError> errors) {
        super(ClientText.echo(detail, MAX_DETAIL), null, false, false); // no stack trace: an answer, not a bug
        this.status = status;
        this.type = type;
        this.title = title;
        this.errors = List.copyOf(errors.size() <= MAX_ERRORS ? errors : errors.subList(0, MAX_ERRORS));
    }

    /** 400 with one entry per bad field (the first {@value #MAX_ERRORS}): fixing those fields fixes the request. */
    public static ProblemException invalid(List<FieldError> errors) {
        return invalid(errors, errors.size());
    }

    /** As {@link #invalid(List)}, when only the first of {@code total} errors were kept. */
    public static ProblemException invalid(List<FieldError> errors, int total) {
        String detail = total <= MAX_ERRORS
                ? "The request has " + total + " invalid field(s); see errors."
                : "The request has " + total + " invalid fields; errors lists the first " + MAX_ERRORS + ".";
        return new ProblemException(400, "/problems/validation-failed", "Invalid request", detail, errors);
    }

    public static ProblemException invalid(String field, String message) {
        return invalid(List.of(new FieldError(field, message)));
    }

    public static ProblemException notFound(String detail) {
        return new ProblemException(404, "about:blank", "Not Found", detail, List.of());
    }

    /** Adds a header to the answer (Retry-After, WWW-Authenticate); returns this, to throw it. */
    public ProblemException withHeader(String name, String value) {
        headers.put(name, value);
        return this;
    }

    public Map<String, String> headers() {
        return Map.copyOf(headers);
    }

    public int status() {
        return status;
    }

    public String type() {
        return type;
    }

    public String title() {
        return title;
    }

    public List<FieldError> errors() {
        return errors;
    }
}
