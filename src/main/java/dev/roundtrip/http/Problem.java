package dev.roundtrip.http;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;

/**
 * The body of every error answer: RFC 9457 "Problem Details for HTTP APIs", plus the request id
 * (so a user can quote it and an operator can grep the logs for it) and the per-field errors.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Problem(String type, String title, int status, String detail, String instance, String requestId,
                      List<FieldError> errors) {

    public static final String CONTENT_TYPE = "application/problem+json";
}
