package dev.roundtrip.metrics;

import static dev.roundtrip.TestApps.postJson;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.roundtrip.App;
import dev.roundtrip.TestApps;
import dev.roundtrip.http.RawSocket;
import io.javalin.testtools.JavalinTest;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.Random;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MetricsTest {

    @TempDir
    Path dataDir;

    @Test
    void metricsPortServesRequestJvmJettyAndPoolMetrics() {
        App app = App.create(TestApps.config(dataDir));
        JavalinTest.test(app.javalin(), (server, client) -> {
            postJson(client, "/api/notes", "{\"title\":\"counted\"}");
            client.get("/api/notes/1");
            client.get("/api/notes/2");
            client.get("/api/nowhere");
            HttpResponse<String> res = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + app.metricsPort() + "/metrics")).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(200, res.statusCode());
            String body = res.body();
            assertTrue(body.contains("http_server_requests_seconds_count{method=\"GET\",route=\"/api/notes/{id}\",status=\"200\"} 1"), body);
            assertTrue(body.contains("http_server_requests_seconds_count{method=\"GET\",route=\"/api/notes/{id}\",status=\"404\"} 1"));
            assertTrue(body.contains("http_server_requests_seconds_count{method=\"POST\",route=\"/api/notes\",status=\"201\"} 1"));
            assertTrue(body.contains("route=\"unmatched\",status=\"404\""));
            assertTrue(body.contains("jvm_memory_used_bytes"));
            assertTrue(body.contains("jetty_threads_config_max"));
            assertTrue(body.contains("hikaricp_connections_active"));
            assertEquals(404, client.get("/metrics").code(), "not on the API port");
        });
    }

    @Test
    void inventedMethodNamesAndRawPathsAddNoSeries() throws Exception {
        App app = App.create(TestApps.config(dataDir));
        JavalinTest.test(app.javalin(), (server, client) -> {
            Random random = new Random(17);
            for (int i = 0; i < 200; i++) {
                String method = random.ints(20, 'A', 'Z' + 1).collect(StringBuilder::new, StringBuilder::appendCodePoint,
                        StringBuilder::append).toString();
                RawSocket.exchange(server.port(), 15_000, RawSocket.head(method, "/api/notes/" + i));
                RawSocket.exchange(server.port(), 15_000, RawSocket.head("GET", "/api/raw/path/" + i));
            }
            String body = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                    + app.metricsPort() + "/metrics")).build(), HttpResponse.BodyHandlers.ofString()).body();
            long series = body.lines().filter(l -> l.startsWith("http_server_requests_seconds_count{")).count();
            assertTrue(series <= 4, series + " series:\n" + body.lines().filter(l -> l.startsWith("http_server_requests_seconds_count"))
                    .limit(10).collect(Collectors.joining("\n")));
            assertTrue(body.contains("method=\"OTHER\""), body);
            assertFalse(body.contains("/api/raw/path/"), "a raw path is no route");
        });
    }
}
