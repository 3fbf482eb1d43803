package dev.roundtrip.fuzz;

import static dev.roundtrip.fuzz.FuzzedApp.bytes;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.roundtrip.TestApps;
import java.io.ByteArrayOutputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The inputs of issue 17 that are too big to keep as corpus files, built here and checked with the fuzz tests'
 * property (no 5xx, a small problem+json with a request id, nothing written, answered within 5 s). Each is a
 * class of input, scaled past the example: the fix must hold for the class.
 */
@Tag("hostile")
class BigInputsTest {

    private static FuzzedApp app;
    private static long noteId;

    @BeforeAll
    static void startApp() throws Exception {
        app = FuzzedApp.start();
        noteId = app.createNote("{\"title\":\"an existing note\",\"body\":\"with a body\",\"tags\":[]}");
    }

    @AfterAll
    static void stopApp() throws Exception {
        app.close();
    }

    @Test
    void anIfMatchOfThirtyThousandSpacesBetweenTwoLettersIsAnsweredQuickly() throws Exception {
        String value = "x" + " ".repeat(30_000) + "x";
        assertRefused("DELETE", "/api/notes/999", RawHttp.headerLine("If-Match", value), null);
        assertRefused("DELETE", "/api/notes/" + noteId, RawHttp.headerLine("If-Match", value), null);
        assertRefused("GET", "/api/notes/" + noteId, RawHttp.headerLine("If-None-Match", value), null, 200);
    }

    @Test
    void jsonNestedTwoHundredThousandLevelsDeepIsABadRequest() throws Exception {
        assertBadJson("{\"title\":" + "[".repeat(200_000));
        assertBadJson("{\"title\":\"t\",\"body\":" + "{\"a\":".repeat(100_000));
    }

    @Test
    void aFieldNameOfNineHundredKilobytesIsABadRequest() throws Exception {
        assertBadJson("{\"" + "a".repeat(900_000) + "\":1}");
    }

    @Test
    void aNumberOfFiveThousandDigitsIsABadRequest() throws Exception {
        assertBadJson("{\"title\":" + "9".repeat(5_000) + "}");
        assertBadJson("{\"title\":\"t\",\"tags\":[1." + "1".repeat(5_000) + "]}");
    }

    @Test
    void ninetyTwoThousandUnknownFieldsGetASmallAnswer() throws Exception {
        StringBuilder json = new StringBuilder("{\"title\":\"t\"");
        for (int i = 0; i < 92_000; i++) {
            json.append(",\"f").append(i).append("\":1");
        }
        assertBadJson(json.append('}').toString());
    }

    @Test
    void searchTermsWithANulByteAreRefusedOrMatchNothing() throws Exception {
        for (String q : new String[] {"%00", "a%00", "nginx%00", "%00%00%00", "%22%00%22"}) {
            RawHttp.Answer answer = assertRefused("GET", "/api/notes?q=" + q, new byte[0], null, 200);
            if (answer.status() == 200) {
                JsonNode items = TestApps.JSON.readTree(answer.body()).get("items");
                assertEquals(0, items.size(), "q=" + q + " matched notes that hold no NUL: " + answer.bodyText(300));
            }
        }
    }

    @Test
    void aHundredTwoLetterWordsAreRefusedOrAnsweredQuickly() throws Exception {
        assertRefused("GET", "/api/notes?q=" + "ab+".repeat(100), new byte[0], null, 200);
        assertRefused("GET", "/api/notes?q=" + "a+".repeat(150), new byte[0], null, 200);
    }

    @Test
    void edgeTimesOutOfAnyRangeDoNotBreakTheJourney() throws Exception {
        for (String msec : new String[] {"1e12", "-1e12", "1e308", "NaN", "Infinity", "-Infinity", "9".repeat(400)}) {
            ByteArrayOutputStream headers = new ByteArrayOutputStream();
            headers.writeBytes(RawHttp.headerLine("X-Edge-Msec", msec));
            headers.writeBytes(RawHttp.headerLine("X-Edge-Request-Time", msec));
            headers.writeBytes(RawHttp.headerLine("X-Edge-Connection-Requests", msec));
            headers.writeBytes(RawHttp.headerLine("X-Edge-Client-Port", msec));
            assertRefused("GET", "/api/journey", headers.toByteArray(), null, 200);
        }
    }

    private static void assertBadJson(String json) throws Exception {
        RawHttp.Answer post = assertRefused("POST", "/api/notes", RawHttp.headerLine("Content-Type", "application/json"), bytes(json));
        assertEquals(400, post.status(), "POST " + FuzzedApp.describe(bytes(json)) + ": " + post.bodyText(300));
        RawHttp.Answer put = assertRefused("PUT", "/api/notes/" + noteId, RawHttp.headerLine("Content-Type", "application/json"), bytes(json));
        assertEquals(400, put.status(), "PUT " + FuzzedApp.describe(bytes(json)) + ": " + put.bodyText(300));
    }

    /** Sends the request, checks the property, and that the answer is a 4xx or one of {@code alsoFine}. */
    private static RawHttp.Answer assertRefused(String method, String path, byte[] headers, byte[] body, int... alsoFine)
            throws Exception {
        String input = method + " " + FuzzedApp.describe(bytes(path)) + " " + FuzzedApp.describe(headers);
        String before = app.fingerprint();
        // writes carry the session, so they are refused for what they are about, not for a missing log-in
        RawHttp.Answer answer = app.setupHttp.send(method, bytes(path), method.equals("GET") ? headers : app.withSession(headers), body);
        FuzzedApp.check(answer, input);
        FuzzedApp.checkUnchanged(answer, input, before, app.fingerprint());
        boolean fine = answer.status() >= 400 && answer.status() < 500;
        for (int status : alsoFine) {
            fine |= answer.status() == status;
        }
        assertTrue(fine, input + " answered " + answer.status());
        return answer;
    }
}
