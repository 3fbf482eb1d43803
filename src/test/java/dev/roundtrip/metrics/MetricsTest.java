package dev.roundtrip.metrics;

import static dev.roundtrip.TestApps.postJson;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.roundtrip.App;
import dev.roundtrip.TestApps;
import io.javalin.testtools.JavalinTest;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
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
}
