package dev.roundtrip.notes;

import static dev.roundtrip.TestApps.json;
import static dev.roundtrip.TestApps.postJson;
import static dev.roundtrip.TestApps.send;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.roundtrip.TestApps;
import io.javalin.testtools.HttpClient;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NoteListTest {

    @TempDir
    Path dataDir;

    @Test
    void pagesCoverEveryNoteOnceNewestFirst() {
        TestApps.run(dataDir, (server, client) -> {
            List<Long> created = createNotes(client, 45);
            List<Long> seen = new ArrayList<>();
            String cursor = null;
            int pages = 0;
            do {
                JsonNode page = json(client.get("/api/notes?limit=20" + (cursor == null ? "" : "&cursor=" + cursor)));
                page.get("items").forEach(item -> seen.add(item.get("id").asLong()));
                cursor = page.get("nextCursor").isNull() ? null : page.get("nextCursor").asText();
                pages++;
            } while (cursor != null);
            assertEquals(3, pages);
            assertEquals(newestFirst(created), seen);
        });
    }

    @Test
    void writesBetweenPagesCauseNoDuplicatesOrGaps() {
        TestApps.run(dataDir, (server, client) -> {
            List<Long> created = createNotes(client, 10);
            JsonNode first = json(client.get("/api/notes?limit=4"));
            createNotes(client, 3); // newer notes land before the cursor, not on later pages
            JsonNode second = json(client.get("/api/notes?limit=4&cursor=" + first.get("nextCursor").asText()));
            List<Long> ids = new ArrayList<>();
            first.get("items").forEach(i -> ids.add(i.get("id").asLong()));
            second.get("items").forEach(i -> ids.add(i.get("id").asLong()));
            assertEquals(newestFirst(created).subList(0, 8), ids);
        });
    }

    @Test
    void defaultLimitIs20() {
        TestApps.run(dataDir, (server, client) -> {
            createNotes(client, 25);
            assertEquals(20, json(client.get("/api/notes")).get("items").size());
        });
    }

    @Test
    void tagFiltersTheList() {
        TestApps.run(dataDir, (server, client) -> {
            postJson(client, "/api/notes", "{\"title\":\"a\",\"tags\":[\"nginx\",\"http\"]}");
            postJson(client, "/api/notes", "{\"title\":\"b\",\"tags\":[\"sqlite\"]}");
            postJson(client, "/api/notes", "{\"title\":\"c\",\"tags\":[\"http\"]}");
            assertEquals(List.of("c", "a"), titles(json(client.get("/api/notes?tag=http"))));
            assertEquals(List.of("b"), titles(json(client.get("/api/notes?tag=sqlite"))));
            assertEquals(List.of(), titles(json(client.get("/api/notes?tag=none"))));
        });
    }

    @Test
    void fullTextSearchFindsWordsInTitleOrBody() {
        TestApps.run(dataDir, (server, client) -> {
            postJson(client, "/api/notes", "{\"title\":\"Reverse proxy\",\"body\":\"Nginx terminates TLS\"}");
            postJson(client, "/api/notes", "{\"title\":\"Storage\",\"body\":\"SQLite in WAL mode\"}");
            postJson(client, "/api/notes", "{\"title\":\"서버 소켓\",\"body\":\"listening socket on port 8000\"}");
            assertEquals(List.of("Reverse proxy"), search(client, "nginx"));
            assertEquals(List.of("Storage"), search(client, "wal sqlite"));
            assertEquals(List.of(), search(client, "nginx sqlite")); // every word must match
            assertEquals(List.of("서버 소켓"), search(client, "소켓"));
            assertEquals(List.of("Reverse proxy"), search(client, "tls"));
            // FTS5 operators and quotes are searched as text, never a syntax error
            assertEquals(List.of(), search(client, "\"unbalanced AND NEAR( * -"));
        });
    }

    @Test
    void koreanSearchFindsWordsWithParticlesAttached() {
        TestApps.run(dataDir, (server, client) -> {
            postJson(client, "/api/notes", "{\"title\":\"요청을 받고 응답하기\",\"body\":\"서버는 요청이 도착한걸 인지한다\"}");
            postJson(client, "/api/notes", "{\"title\":\"데이터 저장\",\"body\":\"SQLite에 저장하고 응답을 돌려준다\"}");
            assertEquals(List.of("요청을 받고 응답하기"), search(client, "요청"));       // 2 characters: 요청을, 요청이
            assertEquals(List.of("데이터 저장", "요청을 받고 응답하기"), search(client, "응답"));
            assertEquals(List.of("요청을 받고 응답하기"), search(client, "도착한걸"));   // trigram index
            assertEquals(List.of("데이터 저장"), search(client, "sqlite 저장"));        // mixed scripts, both words
            assertEquals(List.of(), search(client, "요청 SQLite"));
        });
    }

    @Test
    void shortWordsAreSearchedLiterallyNotAsWildcards() {
        TestApps.run(dataDir, (server, client) -> {
            postJson(client, "/api/notes", "{\"title\":\"100% sure\"}");
            postJson(client, "/api/notes", "{\"title\":\"a_b\"}");
            postJson(client, "/api/notes", "{\"title\":\"plain\"}");
            assertEquals(List.of("100% sure"), search(client, "0%"));
            assertEquals(List.of("a_b"), search(client, "_"));
            assertEquals(List.of("plain", "a_b"), search(client, "A"));   // case-insensitive, anywhere; newest first
        });
    }

    @Test
    void searchFollowsUpdatesAndDeletes() {
        TestApps.run(dataDir, (server, client) -> {
            String path = TestApps.header(postJson(client, "/api/notes", "{\"title\":\"alpha\"}"), "Location");
            TestApps.putJson(client, path, "{\"title\":\"beta\"}");
            assertEquals(List.of(), search(client, "alpha"));
            assertEquals(List.of("beta"), search(client, "beta"));
            send(client, "DELETE", path, null);
            assertEquals(List.of(), search(client, "beta"));
        });
    }

    @Test
    void badListParametersAre400WithOneErrorEach() {
        TestApps.run(dataDir, (server, client) -> {
            for (String query : new String[] {"limit=0", "limit=101", "limit=100000", "limit=ten", "cursor=forged",
                    "cursor=YWZ0ZXI6LTE", "tag=NOT%20A%20TAG", "q=%20%20"}) {
                var res = client.get("/api/notes?" + query);
                assertEquals(400, res.code(), query);
                assertEquals(1, json(res).get("errors").size(), query);
            }
            JsonNode both = json(client.get("/api/notes?limit=0&cursor=x"));
            assertEquals(2, both.get("errors").size());
        });
    }

    @Test
    void aSearchWordOfTheLongestAllowedLengthIsSearched() {
        TestApps.run(dataDir, (server, client) -> {
            String word = "😀".repeat(SearchTerms.MAX_WORD); // characters, not UTF-16 units (128) or bytes
            postJson(client, "/api/notes", "{\"title\":\"" + word + "\"}");
            assertEquals(1, json(client.get("/api/notes?q=" + URLEncoder.encode(word, StandardCharsets.UTF_8))).get("items").size());
        });
    }

    @Test
    void hostileSearchCursorAndLimitValuesAre400NamingTheirField() {
        TestApps.run(dataDir, (server, client) -> {
            Map<String, String> cases = new LinkedHashMap<>();
            cases.put("q=%00", "q");
            cases.put("q=note%00", "q");
            cases.put("q=%01note", "q");
            cases.put("q=no%7Fte", "q");
            cases.put("q=" + "word+".repeat(SearchTerms.MAX_WORDS + 1), "q");
            cases.put("q=" + "ab+".repeat(SearchTerms.MAX_SHORT_WORDS + 1), "q");
            cases.put("q=" + "a".repeat(SearchTerms.MAX_WORD + 1), "q"); // a long phrase on repetitive text costs a core
            cases.put("q=%C2%A0", "q"); // only a no-break space: no word at all
            cases.put("cursor=" + "A".repeat(4 * 1024), "cursor"); // a 40 KiB one is Jetty's 414 before it reaches us
            cases.put("cursor=!!!!", "cursor");
            cases.put("cursor=" + cursorOf("after:-5"), "cursor");
            cases.put("cursor=" + cursorOf("after:0"), "cursor");
            cases.put("cursor=" + cursorOf("after:99999999999999999999"), "cursor");
            cases.put("limit=99999999999999999999", "limit");
            cases.put("limit=-1", "limit");
            cases.forEach((query, field) -> {
                var res = client.get("/api/notes?" + query);
                JsonNode body = json(res);
                String label = query.length() > 60 ? query.substring(0, 60) + "…" : query;
                assertEquals(400, res.code(), label);
                assertEquals(field, body.get("errors").get(0).get("field").asText(), label);
                assertTrue(body.toString().length() < 1_000, "a small answer: " + label);
            });
        });
    }

    @Test
    void aSearchAtTheWordLimitsIsAnswered() {
        TestApps.run(dataDir, (server, client) -> {
            postJson(client, "/api/notes", "{\"title\":\"ab cd one two three four five six\"}");
            assertEquals(List.of("ab cd one two three four five six"), search(client, "ab cd one two three four five six"));
            assertEquals(List.of("ab cd one two three four five six"), search(client, "ab\u3000one")); // ideographic space splits
        });
    }

    private static String cursorOf(String text) {
        return java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(text.getBytes(StandardCharsets.US_ASCII));
    }

    private static List<Long> createNotes(HttpClient client, int count) {
        List<Long> ids = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            var res = postJson(client, "/api/notes", "{\"title\":\"note " + i + "\"}");
            assertEquals(201, res.code());
            ids.add(json(res).get("id").asLong());
        }
        return ids;
    }

    private static List<Long> newestFirst(List<Long> ids) {
        List<Long> copy = new ArrayList<>(ids);
        java.util.Collections.reverse(copy);
        return copy;
    }

    private static List<String> search(HttpClient client, String q) {
        var res = client.get("/api/notes?q=" + URLEncoder.encode(q, StandardCharsets.UTF_8));
        assertEquals(200, res.code(), q);
        return titles(json(res));
    }

    private static List<String> titles(JsonNode page) {
        List<String> titles = new ArrayList<>();
        page.get("items").forEach(i -> titles.add(i.get("title").asText()));
        assertTrue(page.has("nextCursor"));
        return titles;
    }
}
