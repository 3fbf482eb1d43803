package dev.roundtrip.metrics;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;

/**
 * {@code GET /metrics} on its own port (default 127.0.0.1:9464), with the JDK's built-in HTTP server.
 * Kept apart from the API's port on purpose: Nginx forwards only /api/ to port 8000, so the metrics
 * can never be reached from outside through the edge, whatever path a client tries.
 */
public final class MetricsServer {

    private final HttpServer server;

    public MetricsServer(String host, int port, Metrics metrics) {
        try {
            server = HttpServer.create(new InetSocketAddress(host, port), 0);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot listen for metrics on " + host + ":" + port
                    + " (set METRICS_PORT)", e);
        }
        server.createContext("/metrics", exchange -> {
            byte[] body = metrics.scrape().getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", "text/plain; version=0.0.4; charset=utf-8");
            exchange.sendResponseHeaders(200, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
    }

    public void start() {
        server.start();
    }

    public int port() {
        return server.getAddress().getPort();
    }

    public void stop() {
        server.stop(0);
    }
}
