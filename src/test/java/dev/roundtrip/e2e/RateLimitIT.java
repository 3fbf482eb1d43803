package dev.roundtrip.e2e;

import static dev.roundtrip.e2e.EdgeIT.assertProblem;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/** The shipped limits (100 r/s per client, burst 200): a normal pace passes, a flood gets 429s. */
class RateLimitIT {

    @Test
    void burstBeyondTheLimitGets429ProblemsAndNormalUseDoesNot() throws Exception {
        try (EdgeStack stack = EdgeStack.start(Map.of())) {
            HttpClient client = stack.client(HttpClient.Version.HTTP_2);
            HttpRequest health = HttpRequest.newBuilder(stack.https("/api/health")).build();
            for (int i = 0; i < 20; i++) { // a person clicking around
                assertEquals(200, client.send(health, HttpResponse.BodyHandlers.ofString()).statusCode());
            }

            // 8 waves of 100 concurrent streams (Nginx allows 128 per HTTP/2 connection), as fast as they go
            int ok = 0;
            int limited = 0;
            for (int wave = 0; wave < 8; wave++) {
                List<CompletableFuture<HttpResponse<String>>> flood = new ArrayList<>();
                for (int i = 0; i < 100; i++) {
                    flood.add(client.sendAsync(health, HttpResponse.BodyHandlers.ofString()));
                }
                for (CompletableFuture<HttpResponse<String>> f : flood) {
                    HttpResponse<String> res = f.get();
                    if (res.statusCode() == 429) {
                        assertProblem(res, 429);
                        limited++;
                    } else {
                        assertEquals(200, res.statusCode());
                        ok++;
                    }
                }
            }
            assertTrue(limited > 0, "a flood of 800 must exceed the burst of 200");
            assertTrue(ok >= 200, "the burst itself passes: " + ok);
        }
    }
}
