package dev.roundtrip.fuzz;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.DictionaryEntries;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.ByteArrayOutputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;

/**
 * Any values in the headers Nginx sets for the app (proxy and edge headers) on GET /api/journey, called directly
 * as a client that bypasses the edge would. X-Edge-Msec is always sent (it is what makes the app read the rest);
 * each other header is present or not as the input says. Line breaks in values become spaces.
 */
@Tag("hostile")
class EdgeHeadersFuzzTest {

    static final String[] HEADERS = {"X-Real-IP", "X-Forwarded-Proto", "X-Request-ID", "X-Edge-Request-Time",
        "X-Edge-Connection-Requests", "X-Edge-Client-Port", "X-Edge-Port", "X-Forwarded-HTTP-Version",
        "X-Forwarded-TLS", "X-Edge-TLS-Cipher", "X-Edge-SNI", "X-Forwarded-For", "Forwarded"};
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
    @DictionaryEntries({"1e12", "-1e12", "NaN", "Infinity", "1.7976931348623157E308", "4.9e-324", "0x10", "1733076000.123",
        "127.0.0.1", "::1", "https", "HTTP/2.0", "TLSv1.3"})
    void anyEdgeHeadersAreAnsweredWithoutServerError(FuzzedDataProvider data) throws Exception {
        ByteArrayOutputStream headers = new ByteArrayOutputStream();
        headers.writeBytes(RawHttp.headerLine("X-Edge-Msec", data.consumeBytes(data.consumeInt(0, 64))));
        for (String name : HEADERS) {
            if (data.remainingBytes() > 0 && data.consumeBoolean()) {
                headers.writeBytes(RawHttp.headerLine(name, data.consumeBytes(data.consumeInt(0, 128))));
            }
        }
        String input = "GET /api/journey with headers\n" + FuzzedApp.describe(headers.toByteArray());

        String before = app.fingerprint();
        RawHttp.Answer answer = app.http.send("GET", FuzzedApp.bytes("/api/journey"), headers.toByteArray(), null);
        FuzzedApp.check(answer, input);
        FuzzedApp.checkUnchanged(answer, input, before, app.fingerprint());
    }
}
