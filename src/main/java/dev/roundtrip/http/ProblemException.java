package dev.roundtrip.http;

import java.util.List;

/**
 * Thrown by handlers (and by the input checks they call) to answer with an RFC 9457 problem.
 * {@link ProblemResponses} turns it into the {@code application/problem+json} body.
 */
public class ProblemException extends RuntimeException {

    private final int status;
    private final String type;
    private final String title;
    private final List<FieldError> errors;

    public ProblemException(int status, String type, String title, String detail, List<FieldError> errors) {
        super(detail, null, false, false); // no stack trace: this is an answer, not a bug
        this.status = status;
        this.type = type;
        this.title = title;
        this.errors = List.copyOf(errors);
    }

    /** 400 with one entry per bad field: the request can be fixed by changing those fields. */
    public static ProblemException invalid(List<FieldError> errors) {
        return new ProblemException(400, "/problems/validation-failed", "Invalid request",
                "The request has " + errors.size() + " invalid field(s); see errors.", errors);
    }

    public static ProblemException invalid(String field, String message) {
        return invalid(List.of(new FieldError(field, message)));
    }

    public static ProblemException notFound(String detail) {
        return new ProblemException(404, "about:blank", "Not Found", detail, List.of());
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
