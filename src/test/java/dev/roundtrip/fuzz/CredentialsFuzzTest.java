package dev.roundtrip.fuzz;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.DictionaryEntries;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.ByteArrayOutputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;

/**
 * Any bytes as the credentials of a write: the Authorization header, the session cookie, or both, on POST
 * /api/notes with a valid body. No fuzzed value is a session, so every answer must be a 4xx problem (401, or 400
 * for bytes the HTTP parser refuses) and nothing may be written. The last byte picks which headers are sent
 * (0: Authorization, 1: Cookie, 2: both, modulo 3); the rest is split between them.
 */
@Tag("hostile")
class CredentialsFuzzTest {

    private static final byte[] NOTE = FuzzedApp.bytes("{\"title\":\"written with fuzzed credentials\"}");
    private static FuzzedApp app;

    @BeforeAll
    static void startApp() throws Exception {
        app = FuzzedApp.start();
    }

    @AfterAll
    static void stopApp() throws Exception {
        app.close();
    }

    @FuzzTest
    @DictionaryEntries({"Bearer ", "bearer ", "Basic ", "Bearer  ", "__Host-roundtrip-session=", "; ", "=",
        "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "-_", "%00", "\\u0000"})
    void anyCredentialsOnAWriteAreRefusedWithoutServerErrorAndWriteNothing(FuzzedDataProvider data) throws Exception {
        int which = data.consumeInt(0, 2);
        byte[] authorization = data.consumeBytes(data.remainingBytes() / 2);
        byte[] cookie = data.consumeRemainingAsBytes();
        ByteArrayOutputStream headers = new ByteArrayOutputStream();
        headers.writeBytes(RawHttp.headerLine("Content-Type", "application/json"));
        if (which != 1) {
            headers.writeBytes(RawHttp.headerLine("Authorization", authorization));
        }
        if (which != 0) {
            headers.writeBytes(RawHttp.headerLine("Cookie", cookie));
        }
        String input = "POST /api/notes with headers\n" + FuzzedApp.describe(headers.toByteArray());

        String before = app.fingerprint();
        RawHttp.Answer answer = app.http.send("POST", FuzzedApp.bytes("/api/notes"), headers.toByteArray(), NOTE);
        FuzzedApp.check(answer, input);
        FuzzedApp.checkUnchanged(answer, input, before, app.fingerprint());
        if (answer.status() < 400) {
            throw new AssertionError("fuzzed credentials were accepted (" + answer.status() + ") for " + input);
        }
    }
}
