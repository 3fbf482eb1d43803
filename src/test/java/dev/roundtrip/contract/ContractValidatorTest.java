package dev.roundtrip.contract;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The contract check itself must be able to fail: deliberately wrong responses are caught. */
class ContractValidatorTest {

    private static final ContractValidator CONTRACT = ContractValidator.PROJECT;
    private static final String NOTE = "{\"id\":1,\"title\":\"t\",\"body\":\"\",\"tags\":[\"a\"],"
            + "\"createdAt\":\"2026-11-25T12:00:00.000Z\",\"updatedAt\":\"2026-11-25T12:00:00.000Z\",\"version\":1,\"owner\":\"alice\"}";
    private static final Map<String, List<String>> NOTE_HEADERS = Map.of("content-type", List.of("application/json"),
            "x-request-id", List.of("abc"), "etag", List.of("\"1.1\""));

    @Test
    void aCorrectNoteResponsePasses() {
        assertEquals(List.of(), CONTRACT.validate("GET", "/api/notes/1", 200, NOTE_HEADERS, NOTE));
    }

    @Test
    void aNoteWithoutVersionOrWithAnExtraFieldFails() {
        String missing = NOTE.replace(",\"version\":1", "");
        assertFalse(CONTRACT.validate("GET", "/api/notes/1", 200, NOTE_HEADERS, missing).isEmpty());
        String extra = NOTE.replace("}", ",\"secret\":true}");
        assertFalse(CONTRACT.validate("GET", "/api/notes/1", 200, NOTE_HEADERS, extra).isEmpty());
        String wrongType = NOTE.replace("\"version\":1", "\"version\":\"1\"");
        assertFalse(CONTRACT.validate("GET", "/api/notes/1", 200, NOTE_HEADERS, wrongType).isEmpty());
    }

    @Test
    void missingRequiredHeadersAndUndocumentedStatusesFail() {
        var noEtag = Map.of("content-type", List.of("application/json"), "x-request-id", List.of("abc"));
        assertTrue(CONTRACT.validate("GET", "/api/notes/1", 200, noEtag, NOTE).toString().contains("ETag"));
        assertFalse(CONTRACT.validate("GET", "/api/notes/1", 418, NOTE_HEADERS, NOTE).isEmpty());
        assertFalse(CONTRACT.validate("GET", "/api/undocumented", 200, NOTE_HEADERS, NOTE).isEmpty());
    }

    @Test
    void problemsMustHaveTheProblemShape() {
        var headers = Map.of("content-type", List.of("application/problem+json"), "x-request-id", List.of("abc"));
        String problem = "{\"type\":\"about:blank\",\"title\":\"Not Found\",\"status\":404,\"detail\":\"d\","
                + "\"instance\":\"/api/notes/9\",\"requestId\":\"abc\",\"errors\":[]}";
        assertEquals(List.of(), CONTRACT.validate("GET", "/api/notes/9", 404, headers, problem));
        assertFalse(CONTRACT.validate("GET", "/api/notes/9", 404, headers, "{\"message\":\"not found\"}").isEmpty());
        var html = Map.of("content-type", List.of("text/html"), "x-request-id", List.of("abc"));
        assertFalse(CONTRACT.validate("GET", "/api/notes/9", 404, html, "<html></html>").isEmpty());
    }
}
