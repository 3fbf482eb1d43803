package dev.roundtrip.notes;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.roundtrip.App;
import dev.roundtrip.Config;
import dev.roundtrip.TestSessions;
import dev.roundtrip.db.PostgresServer;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Search and paging give the same answers on both stores: the same notes, written in the same order to an app on
 * SQLite and one on PostgreSQL, then the same queries to both. Only the timestamps may differ (they are when each
 * store got its copy). The two engines' search SQL differs (NoteSearch); what users see must not.
 */
class StoreParityTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final List<Map<String, Object>> NOTES = List.of(
            Map.of("title", "요청을 받고 응답하기", "body", "서버는 요청이 도착한걸 인지한다", "tags", List.of("http")),
            Map.of("title", "데이터 저장", "body", "SQLite에 저장하고 응답을 돌려준다", "tags", List.of("db")),
            Map.of("title", "Nginx in front", "body", "The reverse proxy terminates TLS; NGINX buffers slow clients.",
                    "tags", List.of("nginx", "http")),
            Map.of("title", "100% sure", "body", "a_b and a-b are different words"),
            Map.of("title", "Operators are text", "body", "AND OR NOT NEAR \"quoted\" * title:x are searched as typed"),
            Map.of("title", "Keep-alive", "body", "Upstream keep-alive saves a TCP handshake per request.", "tags", List.of("nginx")),
            Map.of("title", "WAL", "body", "Write-ahead logging: readers never block the writer.", "tags", List.of("db")),
            Map.of("title", "Pagination", "body", "Keyset cursors never skip or repeat a note."));
    private static final List<String> QUERIES = List.of("?limit=3", "?tag=nginx", "?tag=db&limit=1", "?q=요청", "?q=요청을",
            "?q=응답", "?q=저장", "?q=nginx", "?q=NGINX", "?q=Nginx%20TLS", "?q=keep-alive", "?q=alive%20request", "?q=a",
            "?q=ab", "?q=a_b", "?q=0%25", "?q=%22quoted%22", "?q=AND", "?q=title:x", "?q=*", "?q=never", "?q=never&limit=1",
            "?q=http&tag=http", "?q=nothing-like-this", "?q=wal%20db");

    @TempDir
    Path dataDir;

    @Test
    void everyQueryFindsTheSameNotesInTheSameOrderOnBothStores() throws Exception {
        App sqlite = App.create(Config.fromEnv(Map.of("APP_PORT", "0", "METRICS_PORT", "0", "DATA_DIR", dataDir.toString()))).start();
        Config.Postgres database = PostgresServer.shared().newDatabase();
        App postgres = App.create(Config.fromEnv(Map.of("APP_PORT", "0", "METRICS_PORT", "0", "DATA_DIR", dataDir.toString(),
                "DATABASE_URL", database.url()))).start();
        try {
            String onSqlite = TestSessions.signIn(sqlite.port());
            String onPostgres = TestSessions.signIn(postgres.port()); // the same user name: "owner" is the same on both
            for (Map<String, Object> note : NOTES) {
                String body = JSON.writeValueAsString(note);
                assertEquals(201, post(sqlite, onSqlite, body).statusCode());
                assertEquals(201, post(postgres, onPostgres, body).statusCode());
            }
            int nonEmpty = 0;
            for (String query : QUERIES) {
                List<String> pagesOnSqlite = allPages(sqlite, query);
                assertEquals(pagesOnSqlite, allPages(postgres, query), "GET /api/notes" + query);
                nonEmpty += pagesOnSqlite.get(0).equals("[]") ? 0 : 1;
            }
            assertTrue(nonEmpty >= 18, "most queries find something, so the comparison means something: " + nonEmpty);
        } finally {
            sqlite.stop();
            postgres.stop();
        }
    }

    /** Every page of a query, following nextCursor, each as its items without the timestamps. */
    private static List<String> allPages(App app, String query) throws Exception {
        List<String> pages = new ArrayList<>();
        String next = query;
        while (next != null) {
            HttpResponse<String> res = HTTP.send(HttpRequest.newBuilder(URI.create(url(app, "/api/notes" + next))).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(200, res.statusCode(), query + ": " + res.body());
            JsonNode page = JSON.readTree(res.body());
            for (JsonNode item : page.get("items")) {
                ((com.fasterxml.jackson.databind.node.ObjectNode) item).remove(List.of("createdAt", "updatedAt"));
            }
            pages.add(page.get("items").toString());
            next = page.get("nextCursor").isNull() ? null
                    : query + "&cursor=" + URLEncoder.encode(page.get("nextCursor").asText(), StandardCharsets.UTF_8);
        }
        return pages;
    }

    private static HttpResponse<String> post(App app, String authorization, String body) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(url(app, "/api/notes"))).header("Content-Type", "application/json")
                .header("Authorization", authorization).POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static String url(App app, String path) {
        return "http://127.0.0.1:" + app.port() + path;
    }
}
