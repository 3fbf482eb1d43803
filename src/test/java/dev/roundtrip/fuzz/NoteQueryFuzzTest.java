package dev.roundtrip.fuzz;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.DictionaryEntries;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.ByteArrayOutputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;

/**
 * Any bytes as the query string of GET /api/notes: limit, cursor, tag, q, repeated and unknown parameters,
 * percent-encoding and raw NUL. Only space, CR and LF are percent-encoded, so the request line stays one line.
 */
@Tag("hostile")
class NoteQueryFuzzTest {

    private static FuzzedApp app;

    @BeforeAll
    static void startApp() throws Exception {
        app = FuzzedApp.start();
        for (int i = 1; i <= 3; i++) {
            app.createNote("{\"title\":\"note " + i + "\",\"body\":\"a body\",\"tags\":[\"t" + i + "\"]}");
        }
    }

    @AfterAll
    static void stopApp() throws Exception {
        app.close();
    }

    @FuzzTest
    @DictionaryEntries({"limit=", "cursor=", "tag=", "q=", "&", "%00", "%", "%zz", "%ff", "%c0%80", "=", "100", "-1"})
    void anyQueryStringIsAnsweredWithoutServerError(FuzzedDataProvider data) throws Exception {
        byte[] query = data.consumeRemainingAsBytes();
        ByteArrayOutputStream target = new ByteArrayOutputStream(query.length + 16);
        target.writeBytes(FuzzedApp.bytes("/api/notes?"));
        for (byte b : query) {
            if (b == ' ' || b == '\r' || b == '\n') {
                target.writeBytes(FuzzedApp.bytes(String.format("%%%02X", b)));
            } else {
                target.write(b);
            }
        }
        String input = "GET " + FuzzedApp.describe(target.toByteArray());

        String before = app.fingerprint();
        RawHttp.Answer answer = app.http.send("GET", target.toByteArray(), new byte[0], null);
        FuzzedApp.check(answer, input);
        FuzzedApp.checkUnchanged(answer, input, before, app.fingerprint());
    }
}
