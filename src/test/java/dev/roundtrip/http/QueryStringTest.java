package dev.roundtrip.http;

import static dev.roundtrip.TestApps.postJson;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.roundtrip.App;
import dev.roundtrip.TestApps;
import io.javalin.testtools.JavalinTest;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class QueryStringTest {

    @TempDir
    Path dataDir;

    @Test
    void aQueryStringThatIsNotPercentEncodedUtf8Is400NamingTheParameter() {
        Map<String, String> fieldOf = Map.of("q=%", "q", "q=a%2", "q", "q=%zz", "q", "q=%e2%82", "q", "q=%ff", "q",
                "q=%ed%a0%80", "q", "%=1", "query", "%", "query", "tag=a&q=%c3", "q", "=%", "query");
        App app = App.create(TestApps.config(dataDir));
        JavalinTest.test(app.javalin(), (server, client) -> {
            postJson(client, "/api/notes", "{\"title\":\"hidden unless asked for\"}");
            for (var c : fieldOf.entrySet()) {
                String answer = RawSocket.exchange(server.port(), 15_000, RawSocket.head("GET", "/api/notes?" + c.getKey()));
                assertTrue(answer.startsWith("HTTP/1.1 400 "), c.getKey() + ": " + answer);
                assertTrue(answer.contains("\"field\":\"" + c.getValue() + "\""), c.getKey() + ": " + answer);
            }
            String euro = RawSocket.exchange(server.port(), 15_000, RawSocket.head("GET", "/api/notes?q=%E2%82%AC+x"));
            assertTrue(euro.startsWith("HTTP/1.1 200 "), euro);
        });
    }

    @Test
    void wellFormedQueriesPassAndAnAbsentOneIsFine() {
        for (String ok : new String[] {null, "", "q=a+b", "q=%41%42", "q=%C3%A9t%C3%A9&limit=5", "a=b=c", "&&q=x", "%2525=%25"}) {
            QueryString.requireWellFormed(ok);
        }
        ProblemException e = assertThrows(ProblemException.class, () -> QueryString.requireWellFormed("x%41y=1&" + "a".repeat(100) + "=%"));
        assertEquals("a".repeat(FieldError.MAX_FIELD) + "…", e.errors().get(0).field());
    }
}
