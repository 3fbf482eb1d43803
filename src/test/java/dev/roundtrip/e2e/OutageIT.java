package dev.roundtrip.e2e;

import static dev.roundtrip.e2e.EdgeIT.assertProblem;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** With the app down Nginx answers for it, in the API's own error format, and recovers by itself. */
class OutageIT {

    @Test
    void appDownGives502ProblemThenRecoversWithoutTouchingNginx() throws Exception {
        try (EdgeStack stack = EdgeStack.start(Map.of())) {
            HttpClient client = stack.client(HttpClient.Version.HTTP_2);
            HttpRequest health = HttpRequest.newBuilder(stack.https("/api/health")).build();
            assertEquals(200, client.send(health, HttpResponse.BodyHandlers.ofString()).statusCode());

            stack.stopApp();
            for (int i = 0; i < 3; i++) {
                assertProblem(client.send(health, HttpResponse.BodyHandlers.ofString()), 502);
            }

            stack.startApp();
            assertEquals(200, client.send(health, HttpResponse.BodyHandlers.ofString()).statusCode());
        }
    }
}
