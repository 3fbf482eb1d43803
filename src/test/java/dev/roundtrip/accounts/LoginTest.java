package dev.roundtrip.accounts;

import static dev.roundtrip.accounts.Api.PASSWORD;
import static dev.roundtrip.accounts.Api.expect;
import static dev.roundtrip.accounts.Api.header;
import static dev.roundtrip.accounts.Api.json;
import static dev.roundtrip.accounts.Api.type;
import static dev.roundtrip.accounts.Api.value;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.security.crypto.argon2.Argon2PasswordEncoder;

/** What a failed log-in tells (nothing about who exists), how it is throttled, and old hashes being redone. */
class LoginTest {

    private static final String TODAY = "$argon2id$v=19$m=19456,t=2,p=1$";

    @TempDir
    Path dir;

    @Test
    void anUnknownUserAndAWrongPasswordGetTheSameAnswerInAboutTheSameTime() {
        List<Long> unknown = new ArrayList<>();
        List<Long> wrong = new ArrayList<>();
        Api.withApp(dir, api -> {
            expect(201, api.register("henry", PASSWORD));
            expect(201, api.register("ivy", PASSWORD));
            api.logIn("warm-up", "whatever"); // the first of each kind pays for class loading
            api.logIn("henry", "not it at all");
            JsonNode unknownAnswer = null;
            JsonNode wrongAnswer = null;
            for (int i = 0; i < 6; i++) { // interleaved, each kind first in turn, so a burst of load hits both kinds
                String existing = i % 2 == 0 ? "henry" : "IVY"; // at most 4 failures each: below the throttle
                HttpResponse<String> a = null;
                HttpResponse<String> b = null;
                for (int kind = i % 2; kind < i % 2 + 2; kind++) {
                    long start = System.nanoTime();
                    if (kind % 2 == 0) {
                        a = expect(401, api.logIn("nobody-" + i, "not it at all"));
                        unknown.add(System.nanoTime() - start);
                    } else {
                        b = expect(401, api.logIn(existing, "not it either " + i));
                        wrong.add(System.nanoTime() - start);
                    }
                }
                assertEquals(header(a, "WWW-Authenticate"), header(b, "WWW-Authenticate"));
                assertEquals(header(a, "Content-Type"), header(b, "Content-Type"));
                unknownAnswer = withoutRequestId(json(a));
                wrongAnswer = withoutRequestId(json(b));
                assertEquals(unknownAnswer, wrongAnswer);
            }
            assertEquals("/problems/login-failed", unknownAnswer.get("type").asText());
        });
        double ratio = (double) median(unknown) / median(wrong);
        // printed after the app stops: JavalinTest captures what is printed while it runs
        System.out.printf("log-in failures: unknown user median %.1f ms %s, wrong password median %.1f ms %s, ratio %.2f%n",
                median(unknown) / 1e6, millis(unknown), median(wrong) / 1e6, millis(wrong), ratio);
        assertTrue(ratio > 0.5 && ratio < 2, "unknown/wrong time ratio " + ratio + " tells which names exist");
    }

    @Test
    void fiveWrongPasswordsThrottleThatNameEvenForTheRightPasswordAndNoOtherName() {
        Api.withApp(dir, api -> {
            expect(201, api.register("judy", PASSWORD));
            expect(201, api.register("kate", PASSWORD));
            for (int i = 0; i < 5; i++) {
                assertEquals("/problems/login-failed", type(expect(401, api.logIn(i % 2 == 0 ? "judy" : "JUDY", "wrong " + i))));
            }
            HttpResponse<String> throttled = expect(429, api.logIn("judy", PASSWORD));
            assertEquals("/problems/too-many-login-failures", type(throttled));
            int retryAfter = Integer.parseInt(header(throttled, "Retry-After"));
            assertTrue(retryAfter > 0 && retryAfter <= 15 * 60 + 1, "Retry-After " + retryAfter);
            expect(201, api.logIn("kate", PASSWORD));

            for (int i = 0; i < 5; i++) {
                expect(401, api.logIn("nobody-here", "wrong " + i));
            }
            HttpResponse<String> unknown = expect(429, api.logIn("nobody-here", PASSWORD));
            assertEquals(withoutSeconds(json(throttled)), withoutSeconds(json(unknown)), "the throttle names no one");
            assertTrue(header(unknown, "Retry-After") != null);
        });
    }

    /** A burst of guesses sent at once is counted like guesses sent one by one: at most five are tried. */
    @Test
    void twentyWrongPasswordsAtOnceTryAtMostFiveAndTheRestAre429() {
        Map<Integer, Integer> statuses = new TreeMap<>();
        Api.withApp(dir, api -> {
            expect(201, api.register("leo", PASSWORD));
            ExecutorService pool = Executors.newFixedThreadPool(20);
            CountDownLatch start = new CountDownLatch(1);
            try {
                List<Future<HttpResponse<String>>> answers = new ArrayList<>();
                for (int i = 0; i < 20; i++) {
                    String guess = "guess number " + i;
                    answers.add(pool.submit(() -> {
                        start.await();
                        return api.logIn("leo", guess);
                    }));
                }
                start.countDown();
                for (Future<HttpResponse<String>> answer : answers) {
                    statuses.merge(answer.get(5, TimeUnit.MINUTES).statusCode(), 1, Integer::sum);
                }
            } finally {
                pool.shutdownNow();
            }
        });
        System.out.println("20 wrong passwords at once: " + statuses);
        assertEquals(Set.of(401, 429), statuses.keySet(), statuses.toString());
        assertTrue(statuses.get(401) <= 5, "guesses tried: " + statuses);
    }

    @Test
    void aHashWithWeakerParametersIsRedoneAtLogInAndStillVerifies() {
        Api.withApp(dir, api -> {
            expect(201, api.register("ivan", PASSWORD));
            String weak = new Argon2PasswordEncoder(16, 32, 1, 4096, 1).encode(PASSWORD);
            Api.execute(dir, "UPDATE users SET password_hash = '" + weak + "' WHERE username = 'ivan'");
            expect(201, api.logIn("ivan", PASSWORD));
            String redone = value(dir, "SELECT password_hash FROM users WHERE username = 'ivan'");
            assertNotEquals(weak, redone);
            assertTrue(redone.startsWith(TODAY), redone);
            assertTrue(new Argon2PasswordEncoder(16, 32, 1, 19456, 2).matches(PASSWORD, redone));
            expect(201, api.logIn("ivan", PASSWORD));
            assertEquals(redone, value(dir, "SELECT password_hash FROM users WHERE username = 'ivan'"),
                    "a hash with today's parameters is not redone");
        });
    }

    /** The problem with its Retry-After figure blanked: the two windows began a few seconds apart. */
    private static JsonNode withoutSeconds(JsonNode problem) {
        ObjectNode copy = (ObjectNode) withoutRequestId(problem);
        copy.put("detail", copy.path("detail").asText().replaceAll("[0-9]+ s\\.", "N s."));
        return copy;
    }

    static JsonNode withoutRequestId(JsonNode problem) {
        ObjectNode copy = problem.deepCopy();
        copy.remove("requestId");
        return copy;
    }

    private static long median(List<Long> values) {
        List<Long> sorted = new ArrayList<>(values);
        Collections.sort(sorted);
        int n = sorted.size();
        return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
    }

    private static List<Long> millis(List<Long> nanos) {
        return nanos.stream().map(n -> n / 1_000_000).toList();
    }
}
