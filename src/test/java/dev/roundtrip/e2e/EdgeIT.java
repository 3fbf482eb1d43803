package dev.roundtrip.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpClient.Version;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Through the real Nginx over real HTTPS to the real app: what issue #3 promises, checked end to end. */
class EdgeIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static EdgeStack stack;
    private static HttpClient h2;
    private static HttpClient h1;

    @BeforeAll
    static void startStack() throws Exception {
        stack = EdgeStack.start(Map.of());
        h2 = stack.client(Version.HTTP_2);
        h1 = stack.client(Version.HTTP_1_1);
    }

    @AfterAll
    static void stopStack() throws Exception {
        if (stack != null) {
            stack.close();
        }
    }

    @Test
    void http2IsNegotiatedAndHttp11StillWorks() throws Exception {
        HttpResponse<String> viaH2 = send(h2, get("/api/health"));
        assertEquals(200, viaH2.statusCode());
        assertEquals(Version.HTTP_2, viaH2.version());
        HttpResponse<String> viaH1 = send(h1, get("/api/health"));
        assertEquals(200, viaH1.statusCode());
        assertEquals(Version.HTTP_1_1, viaH1.version());
    }

    /**
     * An upgrade and a certificate renewal both render the config again into the directory a live Nginx serves
     * from, then reload it: a page, a stylesheet and the API asked for meanwhile are each answered 200.
     */
    @Test
    void reRenderingAndReloadingUnderTrafficFailsNoRequest() throws Exception {
        AtomicBoolean stop = new AtomicBoolean();
        List<String> failures = new CopyOnWriteArrayList<>();
        AtomicInteger answered = new AtomicInteger();
        AtomicInteger resent = new AtomicInteger();
        List<Thread> clients = new ArrayList<>();
        for (String path : List.of("/index.html", "/style.css", "/api/health")) {
            Thread client = new Thread(() -> {
                while (!stop.get()) {
                    try {
                        HttpRequest request = HttpRequest.newBuilder(stack.https(path)).header("Accept-Encoding", "gzip").build();
                        HttpResponse<String> res;
                        try {
                            res = send(h1, request);
                        } catch (IOException e) {
                            if (!UpgradeLoad.closedBeforeAnyAnswer(e)) {
                                throw e;
                            }
                            resent.incrementAndGet();
                            res = send(h1, request); // once, as a browser does: see UpgradeLoad.closedBeforeAnyAnswer
                        }
                        if (res.statusCode() != 200) {
                            failures.add(path + " → " + res.statusCode());
                        }
                        answered.incrementAndGet();
                        Thread.sleep(20); // ~50 a second per path: under the edge's 100 r/s per client for /api/
                    } catch (Exception e) {
                        failures.add(path + " → " + e);
                    }
                }
            });
            client.start();
            clients.add(client);
        }
        try {
            for (int i = 0; i < 3; i++) {
                stack.rerenderAndReload();
            }
            Thread.sleep(300); // the last reload's new workers answer too
        } finally {
            stop.set(true);
            for (Thread client : clients) {
                client.join(10_000);
            }
        }
        assertTrue(answered.get() > 30, "traffic ran during the reloads: " + answered.get());
        assertTrue(resent.get() <= 3, "at most one request per reload met a closing connection: " + resent.get());
        assertEquals(List.of(), failures.subList(0, Math.min(10, failures.size())),
                failures.size() + " requests failed while the config was rendered again and reloaded");
    }

    @Test
    void onlyTls12And13AreAccepted() throws Exception {
        assertTrue(handshake("-tls1_3").contains("TLSv1.3"));
        assertTrue(handshake("-tls1_2").contains("TLSv1.2"));
        for (String old : new String[] {"-tls1_1", "-tls1"}) {
            // SECLEVEL=0 lets this client offer the old protocol, so the refusal is the server's
            Process p = openssl(old);
            assertTrue(p.exitValue() != 0, old + " must be refused");
        }
    }

    @Test
    void plainHttpRedirectsToHttpsKeepingPathAndQuery() throws Exception {
        HttpResponse<String> res = send(h1, HttpRequest.newBuilder(
                URI.create("http://localhost:" + stack.httpPort + "/api/notes?limit=5")).build());
        assertEquals(301, res.statusCode());
        assertEquals("https://localhost:" + stack.httpsPort + "/api/notes?limit=5", header(res, "Location"));
    }

    @Test
    void securityHeadersOnPagesAndApi() throws Exception {
        for (String path : new String[] {"/", "/api/health", "/api/notes/999999"}) {
            HttpResponse<String> res = send(h2, get(path));
            assertTrue(header(res, "Strict-Transport-Security").startsWith("max-age="), path);
            assertEquals("nosniff", header(res, "X-Content-Type-Options"), path);
            assertNotNull(header(res, "Referrer-Policy"), path);
            assertTrue(header(res, "Content-Security-Policy").contains("default-src 'self'"), path);
            assertFalse(res.headers().firstValue("Server").orElse("").matches(".*\\d.*"), "no version in Server");
        }
    }

    @Test
    void staticPageIsServedByNginxWithoutTheApp() throws Exception {
        HttpResponse<String> page = send(h2, get("/"));
        assertEquals(200, page.statusCode());
        assertTrue(header(page, "Content-Type").startsWith("text/html"));
        assertTrue(page.body().contains("<html"), "the page");
        String requestId = header(page, "X-Request-ID");
        assertNotNull(requestId);
        assertFalse(stack.appLog().contains(requestId), "the app never saw the static request");
        HttpResponse<String> asset = send(h2, get("/app.js"));
        assertEquals(200, asset.statusCode());
        assertTrue(header(asset, "Cache-Control").contains("max-age"), "assets are cacheable");
        assertEquals(200, send(h2, get("/problems/validation-failed")).statusCode());
    }

    @Test
    void noteCreatedThroughNginxCanBeReadBack() throws Exception {
        String body = "{\"title\":\"through the edge\",\"body\":\"요청을 받고 응답하기\",\"tags\":[\"e2e\"]}";
        HttpResponse<String> created = send(h2, HttpRequest.newBuilder(stack.https("/api/notes"))
                .header("Authorization", stack.bearer()).header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build());
        assertEquals(201, created.statusCode(), created.body());
        String location = header(created, "Location");
        HttpResponse<String> read = send(h1, get(location));
        assertEquals(200, read.statusCode());
        assertEquals("요청을 받고 응답하기", JSON.readTree(read.body()).get("body").asText());
        assertEquals(header(created, "ETag"), header(read, "ETag"));
        assertEquals(304, send(h2, HttpRequest.newBuilder(stack.https(location))
                .header("If-None-Match", header(read, "ETag")).build()).statusCode());
    }

    @Test
    void appSeesTheRealClientAddressAndHttpsNeverTheSpoofedOnes() throws Exception {
        // Connect from 127.0.0.2 so the client address differs from Nginx's own (127.0.0.1).
        String out = stack.run("curl", Map.of(), "-sk", "--interface", "127.0.0.2", "-o", "/dev/null",
                "-D", "-", "-H", "X-Forwarded-For: 6.6.6.6", "-H", "Forwarded: for=6.6.6.6",
                "-H", "X-Real-IP: 6.6.6.6", "https://localhost:" + stack.httpsPort + "/api/health");
        String requestId = out.lines().filter(l -> l.toLowerCase().startsWith("x-request-id:"))
                .map(l -> l.substring(l.indexOf(':') + 1).strip()).findFirst().orElseThrow();
        String line = awaitAppLine(requestId);
        assertTrue(line.contains("client_ip=127.0.0.2"), line);
        assertTrue(line.contains("scheme=https"), line);
        assertFalse(line.contains("6.6.6.6"), line);
    }

    @Test
    void requestIdIsTheSameInResponseNginxLogAndAppLog() throws Exception {
        HttpResponse<String> res = send(h2, HttpRequest.newBuilder(stack.https("/api/notes?limit=1"))
                .header("X-Request-ID", "client-made-up").build());
        List<String> ids = res.headers().allValues("X-Request-ID");
        assertEquals(1, ids.size(), "one X-Request-ID header, not two");
        String requestId = ids.get(0);
        assertTrue(requestId.matches("[0-9a-f]{32}"), "minted by Nginx: " + requestId);
        assertTrue(awaitAppLine(requestId).contains("path=/api/notes"));
        JsonNode entry = awaitNginxEntry(requestId);
        assertEquals("/api/notes?limit=1", entry.get("uri").asText());
        assertEquals(200, entry.get("status").asInt());
        assertEquals("HTTP/2.0", entry.get("http").asText());
        assertTrue(entry.get("tls").asText().startsWith("TLSv1."));
        assertEquals("127.0.0.1:" + stack.appPort, entry.get("upstream_addr").asText());
    }

    @Test
    void bodyOverOneMebibyteIs413ProblemFromNginx() throws Exception {
        java.nio.file.Path big = stack.dir.resolve("2MiB.json");
        java.nio.file.Files.write(big, new byte[2 * 1024 * 1024]);
        for (String version : new String[] {"--http1.1", "--http2"}) {
            // curl, because Java's HttpClient gives up on an HTTP/2 stream the server answers before the upload ends
            java.nio.file.Path body = stack.dir.resolve("413" + version + ".json");
            String out = stack.run("curl", Map.of(), "-sk", version, "-o", body.toString(), "-w",
                    "%{http_code} %{content_type}", "-H", "Content-Type: application/json",
                    "--data-binary", "@" + big, "https://localhost:" + stack.httpsPort + "/api/notes");
            assertEquals("413 application/problem+json", out, version);
            JsonNode problem = JSON.readTree(body.toFile());
            assertEquals(413, problem.get("status").asInt());
            assertTrue(problem.get("requestId").asText().matches("[0-9a-f]{32}"));
        }
    }

    @Test
    void pathTraversalOnStaticFilesIsRefused() throws Exception {
        for (String path : new String[] {"/../../etc/passwd", "/%2e%2e/%2e%2e/etc/passwd", "/..%2f..%2fetc/passwd"}) {
            String code = stack.run("curl", Map.of(), "-sk", "--path-as-is", "-o", "/dev/null", "-w", "%{http_code}",
                    "https://localhost:" + stack.httpsPort + path);
            assertTrue(code.equals("400") || code.equals("404"), path + " → " + code);
        }
    }

    @Test
    void journeyShowsEveryHopOfTheLiveRequestAndClientsCannotForgeTheEdge() throws Exception {
        HttpRequest request = HttpRequest.newBuilder(stack.https("/api/journey"))
                .header("X-Edge-Client-Port", "1").header("X-Forwarded-TLS", "SSLv2").build();
        send(h2, request); // the second call must find the kept-alive upstream connection reused
        JsonNode journey = JSON.readTree(send(h2, request).body());
        assertTrue(journey.get("viaEdge").asBoolean());
        JsonNode edge = journey.get("edge");
        assertEquals("HTTP/2.0", edge.get("httpVersion").asText());
        assertEquals("TLSv1.3", edge.get("tlsProtocol").asText());
        assertEquals("https", edge.get("scheme").asText());
        assertEquals("localhost", edge.get("sni").asText());
        assertEquals(stack.httpsPort, edge.get("listenPort").asInt());
        assertTrue(journey.get("client").get("port").asInt() > 1, "Nginx's $remote_port, not the forged 1");
        JsonNode hop = journey.get("proxyHop");
        assertEquals("HTTP/1.1", hop.get("httpVersion").asText());
        assertTrue(hop.get("keepAlive").asBoolean());
        assertTrue(hop.get("reused").asBoolean(), hop.toString());
        assertEquals("127.0.0.1:" + stack.appPort, hop.get("appAddress").asText());
        assertTrue(journey.get("database").get("queryMicros").asLong() >= 0);
        assertEquals(send(h1, get("/api/journey")).version(), Version.HTTP_1_1);
        assertEquals("HTTP/1.1", JSON.readTree(send(h1, get("/api/journey")).body()).get("edge").get("httpVersion").asText());
    }

    @Test
    void journeyNamesWhoSentTheRequestThroughNginxButNeverTheToken() throws Exception {
        JsonNode anonymous = JSON.readTree(send(h2, get("/api/journey")).body()).get("identity");
        assertEquals("none", anonymous.get("credential").asText(), anonymous.toString());
        HttpResponse<String> res = send(h2, HttpRequest.newBuilder(stack.https("/api/journey"))
                .header("Authorization", stack.bearer()).build());
        JsonNode identity = JSON.readTree(res.body()).get("identity");
        assertEquals("bearer", identity.get("credential").asText(), identity.toString());
        assertTrue(identity.get("result").asText().contains(stack.user().username()), identity.toString());
        assertTrue(identity.get("lookupMicros").asLong() >= 0, identity.toString());
        assertFalse(res.body().contains(stack.user().token()), "the journey shows who, never the token: " + res.body());
    }

    @Test
    void metricsAreServedLocallyButUnreachableThroughNginx() throws Exception {
        HttpResponse<String> local = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + stack.metricsPort + "/metrics")).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, local.statusCode());
        assertTrue(local.body().contains("http_server_requests_seconds_count"));
        for (String path : new String[] {"/metrics", "/api/metrics", "/api/../metrics", "/api/%2e%2e/metrics"}) {
            HttpResponse<String> res = send(h1, get(path));
            assertTrue(res.statusCode() == 404 || res.statusCode() == 400, path + " → " + res.statusCode());
            assertFalse(res.body().contains("jvm_memory"), path);
        }
    }

    @Test
    void nginxConfigTestPassesOnTheRenderedConfig() throws Exception {
        String out = stack.run(EdgeStack.nginxBinary(), Map.of(), "-t", "-p", stack.nginxDir() + "/",
                "-c", stack.nginxDir().resolve("nginx.conf").toString(), "-e", "stderr");
        assertTrue(out.contains("test is successful"), out);
    }

    static HttpRequest get(String path) {
        return HttpRequest.newBuilder(stack.https(path)).build();
    }

    static HttpResponse<String> send(HttpClient client, HttpRequest request) throws Exception {
        return client.send(request, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    }

    static String header(HttpResponse<?> res, String name) {
        Optional<String> value = res.headers().firstValue(name);
        return value.orElse(null);
    }

    static void assertProblem(HttpResponse<String> res, int status) throws Exception {
        assertEquals(status, res.statusCode(), res.body());
        assertEquals("application/problem+json", header(res, "Content-Type"));
        JsonNode problem = JSON.readTree(res.body());
        assertEquals(status, problem.get("status").asInt());
        assertEquals(header(res, "X-Request-ID"), problem.get("requestId").asText());
    }

    static String awaitAppLine(String requestId) throws Exception {
        String[] found = new String[1];
        EdgeStack.await(() -> {
            try {
                found[0] = stack.appLog().lines().filter(l -> l.contains("request_id=" + requestId) && l.contains(" access "))
                        .findFirst().orElse(null);
                return found[0] != null;
            } catch (java.io.IOException e) {
                return false;
            }
        }, "the app's access line for " + requestId);
        return found[0];
    }

    static JsonNode awaitNginxEntry(String requestId) throws Exception {
        JsonNode[] found = new JsonNode[1];
        EdgeStack.await(() -> {
            try {
                for (String line : stack.nginxAccessLog()) {
                    JsonNode entry = JSON.readTree(line);
                    if (requestId.equals(entry.get("request_id").asText())) {
                        found[0] = entry;
                        return true;
                    }
                }
                return false;
            } catch (java.io.IOException e) {
                return false;
            }
        }, "Nginx's access line for " + requestId);
        return found[0];
    }

    private static String handshake(String protocol) throws Exception {
        Process p = openssl(protocol);
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.exitValue(), protocol + " handshake:\n" + out);
        return out;
    }

    private static Process openssl(String protocol) throws Exception {
        Process p = new ProcessBuilder("openssl", "s_client", "-connect", "127.0.0.1:" + stack.httpsPort,
                "-servername", "localhost", protocol, "-cipher", "DEFAULT@SECLEVEL=0")
                .redirectErrorStream(true).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
        p.waitFor(20, java.util.concurrent.TimeUnit.SECONDS);
        return p;
    }
}
