package dev.roundtrip.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * `make bench` takes minutes, so `make test` runs only its smoke mode: the same script, every row for about
 * a second on a small seed, no warm-up. The numbers mean nothing; what is checked is that the script
 * starts its stack, runs every row, produces the table, results.json and the chart, and exits 0.
 */
class BenchSmokeIT {

    private static final List<String> ROWS = List.of("edge_h1", "edge_h2", "app_ceiling", "direct", "proxied_h1",
            "proxied_h2", "hop_ceiling", "list", "search", "writes_normal", "writes_full", "no_keepalive",
            "pg_get_direct", "pg_get_1", "pg_get_3", "pg_post_direct", "pg_post_1", "pg_post_3", "session_check", "login");
    private static final byte[] PNG_SIGNATURE = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};

    @Test
    void smokeRunMeasuresEveryRowAndWritesResultsAndChart(@TempDir Path out) throws Exception {
        ProcessBuilder pb = new ProcessBuilder("bash", "scripts/bench.sh").directory(EdgeStack.PROJECT.toFile())
                .redirectErrorStream(true).redirectOutput(out.resolve("bench.log").toFile());
        pb.environment().put("BENCH_SMOKE", "1");
        pb.environment().put("BENCH_OUT", out.toString()); // never overwrite the reference bench/results.json
        Process bench = pb.start();
        // ~60 s on a busy 2-core machine (six JVM starts, a PostgreSQL cluster); the bound only catches a hang.
        boolean finished = bench.waitFor(300, TimeUnit.SECONDS);
        if (!finished) {
            bench.destroy(); // SIGTERM: the script's trap stops its Nginx and app
            bench.waitFor(30, TimeUnit.SECONDS);
        }
        String log = Files.readString(out.resolve("bench.log"), StandardCharsets.UTF_8);
        assertTrue(finished, "bench.sh did not finish within 300 s:\n" + log);
        assertEquals(0, bench.exitValue(), "bench.sh failed:\n" + log);
        assertTrue(log.contains("nginx µs/req") && log.contains("HTTP/2 ÷ HTTP/1.1"), "the table is printed:\n" + log);

        JsonNode results = new ObjectMapper().readTree(out.resolve("results.json").toFile());
        List<String> names = new ArrayList<>();
        for (JsonNode row : results.get("rows")) {
            String name = row.get("name").asText();
            names.add(name);
            assertTrue(row.get("rps").asDouble() > 0, name + " served no request: " + row);
            assertEquals(0, row.get("non2xx").asLong(), name + " had non-2xx answers");
            assertEquals(0, row.get("socket_errors").asLong(), name + " had socket errors");
            for (String cpu : List.of("nginx_cpu_us", "app_cpu_us", "db_cpu_us", "client_cpu_us")) {
                assertTrue(row.path(cpu).isNumber() && row.get(cpu).asDouble() >= 0, name + " has no " + cpu);
            }
        }
        assertEquals(ROWS, names, "every row, in order");
        assertTrue(results.get("meta").get("app_peak_rss_kb").asLong() > 0, "the app's peak RSS is recorded");
        assertTrue(results.get("meta").get("login_peak_rss_kb").asLong() > 0, "the peak RSS under 32 log-ins is recorded");
        for (JsonNode row : results.get("rows")) { // PostgreSQL works in its own processes; SQLite inside the JVM
            assertEquals(row.get("name").asText().startsWith("pg_"), row.get("db_cpu_us").asDouble() > 0, row.toString());
        }
        assertEquals("0", results.get("meta").get("upstream_connections_per_200_keepalive").asText(),
                "the shipped /api/ reuses its upstream connections");

        byte[] png = Files.readAllBytes(out.resolve("results.png"));
        assertTrue(png.length > 1000 && Arrays.equals(PNG_SIGNATURE, Arrays.copyOf(png, 8)), "results.png is a PNG");
    }

    @Test
    void shippedNginxConfigHasNoBenchmarkOnlyLocations() throws Exception {
        try (Stream<Path> files = Files.walk(EdgeStack.PROJECT.resolve("nginx"))) {
            for (Path file : files.filter(Files::isRegularFile).toList()) {
                String text = Files.readString(file, StandardCharsets.ISO_8859_1); // any bytes, never a decoding error
                assertFalse(text.contains("/bench/") || text.contains("nokeepalive"),
                        file + " mentions a benchmark-only location: those live in bench/nginx/ only");
            }
        }
    }
}
