package dev.roundtrip.http;

import java.util.ArrayList;
import java.util.List;

/**
 * Collects the field errors of one request, keeping only the first {@link ProblemException#MAX_ERRORS} and
 * counting the rest: a body with 90 000 bad fields costs a counter, not 90 000 objects.
 */
public final class FieldErrors {

    private final List<FieldError> first = new ArrayList<>();
    private int count;

    public void add(String field, String message) {
        count++;
        if (first.size() < ProblemException.MAX_ERRORS) {
            first.add(new FieldError(field, message));
        }
    }

    public boolean isEmpty() {
        return count == 0;
    }

    /** Throws the 400 problem listing the errors, if there are any. */
    public void throwIfAny() {
        if (count > 0) {
            throw ProblemException.invalid(first, count);
        }
    }
}
