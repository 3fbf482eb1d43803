package dev.roundtrip.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.ServerSocket;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/**
 * Writes are never resent blindly (conf.d/write-hop.conf): the real Nginx with the project's config in front of
 * fake replicas (FakeUpstream) that fail on cue. A write that reached a replica which then died is not sent to
 * another one, and the 502 says what a retry needs; a write to a refused port goes to the live replica; reads
 * are resent after any failure. The rolling restart with real replicas is ScaleOutIT's.
 */
class WriteRetryIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int ATTEMPTS = 20;
    /** Credentials as a client sends them; the fakes check none, the point is that both hops pass them on as sent. */
    private static final String BEARER = "Bearer " + "T".repeat(43);
    private static final String COOKIE = "__Host-roundtrip-session=" + "C".repeat(43);

    @ParameterizedTest
    @ValueSource(strings = {"PUT", "DELETE", "POST"})
    void aWriteThatReachedAReplicaWhichThenDiedIsNotResent(String method) throws Exception {
        try (FakeUpstream dies = new FakeUpstream(FakeUpstream.Mode.SWALLOW);
             FakeUpstream lives = new FakeUpstream(FakeUpstream.Mode.ANSWER);
             EdgeStack stack = EdgeStack.inFrontOf(List.of(dies.port(), lives.port()))) {
            HttpClient client = stack.unvalidatedClient(HttpClient.Version.HTTP_2);
            for (int attempt = 1; attempt <= ATTEMPTS; attempt++) { // the balancer picks; go on until "dies" gets one
                HttpResponse<String> res = client.send(write(stack, method, "/api/notes/1"), HttpResponse.BodyHandlers.ofString());
                String requestId = res.headers().firstValue("X-Request-ID").orElseThrow();
                if (res.statusCode() == 200) {
                    assertEquals(0, dies.withRequestId(requestId).size(), "a 200 must come from a write that only the live"
                            + " replica got, never from one resent after the dying replica had it");
                    assertEquals(1, lives.withRequestId(requestId).size(), "answered by the live replica");
                    continue;
                }
                EdgeIT.assertProblem(res, 502);
                assertEquals(1, dies.withRequestId(requestId).size(), "the dying replica had the request: " + res.body());
                assertEquals(0, lives.withRequestId(requestId).size(), "and it was NOT sent again to the live one");
                String detail = JSON.readTree(res.body()).get("detail").asText();
                assertTrue(detail.contains("may have reached the application"), detail);
                assertTrue(detail.contains("If-Match or an Idempotency-Key"), detail);
                return;
            }
            throw new AssertionError("in " + ATTEMPTS + " attempts no " + method + " reached the dying replica");
        }
    }

    @Test
    void aWriteToARefusedPortGoesToTheLiveReplicaAsTheClientSentItWithTheEdgesHeaders() throws Exception {
        int refused;
        try (ServerSocket closedAgain = new ServerSocket(0)) {
            refused = closedAgain.getLocalPort(); // nothing listens here once this is closed
        }
        try (FakeUpstream lives = new FakeUpstream(FakeUpstream.Mode.ANSWER);
             EdgeStack stack = EdgeStack.inFrontOf(List.of(refused, lives.port()))) {
            HttpClient client = stack.unvalidatedClient(HttpClient.Version.HTTP_2);
            Set<String> readHeaders = headerNames(lives, client.send(spoofed(HttpRequest.newBuilder(stack.https("/api/notes/1")))
                    .header("Authorization", BEARER).header("Cookie", COOKIE).GET().build(), HttpResponse.BodyHandlers.ofString()));
            for (String method : new String[] {"PUT", "DELETE", "POST", "PUT", "DELETE", "POST"}) {
                HttpResponse<String> res = client.send(write(stack, method, "/api/notes/1"), HttpResponse.BodyHandlers.ofString());
                assertEquals(200, res.statusCode(), method + " → " + res.body());
                String requestId = res.headers().firstValue("X-Request-ID").orElseThrow();
                FakeUpstream.Received got = lives.withRequestId(requestId).get(0);
                assertEquals(method, got.method(), "the write hop restores the client's method");
                assertEquals(method.equals("POST") ? "/api/notes" : "/api/notes/1", got.target(), "path and query unchanged");
                assertEquals("127.0.0.1", got.headers().get("x-real-ip"), "set by the HTTPS server, not the client");
                assertEquals("127.0.0.1", got.headers().get("x-forwarded-for"));
                assertEquals("https", got.headers().get("x-forwarded-proto"));
                assertEquals("HTTP/2.0", got.headers().get("x-forwarded-http-version"));
                assertEquals("localhost", got.headers().get("host"));
                assertEquals(BEARER, got.headers().get("authorization"), "the session reaches the app through the write hop");
                assertEquals(COOKIE, got.headers().get("cookie"));
                assertNotEquals("1", got.headers().get("x-edge-client-port"));
                assertEquals(String.valueOf(stack.httpsPort), got.headers().get("x-edge-port"));
                assertFalse(got.headers().containsKey("forwarded"), "a client's Forwarded never gets through");
                assertFalse(got.headers().containsKey("x-roundtrip-method"), "the hop's own header stays between the hops");
                Set<String> names = new HashSet<>(got.headers().keySet());
                names.removeAll(Set.of("content-length", "content-type", "if-match")); // the write's own
                assertEquals(readHeaders, names, "a write carries exactly the headers a read does");
            }
        }
    }

    @Test
    void readsAreStillSentToAnotherReplicaAfterOneFailedThem() throws Exception {
        try (FakeUpstream dies = new FakeUpstream(FakeUpstream.Mode.SWALLOW);
             FakeUpstream lives = new FakeUpstream(FakeUpstream.Mode.ANSWER);
             EdgeStack stack = EdgeStack.inFrontOf(List.of(dies.port(), lives.port()))) {
            HttpClient client = stack.unvalidatedClient(HttpClient.Version.HTTP_2);
            for (int attempt = 1; attempt <= ATTEMPTS && dies.received.isEmpty(); attempt++) {
                HttpResponse<String> res = client.send(HttpRequest.newBuilder(stack.https("/api/notes/1")).build(),
                        HttpResponse.BodyHandlers.ofString());
                assertEquals(200, res.statusCode(), "a GET that the dying replica swallowed is answered by the live one");
                String requestId = res.headers().firstValue("X-Request-ID").orElseThrow();
                assertEquals(1, lives.withRequestId(requestId).size());
            }
            assertFalse(dies.received.isEmpty(), "in " + ATTEMPTS + " GETs none went to the dying replica first");
        }
    }

    @Test
    void theWriteHopListensOnlyOnAUnixSocketInsideTheConfigDirectory() throws Exception {
        try (EdgeStack stack = EdgeStack.inFrontOf(List.of(9))) {
            List<String> listens = Files.readAllLines(stack.nginxDir().resolve("conf.d/write-hop.conf")).stream()
                    .map(String::strip).filter(line -> line.startsWith("listen ")).toList();
            assertEquals(List.of("listen unix:" + stack.nginxDir().toRealPath().resolve("write-hop.sock") + ";"),
                    listens.stream().map(line -> line.replaceAll("\\s*#.*", "")).toList());
        }
    }

    /** A write with the headers a hostile client would forge; the fake ignores the body. */
    private static HttpRequest write(EdgeStack stack, String method, String path) {
        return spoofed(HttpRequest.newBuilder(stack.https(method.equals("POST") ? "/api/notes" : path)))
                .header("Content-Type", "application/json").header("If-Match", "\"1.1\"")
                .header("Authorization", BEARER).header("Cookie", COOKIE)
                .method(method, HttpRequest.BodyPublishers.ofString("{\"title\":\"retry\"}")).build();
    }

    private static HttpRequest.Builder spoofed(HttpRequest.Builder request) {
        return request.header("X-Real-IP", "6.6.6.6").header("X-Forwarded-For", "6.6.6.6").header("Forwarded", "for=6.6.6.6")
                .header("X-Roundtrip-Method", "GET").header("X-Edge-Client-Port", "1");
    }

    private static Set<String> headerNames(FakeUpstream upstream, HttpResponse<String> res) {
        assertEquals(200, res.statusCode(), res.body());
        Set<String> names = new HashSet<>(upstream.withRequestId(res.headers().firstValue("X-Request-ID").orElseThrow())
                .get(0).headers().keySet());
        names.removeAll(Set.of("content-length", "content-type"));
        return names;
    }
}
