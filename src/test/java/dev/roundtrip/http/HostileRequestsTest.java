package dev.roundtrip.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.roundtrip.App;
import dev.roundtrip.TestApps;
import dev.roundtrip.TestSessions;
import io.javalin.testtools.JavalinTest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What a client straight on the app's port can send that java.net.http never would. */
class HostileRequestsTest {

    @TempDir
    Path dataDir;

    @Test
    void bodiesCutShortOrBrokenChunksAre4xxOrAClosedConnectionAndLogNoError() {
        App app = App.create(TestApps.config(dataDir));
        JavalinTest.test(app.javalin(), (server, client) -> {
            try (RawSocket.LogCapture log = new RawSocket.LogCapture()) {
                for (var c : brokenBodies(signedIn(client)).entrySet()) {
                    int status = RawSocket.status(server.port(), c.getValue());
                    assertTrue(status == 0 || (status >= 400 && status < 500), c.getKey() + ": " + status);
                }
                Thread.sleep(200); // a failure logged after the answer went out
                assertEquals(java.util.List.of(), log.errors());
            }
            assertEquals(0, TestApps.countRows(dataDir, "notes"));
        });
    }

    /** Signed in, so that the app reads these bodies rather than refusing them for want of a session. */
    private static Map<String, byte[][]> brokenBodies(String authorization) {
        Map<String, byte[][]> cases = new LinkedHashMap<>();
        String json = "Content-Type: application/json";
        cases.put("body cut short", parts(RawSocket.head("POST", "/api/notes", json, authorization, "Content-Length: 100"),
                ascii("{\"title\":")));
        cases.put("huge chunk size", parts(RawSocket.head("POST", "/api/notes", json, authorization, "Transfer-Encoding: chunked"),
                ascii("fffffffffffffffffff\r\n{}\r\n0\r\n\r\n")));
        cases.put("100 KB chunk extension", parts(RawSocket.head("POST", "/api/notes", json, authorization,
                "Transfer-Encoding: chunked"), ascii("2;" + "x".repeat(100_000) + "\r\n{}\r\n0\r\n\r\n")));
        cases.put("50 KB trailer", parts(RawSocket.head("POST", "/api/notes", json, authorization, "Transfer-Encoding: chunked"),
                ascii("2\r\n{}\r\n0\r\nX-Trailer: " + "y".repeat(50_000) + "\r\n\r\n")));
        cases.put("chunks cut short", parts(RawSocket.head("POST", "/api/notes", json, authorization, "Transfer-Encoding: chunked"),
                ascii("40\r\n{\"title\":")));
        cases.put("100-continue, then gone", parts(RawSocket.head("POST", "/api/notes", json, authorization,
                "Expect: 100-continue", "Content-Length: 2000000")));
        return cases;
    }

    @Test
    void twoContentTypeHeadersAre400() throws Exception {
        App app = App.create(TestApps.config(dataDir));
        JavalinTest.test(app.javalin(), (server, client) -> {
            String answer = RawSocket.exchange(server.port(), 15_000, RawSocket.head("POST", "/api/notes", signedIn(client),
                    "Content-Type: application/json", "Content-Type: text/plain", "Content-Length: 16"), ascii("{\"title\":\"two\"}"));
            assertTrue(answer.startsWith("HTTP/1.1 400 "), answer);
            assertTrue(answer.contains("\"field\":\"Content-Type\""), answer);
            assertEquals(0, TestApps.countRows(dataDir, "notes"));
        });
    }

    @Test
    void aJsonBodyInUtf16OrUtf32Is400WhileAUtf8BomIsIgnored() {
        String note = "{\"title\":\"wide\"}";
        Map<String, byte[]> wide = new LinkedHashMap<>();
        for (String charset : new String[] {"UTF-16BE", "UTF-16LE", "UTF-32BE", "UTF-32LE"}) {
            wide.put(charset, note.getBytes(java.nio.charset.Charset.forName(charset)));
            wide.put(charset + " with BOM", ("\uFEFF" + note).getBytes(java.nio.charset.Charset.forName(charset)));
        }
        wide.put("UTF-16 (Java's, with BOM)", note.getBytes(StandardCharsets.UTF_16));
        App app = App.create(TestApps.config(dataDir));
        JavalinTest.test(app.javalin(), (server, client) -> {
            String authorization = signedIn(client);
            for (var c : wide.entrySet()) {
                String answer = RawSocket.exchange(server.port(), 15_000, RawSocket.head("POST", "/api/notes", authorization,
                        "Content-Type: application/json", "Content-Length: " + c.getValue().length), c.getValue());
                assertTrue(answer.startsWith("HTTP/1.1 400 "), c.getKey() + ": " + answer);
                assertTrue(answer.contains("/problems/malformed-json") && answer.contains("must be UTF-8"), c.getKey() + ": " + answer);
            }
            assertEquals(0, TestApps.countRows(dataDir, "notes"));
            byte[] bom = ("\uFEFF" + note).getBytes(StandardCharsets.UTF_8);
            String answer = RawSocket.exchange(server.port(), 15_000, RawSocket.head("POST", "/api/notes", authorization,
                    "Content-Type: application/json", "Content-Length: " + bom.length), bom);
            assertTrue(answer.startsWith("HTTP/1.1 201 "), answer); // RFC 8259 §8.1: a parser may ignore it
        });
    }

    /** The header line of the default user's session on the app behind {@code client}. */
    static String signedIn(io.javalin.testtools.HttpClient client) {
        return "Authorization: " + TestSessions.bearer(client);
    }

    static byte[][] parts(byte[]... parts) {
        return parts;
    }

    static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }
}
