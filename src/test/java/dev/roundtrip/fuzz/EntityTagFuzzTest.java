package dev.roundtrip.fuzz;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.DictionaryEntries;
import com.code_intelligence.jazzer.junit.FuzzTest;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;

/**
 * Any bytes as If-Match on PUT and DELETE and as If-None-Match on GET of an existing note. The last byte of an
 * input picks the request (0: PUT, 1: DELETE, 2: GET, modulo 3); the rest is the header's value, with line
 * breaks turned into spaces so it stays one header (a bare CR stays: Jetty must refuse it with a 4xx).
 */
@Tag("hostile")
class EntityTagFuzzTest {

    private static final String NOTE = "{\"title\":\"conditional\",\"body\":\"b\",\"tags\":[]}";
    private static FuzzedApp app;
    private static long noteId;

    @BeforeAll
    static void startApp() throws Exception {
        app = FuzzedApp.start();
        noteId = app.createNote(NOTE);
    }

    @AfterAll
    static void stopApp() throws Exception {
        app.close();
    }

    @FuzzTest
    @DictionaryEntries({"\"1.1\"", "W/\"1.1\"", "*", ", ", "\"", "W/", "\"1.", "\"2.1\""})
    void anyEntityTagListIsAnsweredWithoutServerErrorAndRefusalsWriteNothing(FuzzedDataProvider data) throws Exception {
        int request = data.consumeInt(0, 2);
        byte[] value = data.consumeRemainingAsBytes();
        String method = new String[] {"PUT", "DELETE", "GET"}[request];
        String header = request == 2 ? "If-None-Match" : "If-Match";
        String path = "/api/notes/" + noteId;
        String input = method + " " + path + " with " + header + ": " + FuzzedApp.describe(value);

        String before = app.fingerprint();
        byte[] headers = RawHttp.headerLine(header, value);
        if (request == 0) {
            headers = concat(headers, RawHttp.headerLine("Content-Type", "application/json"));
        }
        RawHttp.Answer answer = app.http.send(method, FuzzedApp.bytes(path), request == 2 ? headers : app.withSession(headers),
                request == 0 ? FuzzedApp.bytes(NOTE) : null);
        FuzzedApp.check(answer, input);
        FuzzedApp.checkUnchanged(answer, input, before, app.fingerprint());

        if (request == 1 && answer.status() == 204) { // the fuzzer matched the ETag: the next input needs a note again
            noteId = app.createNote(app.http, NOTE);
        }
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] both = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, both, a.length, b.length);
        return both;
    }
}
