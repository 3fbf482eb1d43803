package dev.roundtrip.accounts;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.roundtrip.http.FieldErrors;
import java.nio.charset.StandardCharsets;
import java.text.Normalizer;
import java.util.Iterator;
import java.util.Set;

/**
 * A username and a password from a request body, checked field by field. Passwords: any Unicode but control
 * characters, normalized with NFKC (the same password typed on two keyboards is the same bytes, as NIST SP 800-63B
 * asks), 8–256 characters and at most 1 024 UTF-8 bytes. The upper bound is not about the hash (Argon2 costs the
 * same for any length) but about the request: a 1 MB "password" would be read, normalized and kept in memory.
 */
record Credentials(Username username, String password) {

    static final int MIN_PASSWORD = 8;
    static final int MAX_PASSWORD = 256;
    static final int MAX_PASSWORD_BYTES = 1024;

    /** For registration: every rule applies. */
    static Credentials forRegistration(ObjectNode json) {
        return parse(json, "username", "password", true);
    }

    /** For log-in: the same bounds, but a password shorter than today's minimum is simply a wrong one. */
    static Credentials forLogin(ObjectNode json) {
        return parse(json, "username", "password", false);
    }

    private static Credentials parse(ObjectNode json, String userField, String passwordField, boolean newPassword) {
        FieldErrors errors = new FieldErrors();
        String name = text(json.get(userField), userField, errors);
        Username username = name == null ? null : Username.parse(name, errors); // text() has said what is wrong
        String password = password(json.get(passwordField), passwordField, newPassword, errors);
        unknownFields(json, Set.of(userField, passwordField), errors);
        errors.throwIfAny();
        return new Credentials(username, password);
    }

    /** A password field: null with an entry in {@code errors} when it breaks a rule. */
    static String password(JsonNode node, String field, boolean newPassword, FieldErrors errors) {
        String raw = text(node, field, errors);
        if (raw == null) {
            return null;
        }
        if (raw.length() > MAX_PASSWORD_BYTES) {
            errors.add(field, "must be at most " + MAX_PASSWORD + " characters");
            return null;
        }
        String password = Normalizer.normalize(raw, Normalizer.Form.NFKC);
        int length = password.codePointCount(0, password.length());
        if (length > MAX_PASSWORD || password.getBytes(StandardCharsets.UTF_8).length > MAX_PASSWORD_BYTES) {
            errors.add(field, "must be at most " + MAX_PASSWORD + " characters (" + MAX_PASSWORD_BYTES + " bytes in UTF-8)");
            return null;
        }
        if (password.isEmpty() || (newPassword && length < MIN_PASSWORD)) {
            errors.add(field, "must be at least " + (newPassword ? MIN_PASSWORD : 1) + " characters");
            return null;
        }
        if (password.codePoints().anyMatch(Character::isISOControl)) {
            errors.add(field, "must not contain control characters");
            return null;
        }
        if (password.codePoints().anyMatch(c -> Character.getType(c) == Character.SURROGATE)) {
            errors.add(field, "must be valid Unicode (it holds half of a UTF-16 surrogate pair)");
            return null; // such a string has no UTF-8 form, and the hash works on UTF-8 bytes
        }
        return password;
    }

    static String text(JsonNode node, String field, FieldErrors errors) {
        if (node == null || node.isNull()) {
            errors.add(field, "is required");
            return null;
        }
        if (!node.isTextual()) {
            errors.add(field, "must be a string");
            return null;
        }
        return node.textValue();
    }

    static void unknownFields(ObjectNode json, Set<String> known, FieldErrors errors) {
        for (Iterator<String> names = json.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (!known.contains(name)) {
                errors.add(name, "is not a known field (expected " + String.join(", ", known.stream().sorted().toList()) + ")");
            }
        }
    }
}
