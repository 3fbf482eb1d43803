package dev.roundtrip.fuzz;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.DictionaryEntries;
import com.code_intelligence.jazzer.junit.FuzzTest;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;

/**
 * Any bytes as the JSON body of POST /api/notes and PUT /api/notes/{id}. The last byte of an input picks the
 * method (odd: PUT), the rest is the body (Jazzer's FuzzedDataProvider takes numbers from the end).
 */
@Tag("hostile")
class NoteBodyFuzzTest {

    private static FuzzedApp app;
    private static long noteId;

    @BeforeAll
    static void startApp() throws Exception {
        app = FuzzedApp.start();
        noteId = app.createNote("{\"title\":\"the note PUT replaces\",\"body\":\"b\",\"tags\":[\"fuzz\"]}");
    }

    @AfterAll
    static void stopApp() throws Exception {
        app.close();
    }

    @FuzzTest
    @DictionaryEntries({"\"title\"", "\"body\"", "\"tags\"", "{\"title\":\"", "\\u0000", "\\ud800", "1e999", "[[[[", "null"})
    void anyJsonBodyIsAnsweredWithoutServerErrorAndRefusalsWriteNothing(FuzzedDataProvider data) throws Exception {
        boolean put = data.consumeBoolean();
        byte[] body = data.consumeRemainingAsBytes();
        String method = put ? "PUT" : "POST";
        String path = put ? "/api/notes/" + noteId : "/api/notes";
        String input = method + " " + path + " with body " + FuzzedApp.describe(body);

        String before = app.fingerprint();
        RawHttp.Answer answer = app.http.send(method, FuzzedApp.bytes(path),
                app.withSession(RawHttp.headerLine("Content-Type", "application/json")), body);
        FuzzedApp.check(answer, input);
        FuzzedApp.checkUnchanged(answer, input, before, app.fingerprint());

        if (answer.status() == 201) { // keep the store small: a fuzzing run creates thousands of valid notes
            String location = answer.header("Location");
            app.http.send("DELETE", FuzzedApp.bytes(location), app.withSession(new byte[0]), null);
        }
    }
}
