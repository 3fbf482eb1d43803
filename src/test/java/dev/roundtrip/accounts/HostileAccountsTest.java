package dev.roundtrip.accounts;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.roundtrip.App;
import dev.roundtrip.Config;
import dev.roundtrip.TestApps;
import io.javalin.testtools.HttpClient;
import io.javalin.testtools.JavalinTest;
import io.javalin.testtools.Response;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.security.crypto.argon2.Argon2PasswordEncoder;

/**
 * Hostile review of issue 18: each test is one confirmed finding and fails until it is fixed. The races are made
 * deterministic by filling the password-hashing queue with log-ins for names that do not exist ("fillers"):
 * the hasher runs its queue in order, so what is submitted behind a step runs after it.
 */
class HostileAccountsTest {

    private static final String OLD = "old password";
    private static final String NEW = "new password!";

    @TempDir
    Path dir;

    private final ExecutorService pool = Executors.newCachedThreadPool();

    @Test
    void aLogInThatWasQueuedWithTheOldPasswordDoesNotOutliveAPasswordChange() {
        JavalinTest.test(App.create(TestApps.config(dir)).javalin(), (server, client) -> {
            register(client, "victim", OLD);
            String first = token(logIn(client, "victim", OLD));
            long hashMillis = hashMillis(client);
            List<CompletableFuture<Response>> blockers = fillers(client, 16, "b"); // keep the hasher threads busy
            Thread.sleep(200); // in this order
            // The change verifies the old password next; its new hash then waits behind 40 fillers.
            CompletableFuture<Response> change = async(() -> TestApps.putJson(client, "/api/me/password",
                    "{\"currentPassword\":\"" + OLD + "\",\"newPassword\":\"" + NEW + "\"}", "Authorization", "Bearer " + first));
            Thread.sleep(200); // in this order
            List<CompletableFuture<Response>> fillers = fillers(client, 40, "f");
            blockers.forEach(CompletableFuture::join); // the change's verification runs now, its new hash is queued next
            Thread.sleep(2 * hashMillis);
            // The attacker still knows the old password: the app reads the old hash now and checks it later.
            CompletableFuture<Response> attacker = async(() -> logIn(client, "victim", OLD));
            assertEquals(201, change.join().code(), "the password change itself works");
            Response late = attacker.join();
            fillers.forEach(CompletableFuture::join);
            blockers.forEach(CompletableFuture::join);
            if (late.code() == 201) { // the old password was accepted after the change had committed
                Response me = TestApps.send(client, "GET", "/api/me", null, "Authorization", "Bearer " + token(late));
                assertEquals(401, me.code(), "a session opened with the old password must not survive the password change"
                        + " (every older session is revoked, contract); it answers " + me.code());
            }
        });
    }

    @Test
    void aRehashAtLogInDoesNotUndoAPasswordChangeThatCommittedMeanwhile() throws Exception {
        JavalinTest.test(App.create(TestApps.config(dir)).javalin(), (server, client) -> {
            register(client, "victim", OLD);
            String first = token(logIn(client, "victim", OLD));
            // As after a deploy that raised the parameters: the stored hash is an older, weaker one.
            String weak = new Argon2PasswordEncoder(16, 32, 1, 4096, 2).encode(OLD);
            TestApps.execute(dir, "UPDATE users SET password_hash = '" + weak + "' WHERE username = 'victim'");
            long hashMillis = hashMillis(client);
            List<CompletableFuture<Response>> blockers = fillers(client, 16, "c"); // keep the hasher threads busy
            Thread.sleep(200); // in this order
            CompletableFuture<Response> change = async(() -> TestApps.putJson(client, "/api/me/password",
                    "{\"currentPassword\":\"" + OLD + "\",\"newPassword\":\"" + NEW + "\"}", "Authorization", "Bearer " + first));
            Thread.sleep(200); // in this order
            List<CompletableFuture<Response>> fillers = fillers(client, 40, "g");
            blockers.forEach(CompletableFuture::join);
            Thread.sleep(2 * hashMillis);
            CompletableFuture<Response> stale = async(() -> logIn(client, "victim", OLD)); // verifies, then rehashes OLD
            assertEquals(201, change.join().code());
            int staleCode = stale.join().code();
            fillers.forEach(CompletableFuture::join);
            blockers.forEach(CompletableFuture::join);
            Thread.sleep(3 * hashMillis); // the stale log-in's rehash has run
            assertEquals(201, logIn(client, "victim", NEW).code(), "the new password must be the account's password"
                    + " (a log-in with the old one, queued during the change, answered " + staleCode + ")");
            assertNotEquals(201, logIn(client, "victim", OLD).code(), "the old password must not work again");
        });
    }

    @Test
    void manyWrongPasswordsSentAtOnceAreCountedBeforeTheRightOneIsAccepted() {
        JavalinTest.test(App.create(TestApps.config(dir)).javalin(), (server, client) -> {
            register(client, "target", "correct horse");
            List<CompletableFuture<Response>> guesses = new ArrayList<>();
            for (int i = 0; i < 30; i++) {
                String guess = "guess" + i + "xyz";
                guesses.add(async(() -> logIn(client, "target", guess)));
            }
            CompletableFuture<Response> right = async(() -> logIn(client, "target", "correct horse"));
            long verified = guesses.stream().map(CompletableFuture::join).filter(r -> r.code() == 401).count();
            assertTrue(verified <= Accounts.MAX_FAILURES, verified + " guesses for one name were verified in one burst; the"
                    + " throttle promises 429 after " + Accounts.MAX_FAILURES);
            assertNotEquals(201, right.join().code(), "the 31st try in 15 minutes must not log in");
        });
    }

    @Test
    void wrongCurrentPasswordsAtPasswordChangeAreThrottledLikeLogIns() {
        JavalinTest.test(App.create(TestApps.config(dir)).javalin(), (server, client) -> {
            register(client, "stolen", "correct horse");
            String token = token(logIn(client, "stolen", "correct horse")); // a stolen cookie or token
            int last = 0;
            for (int i = 0; i < Accounts.MAX_FAILURES + 1; i++) {
                last = TestApps.putJson(client, "/api/me/password",
                        "{\"currentPassword\":\"guess" + i + "xyz\",\"newPassword\":\"attacker password\"}",
                        "Authorization", "Bearer " + token).code();
            }
            assertEquals(429, last, "a stolen session can guess the current password without limit (answer " + last
                    + "), then change it and lock the owner out");
        });
    }

    @Test
    void aLogInBodyPaddedToAMebibyteIsRefusedBeforeItWaitsForTheHasher() {
        JavalinTest.test(App.create(TestApps.config(dir)).javalin(), (server, client) -> {
            // Valid JSON, valid credentials; 1 MiB of whitespace the queued request keeps in memory while it waits.
            String body = "{\"username\":\"padded\"," + " ".repeat(1_000_000) + "\"password\":\"correct horse\"}";
            Response r = TestApps.postJson(client, "/api/sessions", body);
            assertEquals(413, r.code(), "64 of these queued for the hasher hold 64 MiB: on the 64 MiB heap the app"
                    + " answered 500 OutOfMemoryError to 31 of 64 (answer here: " + r.code() + ")");
        });
    }

    @Test
    void logInsWhoseClientsHungUpAreNotHashed() throws Exception {
        JavalinTest.test(App.create(TestApps.config(dir)).javalin(), (server, client) -> {
            register(client, "patient", "correct horse");
            long hashMillis = hashMillis(client);
            byte[] body = "{\"username\":\"ghost\",\"password\":\"correct horse\"}".getBytes(StandardCharsets.UTF_8);
            byte[] head = ("POST /api/sessions HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
                    + "Content-Length: " + body.length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
            for (int i = 0; i < 50; i++) {
                try (Socket s = new Socket("localhost", server.port()); OutputStream out = s.getOutputStream()) {
                    out.write(head);
                    out.write(body);
                    out.flush();
                } // hung up at once: nobody will read these answers
            }
            Thread.sleep(200);
            long start = System.nanoTime();
            Response r = logIn(client, "patient", "correct horse");
            long waited = (System.nanoTime() - start) / 1_000_000;
            assertEquals(201, r.code());
            assertTrue(waited < 8 * hashMillis, "a log-in waited " + waited + " ms (one hash: " + hashMillis
                    + " ms) behind 50 log-ins nobody waits for any more");
        });
    }

    @Test
    void usernamesThatLookExactlyLikeAnotherOrLikeNothingAreRefused() {
        JavalinTest.test(App.create(TestApps.config(dir)).javalin(), (server, client) -> {
            register(client, "alice", "correct horse");
            List<String> accepted = new ArrayList<>();
            for (String name : List.of("alice\u034F", "alice\uFE0F", "alice\u3164", "alice\u115F", "alice\uDB40\uDD01",
                    "\u3164\u3164\u3164", "\u0301\u0301\u0301", "\uDB40\uDD00\uDB40\uDD00\uDB40\uDD00")) {
                Response r = TestApps.postJson(client, "/api/users",
                        "{\"username\":\"" + name + "\",\"password\":\"correct horse\"}");
                if (r.code() == 201) {
                    accepted.add(name.codePoints().mapToObj(c -> String.format("U+%04X", c)).toList().toString());
                }
            }
            assertEquals(List.of(), accepted, "invisible characters (CGJ, variation selectors, Hangul fillers) make a"
                    + " second \"alice\" or a name that shows as nothing");
        });
    }

    @Test
    void aPasswordWithALoneSurrogateIsAValidationErrorNotA500() {
        JavalinTest.test(App.create(TestApps.config(dir)).javalin(), (server, client) -> {
            // JSON allows "\\ud800" alone; Java keeps it; Bouncy Castle's UTF-8 conversion throws on it.
            String lone = "{\"username\":\"surrogate\",\"password\":\"abc\\ud800defgh\"}";
            Response registration = TestApps.postJson(client, "/api/users", lone);
            Response logIn = TestApps.postJson(client, "/api/sessions", lone);
            assertEquals(List.of(400, 400), List.of(registration.code(), logIn.code()), "a lone surrogate answers 500 with"
                    + " an ERROR stack trace in the log, and the failed log-in is not counted by the throttle");
        });
    }

    // ---- Second pass: the fixes and what they touched ----

    @Test
    void aLogInBodyShorterThanItsContentLengthIsA400NotA500() throws Exception {
        JavalinTest.test(App.create(TestApps.config(dir)).javalin(), (server, client) -> {
            // Declares 100 bytes, sends 12, waits: the read times out after the idle timeout (8 s).
            String answer = rawExchange(server.port(), "POST /api/sessions HTTP/1.1\r\nHost: localhost\r\n"
                    + "Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"username\":");
            assertTrue(answer.startsWith("HTTP/1.1 400"), "a body that never arrives is the client's fault; readSmallObject"
                    + " wraps Jetty's read timeout in UncheckedIOException, which ProblemResponses does not see as a broken"
                    + " request: " + firstLine(answer));
        });
    }

    @Test
    void aChunkedLogInBodyThatStopsAfter8KiBIsA413NotA500() throws Exception {
        JavalinTest.test(App.create(TestApps.config(dir)).javalin(), (server, client) -> {
            // Over the bound, so the rest is discarded, but the sender never ends the body: the discard waits for it.
            String chunk = Integer.toHexString(8193) + "\r\n" + " ".repeat(8193) + "\r\n";
            String answer = rawExchange(server.port(), "POST /api/sessions HTTP/1.1\r\nHost: localhost\r\n"
                    + "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n" + chunk);
            assertTrue(answer.startsWith("HTTP/1.1 413"), "an account body over 8 KiB is 413 whatever the rest does; the"
                    + " discard's read timeout becomes a 500 with a stack trace: " + firstLine(answer));
        });
    }

    @Test
    void aLogInThatDeclaresAHugeContentLengthIsRefusedAtOnce() throws Exception {
        JavalinTest.test(App.create(TestApps.config(dir)).javalin(), (server, client) -> {
            long start = System.nanoTime();
            String answer = rawExchange(server.port(), "POST /api/sessions HTTP/1.1\r\nHost: localhost\r\n"
                    + "Content-Type: application/json\r\nContent-Length: 99999999999\r\n\r\n{\"username\":");
            long millis = (System.nanoTime() - start) / 1_000_000;
            assertTrue(answer.startsWith("HTTP/1.1 413") && millis < 4_000, "a declared length over 8 KiB can be refused"
                    + " before reading (readObject's bodyAsBytes does so for 1 MiB); readSmallObject waits for the bytes,"
                    + " holding a Jetty thread until the idle timeout, then answers " + firstLine(answer) + " after "
                    + millis + " ms");
        });
    }

    @Test
    void twoPasswordChangesCheckedAgainstTheSameOldPasswordDoNotBothSucceed() {
        JavalinTest.test(App.create(TestApps.config(dir)).javalin(), (server, client) -> {
            register(client, "shared", OLD);
            String victim = token(logIn(client, "shared", OLD));
            String attacker = token(logIn(client, "shared", OLD)); // phished the old password, logged in with it
            // The victim changes the password; the attacker's change, checked against the same old one, is in flight.
            CompletableFuture<Response> rescue = async(() -> TestApps.putJson(client, "/api/me/password",
                    "{\"currentPassword\":\"" + OLD + "\",\"newPassword\":\"victim new pw\"}", "Authorization", "Bearer " + victim));
            CompletableFuture<Response> takeover = async(() -> TestApps.putJson(client, "/api/me/password",
                    "{\"currentPassword\":\"" + OLD + "\",\"newPassword\":\"attacker pw!\"}", "Authorization", "Bearer " + attacker));
            List<Integer> codes = List.of(rescue.join().code(), takeover.join().code());
            assertNotEquals(List.of(201, 201), codes, "whichever change commits second was authorized by a session the"
                    + " first one revoked and by a password that is no longer the account's (newHash writes"
                    + " unconditionally): an attacker's in-flight change undoes the victim's rescue and takes the account");
        });
    }

    @Test
    void aStrangersFailedLogInsDoNotStopTheOwnerFromChangingThePassword() {
        JavalinTest.test(App.create(TestApps.config(dir)).javalin(), (server, client) -> {
            register(client, "owner", "correct horse");
            String token = token(logIn(client, "owner", "correct horse"));
            for (int i = 0; i <= Accounts.MAX_FAILURES; i++) { // anyone, anywhere, 6 requests per 15 minutes
                logIn(client, "owner", "wrong guess " + i);
            }
            Response change = TestApps.putJson(client, "/api/me/password",
                    "{\"currentPassword\":\"correct horse\",\"newPassword\":\"a better one\"}", "Authorization", "Bearer " + token);
            assertEquals(201, change.code(), "the owner, signed in and with the right current password, is refused the"
                    + " one way to end every other session (e.g. a thief's) because a stranger failed 6 log-ins under the"
                    + " name (throttle counted under the same key): " + change.code());
        });
    }

    @Test
    void aPreflightDoesNotSkipTheCredentialsInUrlCheck() {
        Config c = TestApps.config(dir);
        Config cors = new Config(c.host(), c.port(), c.threads(), c.dataDir(), c.synchronous(), c.postgres(),
                c.metricsHost(), c.metricsPort(), List.of("https://a.example"), false);
        JavalinTest.test(App.create(cors).javalin(), (server, client) -> {
            String answer = rawExchange(server.port(), "OPTIONS /api/notes?access_token=" + "A".repeat(43)
                    + " HTTP/1.1\r\nHost: localhost\r\nOrigin: https://a.example\r\nAccess-Control-Request-Method: POST\r\n\r\n");
            assertTrue(answer.startsWith("HTTP/1.1 400"), "every /api request with a token in the URL is 400"
                    + " credentials-in-url (contract); the preflight before-handler runs first and skips the check: "
                    + firstLine(answer));
        });
    }

    /** Sends {@code request} as raw bytes on a fresh connection and returns what the server answered (up to 4 KiB). */
    private static String rawExchange(int port, String request) throws Exception {
        try (Socket s = new Socket("localhost", port)) {
            s.setSoTimeout(20_000);
            OutputStream out = s.getOutputStream();
            out.write(request.getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            byte[] buffer = new byte[4096];
            int n = s.getInputStream().read(buffer);
            return n > 0 ? new String(buffer, 0, n, StandardCharsets.ISO_8859_1) : "(no answer)";
        }
    }

    private static String firstLine(String answer) {
        int end = answer.indexOf("\r\n");
        return end < 0 ? answer : answer.substring(0, end);
    }

    private CompletableFuture<Response> async(ThrowingSupplier<Response> call) {
        return CompletableFuture.supplyAsync(() -> {
            try {
                return call.get();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }, pool);
    }

    @FunctionalInterface
    private interface ThrowingSupplier<T> {
        T get() throws Exception;
    }

    /** Log-ins for names nobody has: each costs the hasher one verification, in order. */
    private List<CompletableFuture<Response>> fillers(HttpClient client, int count, String prefix) {
        List<CompletableFuture<Response>> fillers = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            String name = prefix + "iller" + i;
            fillers.add(async(() -> logIn(client, name, "whatever1")));
        }
        return fillers;
    }

    /** How long one verification takes on this machine, measured (the second try: the first one warms up). */
    private static long hashMillis(HttpClient client) {
        logIn(client, "nobody-warm", "whatever1");
        long start = System.nanoTime();
        logIn(client, "nobody-time", "whatever1");
        return Math.max(20, (System.nanoTime() - start) / 1_000_000);
    }

    private static void register(HttpClient client, String name, String password) {
        Response r = TestApps.postJson(client, "/api/users", "{\"username\":\"" + name + "\",\"password\":\"" + password + "\"}");
        assertEquals(201, r.code());
    }

    private static Response logIn(HttpClient client, String name, String password) {
        return TestApps.postJson(client, "/api/sessions", "{\"username\":\"" + name + "\",\"password\":\"" + password + "\"}");
    }

    private static String token(Response r) {
        assertEquals(201, r.code());
        return TestApps.json(r).get("token").asText();
    }
}
