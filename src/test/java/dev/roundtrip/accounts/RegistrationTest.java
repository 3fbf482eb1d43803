package dev.roundtrip.accounts;

import static dev.roundtrip.accounts.Api.PASSWORD;
import static dev.roundtrip.accounts.Api.expect;
import static dev.roundtrip.accounts.Api.fields;
import static dev.roundtrip.accounts.Api.json;
import static dev.roundtrip.accounts.Api.type;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.roundtrip.TestApps;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Registration's bad input: each a 400 naming the field or a 409, and nothing stored (the tables are counted). */
class RegistrationTest {

    /** The one user every store starts with: the owner of notes from before accounts. */
    private static final long BUILT_IN = 1;

    @TempDir
    Path dir;

    @Test
    void overlongEmptyOrMissingUsernamesAndPasswordsAre400NamingTheFieldAndStoreNothing() {
        Api.withApp(dir, api -> {
            Map<String, String> cases = new TreeMap<>();
            cases.put(Api.credentials("a".repeat(33), PASSWORD), "username");
            cases.put(Api.credentials("a".repeat(5000), PASSWORD), "username");
            cases.put(Api.credentials("", PASSWORD), "username");
            cases.put(Api.credentials("ab", PASSWORD), "username");
            cases.put("{\"password\":\"" + PASSWORD + "\"}", "username");
            cases.put("{\"username\":42,\"password\":\"" + PASSWORD + "\"}", "username");
            cases.put(Api.credentials("lena", ""), "password");
            cases.put(Api.credentials("lena", "short"), "password");
            cases.put(Api.credentials("lena", "p".repeat(257)), "password");
            cases.put(Api.credentials("lena", "p".repeat(2_000)), "password"); // over 256, under the 8 KiB body bound
            cases.put(Api.credentials("lena", "bell\u0007inside"), "password");
            cases.put("{\"username\":\"lena\"}", "password");
            for (Map.Entry<String, String> c : cases.entrySet()) {
                HttpResponse<String> res = api.post("/api/users", c.getKey());
                assertEquals(400, res.statusCode(), abbreviated(c.getKey()) + " → " + res.body());
                assertEquals("/problems/validation-failed", type(res));
                assertEquals(List.of(c.getValue()), fields(res), abbreviated(c.getKey()));
            }
            HttpResponse<String> huge = expect(413, api.post("/api/users", Api.credentials("lena", "p".repeat(100_000))));
            assertEquals("Content Too Large", json(huge).get("title").asText()); // refused before it is read whole
            HttpResponse<String> both = expect(400, api.register("", ""));
            assertEquals(List.of("username", "password"), fields(both));
        });
        assertEquals(BUILT_IN, TestApps.countRows(dir, "users"));
    }

    @Test
    void usernamesEqualAfterNormalizationAreOneNameAndTheSecondIs409() {
        Api.withApp(dir, api -> {
            List<String[]> pairs = List.of(
                    new String[] {"\uFB01sh", "fish"},          // ﬁ ligature vs f i
                    new String[] {"\u00C9lan", "E\u0301lan"},   // É composed vs E + combining acute
                    new String[] {"Alice", "alice"},
                    new String[] {"bob", "\uFF42\uFF4F\uFF42"}); // full-width ｂｏｂ
            for (String[] pair : pairs) {
                expect(201, api.register(pair[0], PASSWORD));
                HttpResponse<String> again = api.register(pair[1], PASSWORD);
                assertEquals(409, again.statusCode(), pair[1] + " → " + again.body());
                assertEquals("/problems/username-taken", type(again));
            }
            assertEquals(BUILT_IN + pairs.size(), TestApps.countRows(dir, "users"));
        });
    }

    @Test
    void spacesInvisibleAndControlCharactersInAUsernameAre400() {
        Api.withApp(dir, api -> {
            for (String name : List.of("al ice", "al\u200Dice", "al\u200Bice", "al\u0007ice", "al\u0000ice", "al\tice",
                    "al\nice", "alice\u202E", "al/ice", "al@ice", " alice")) {
                HttpResponse<String> res = api.register(name, PASSWORD);
                assertEquals(400, res.statusCode(), name.codePoints().boxed().toList() + " → " + res.body());
                assertEquals(List.of("username"), fields(res));
            }
        });
        assertEquals(BUILT_IN, TestApps.countRows(dir, "users"));
    }

    /** Letters and marks that show nothing: "alice" with one of them looks like alice but would be another account. */
    @Test
    void aUsernameWithAnInvisibleLetterOrMarkIs400SoNoOneCanLookLikeSomeoneElse() {
        Api.withApp(dir, api -> {
            for (String name : List.of("alice\uFE0F", "ali\u034Fce", "alice\u3164", "\u3164\u3164\u3164", "alice\uFFA0",
                    "al\u115Fice", "alice\uDB40\uDD00", "\u0301\u0301\u0301")) {
                HttpResponse<String> res = api.register(name, PASSWORD);
                assertEquals(400, res.statusCode(), name.codePoints().boxed().toList() + " → " + res.body());
                assertEquals(List.of("username"), fields(res));
            }
        });
        assertEquals(BUILT_IN, TestApps.countRows(dir, "users"));
    }

    @Test
    void twentyRegistrationsOfOneNameAtOnceMakeExactlyOneAccount() throws Exception {
        Api.withApp(dir, api -> {
            ExecutorService pool = Executors.newFixedThreadPool(20);
            CountDownLatch start = new CountDownLatch(1);
            try {
                List<Future<HttpResponse<String>>> answers = new ArrayList<>();
                for (int i = 0; i < 20; i++) {
                    String name = i % 2 == 0 ? "racer" : "RACER";
                    answers.add(pool.submit(() -> {
                        start.await();
                        return api.register(name, PASSWORD);
                    }));
                }
                start.countDown();
                Map<Integer, Integer> statuses = new TreeMap<>();
                for (Future<HttpResponse<String>> answer : answers) {
                    HttpResponse<String> res = answer.get(5, TimeUnit.MINUTES);
                    statuses.merge(res.statusCode(), 1, Integer::sum);
                    if (res.statusCode() == 201) {
                        assertTrue(json(res).get("username").asText().equalsIgnoreCase("racer"));
                    }
                }
                assertEquals(Map.of(201, 1, 409, 19), statuses);
            } finally {
                pool.shutdownNow();
            }
        });
        assertEquals(BUILT_IN + 1, TestApps.countRows(dir, "users"));
    }

    private static String abbreviated(String text) {
        return text.length() > 80 ? text.substring(0, 80) + "…(" + text.length() + ")" : text;
    }
}
