package dev.roundtrip.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Load through the whole path: wrk keeps 256 HTTPS connections busy for {@code soak.seconds} (10 here,
 * 60 in {@code make soak}) with a mix of reads, lists, searches and creates (src/test/resources/wrk/mixed.lua).
 * Nothing may fail: no socket errors, no status other than 2xx (429 would be allowed, none is expected), but for
 * searches the search gate sheds under this saturation (at most 1 %).
 */
class SoakIT {

    private static final int SECONDS = Integer.getInteger("soak.seconds", 10);
    private static final int CONNECTIONS = 256;
    private static final int SEEDED_NOTES = 200;
    /**
     * mixed.lua's count for 503 /problems/too-many-searches: 256 connections saturate two cores, searches cost
     * several times a read, so they fill the search gate (notes/SearchGate) and the surplus is shed with Retry-After,
     * by design. Allowed, like 429, up to 1 % of all requests; any other 503 still fails.
     */
    private static final int SHED_SEARCH = 1503;
    private static final Pattern SUMMARY = Pattern.compile("summary requests=(\\d+) duration_us=(\\d+) connect=(\\d+) "
            + "read=(\\d+) write=(\\d+) timeout=(\\d+) non2xx3xx=(\\d+) p50_us=(\\d+) p99_us=(\\d+)");
    private static final Pattern STATUS = Pattern.compile("(?m)^status (\\d+) (\\d+)$");
    private static final Pattern APP_5XX = Pattern.compile(" access .* status=5\\d\\d ");

    @Test
    void twoHundredFiftySixConnectionsGetOnly2xxAndNoSocketErrors() throws Exception {
        // All of wrk's connections come from one address, 127.0.0.1: the shipped per-client limit (100 r/s,
        // burst 200) would turn nearly all of them into 429s. Here the limit is out of the way; RateLimitIT tests it.
        try (EdgeStack stack = EdgeStack.start(Map.of("API_RATE_LIMIT", "100000r/s", "API_RATE_BURST", "100000"))) {
            long[] ids = seedNotes(stack);
            // wrk speaks HTTP/1.1 and does not verify the certificate (it never asks OpenSSL to): no CA needed.
            // --timeout: wrk's default of 2 s counts a slow answer as a socket error, and a cold JVM sharing two
            // cores with wrk and Nginx was seen at p99 1.7 s; 10 s still catches a request that hangs.
            // TOKEN: the session mixed.lua's creates carry (the same user's as the seeded notes').
            String out = stack.run("wrk", Map.of("NOTE_FIRST", String.valueOf(ids[0]), "NOTE_LAST", String.valueOf(ids[1]),
                            "TOKEN", stack.user().token()),
                    "-t2", "-c" + CONNECTIONS, "-d" + SECONDS + "s", "--timeout", "10s", "--latency",
                    "-s", EdgeStack.PROJECT.resolve("src/test/resources/wrk/mixed.lua").toString(),
                    "https://localhost:" + stack.httpsPort);
            Matcher summary = SUMMARY.matcher(out);
            assertTrue(summary.find(), "wrk's summary line is missing:\n" + out);
            Map<Integer, Long> statuses = statuses(out);
            long requests = Long.parseLong(summary.group(1));
            double rps = requests / (Long.parseLong(summary.group(2)) / 1e6);
            long socketErrors = 0;
            for (int group = 3; group <= 6; group++) {
                socketErrors += Long.parseLong(summary.group(group));
            }
            long non2xx = statuses.entrySet().stream().filter(e -> e.getKey() / 100 != 2).mapToLong(Map.Entry::getValue).sum();
            long app5xx = countApp5xx(stack);
            System.out.printf(Locale.ROOT, "soak: seconds=%d connections=%d requests=%d rps=%.0f p50=%.2fms p99=%.2fms "
                            + "non2xx=%d socket_errors=%d app_5xx=%d statuses=%s%n", SECONDS, CONNECTIONS, requests, rps,
                    Long.parseLong(summary.group(8)) / 1000.0, Long.parseLong(summary.group(9)) / 1000.0,
                    non2xx, socketErrors, app5xx, statuses);
            long shed = statuses.getOrDefault(SHED_SEARCH, 0L);
            assertEquals(0, socketErrors, "socket errors (connect, read, write, timeout):\n" + out);
            assertTrue(statuses.keySet().stream().allMatch(s -> s / 100 == 2 || s == 429 || s == SHED_SEARCH), "statuses " + statuses);
            assertTrue(shed <= requests / 100, "more than 1 % of requests were shed searches: " + statuses);
            assertTrue(statuses.getOrDefault(200, 0L) > 0 && statuses.getOrDefault(201, 0L) > 0, "reads and creates ran");
            assertEquals(shed, app5xx, "5xx answers in the app's access log other than the shed searches");
        }
    }

    /** Creates the notes the reads ask for; returns the first and the last id. */
    private static long[] seedNotes(EdgeStack stack) throws Exception {
        ObjectMapper json = new ObjectMapper();
        HttpClient client = stack.client(HttpClient.Version.HTTP_2);
        String[] words = {"nginx", "sqlite", "javalin", "request", "soak"};
        long[] ids = {Long.MAX_VALUE, 0};
        for (int i = 0; i < SEEDED_NOTES; i++) {
            String body = json.writeValueAsString(Map.of("title", "seed " + i + " " + words[i % words.length],
                    "body", "a note for the soak test about " + words[(i / 5) % words.length], "tags", List.of("seed")));
            HttpResponse<String> res = client.send(HttpRequest.newBuilder(stack.https("/api/notes"))
                    .header("Authorization", stack.bearer()).header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(201, res.statusCode(), res.body());
            long id = json.readTree(res.body()).get("id").asLong();
            ids[0] = Math.min(ids[0], id);
            ids[1] = Math.max(ids[1], id);
        }
        assertEquals(SEEDED_NOTES - 1, ids[1] - ids[0], "seeded ids are consecutive, so every GET by id finds a note");
        return ids;
    }

    /** The counts mixed.lua's done() printed, by status. */
    private static Map<Integer, Long> statuses(String wrkOutput) {
        Map<Integer, Long> statuses = new HashMap<>();
        Matcher m = STATUS.matcher(wrkOutput);
        while (m.find()) {
            statuses.put(Integer.parseInt(m.group(1)), Long.parseLong(m.group(2)));
        }
        return statuses;
    }

    private static long countApp5xx(EdgeStack stack) throws IOException {
        try (Stream<String> lines = Files.lines(stack.dir.resolve("app.log"))) {
            return lines.filter(line -> APP_5XX.matcher(line).find()).count();
        }
    }
}
