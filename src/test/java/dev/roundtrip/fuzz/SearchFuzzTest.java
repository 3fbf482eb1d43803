package dev.roundtrip.fuzz;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.DictionaryEntries;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;

/**
 * Any text as the search terms q of GET /api/notes, correctly percent-encoded so that it reaches the search
 * itself: words, quotes, FTS5 operators, NUL and control characters, very short words, Korean.
 */
@Tag("hostile")
class SearchFuzzTest {

    private static FuzzedApp app;

    @BeforeAll
    static void startApp() throws Exception {
        app = FuzzedApp.start();
        app.createNote("{\"title\":\"Nginx in front\",\"body\":\"keep-alive to the app, gzip at the edge\",\"tags\":[\"edge\"]}");
        app.createNote("{\"title\":\"한국어 메모\",\"body\":\"검색은 두 글자 단어도 찾는다\",\"tags\":[\"ko\"]}");
        app.createNote("{\"title\":\"SQLite WAL\",\"body\":\"one writer, many readers\",\"tags\":[]}");
    }

    @AfterAll
    static void stopApp() throws Exception {
        app.close();
    }

    @FuzzTest
    @DictionaryEntries({"\"", "*", "NEAR(", "AND", "OR", "NOT", "^", ":", "title:", "(", ")", "\u0000", "메모", "ab ", "-", "+"})
    void anySearchTermsAreAnsweredWithoutServerError(FuzzedDataProvider data) throws Exception {
        String q = data.consumeRemainingAsString();
        String target = "/api/notes?q=" + percentEncoded(q);
        String input = "GET " + target;

        String before = app.fingerprint();
        RawHttp.Answer answer = app.http.send("GET", FuzzedApp.bytes(target), new byte[0], null);
        FuzzedApp.check(answer, input);
        FuzzedApp.checkUnchanged(answer, input, before, app.fingerprint());
        if (answer.status() != 200 && answer.status() != 400) {
            throw new AssertionError("a search answers 200 or 400, not " + answer.status() + ", for " + input);
        }
    }

    /** Every byte but the unreserved ones as %XX (RFC 3986), so the server's decoder sees exactly {@code text}. */
    static String percentEncoded(String text) {
        StringBuilder out = new StringBuilder();
        for (byte b : text.getBytes(StandardCharsets.UTF_8)) {
            char c = (char) (b & 0xff);
            if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || "-._~".indexOf(c) >= 0) {
                out.append(c);
            } else {
                out.append(String.format("%%%02X", b & 0xff));
            }
        }
        return out.toString();
    }
}
