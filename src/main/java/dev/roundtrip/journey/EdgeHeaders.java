package dev.roundtrip.journey;

import io.javalin.http.Context;
import java.time.Duration;
import java.time.Instant;

/**
 * The request headers Nginx sets from its own variables for the journey (nginx/snippets/proxy.conf).
 * Their presence is how the app knows the request crossed the edge.
 */
record EdgeHeaders(String clientAddress, Integer clientPort, String scheme, String httpVersion, String tlsProtocol,
                   String tlsCipher, String sni, String host, Integer listenPort, Instant proxiedAt,
                   Double secondsAtEdge, Long clientConnectionRequests) {

    /** Null when the request did not come through Nginx. */
    static EdgeHeaders from(Context ctx) {
        String msec = ctx.header("X-Edge-Msec"); // $msec: when Nginx handed the request on, in seconds.millis
        if (msec == null) {
            return null;
        }
        Double proxiedAtSeconds = number(msec);
        return new EdgeHeaders(ctx.header("X-Real-IP"), integer(ctx.header("X-Edge-Client-Port")),
                ctx.header("X-Forwarded-Proto"), ctx.header("X-Forwarded-HTTP-Version"),
                blankToNull(ctx.header("X-Forwarded-TLS")), blankToNull(ctx.header("X-Edge-TLS-Cipher")),
                blankToNull(ctx.header("X-Edge-SNI")), ctx.header("Host"), integer(ctx.header("X-Edge-Port")),
                proxiedAtSeconds == null ? null : Instant.ofEpochMilli(Math.round(proxiedAtSeconds * 1000)),
                number(ctx.header("X-Edge-Request-Time")), longValue(ctx.header("X-Edge-Connection-Requests")));
    }

    Journey.Client client() {
        return new Journey.Client(clientAddress, clientPort);
    }

    Journey.Edge toEdge(String requestId) {
        String receivedAt = proxiedAt == null || secondsAtEdge == null ? null
                : proxiedAt.minusMillis(Math.round(secondsAtEdge * 1000)).toString();
        return new Journey.Edge("nginx", scheme, httpVersion, tlsProtocol, tlsCipher, sni, host, listenPort, requestId,
                receivedAt, clientConnectionRequests);
    }

    /** How long Nginx held the request before passing it on ($request_time at that moment). */
    Long edgeMicros() {
        return secondsAtEdge == null ? null : Math.round(secondsAtEdge * 1_000_000);
    }

    /** From Nginx handing the request on to Jetty starting on it (same machine's clock, ms resolution). */
    Long proxyHopMicros(Instant appStart) {
        return proxiedAt == null ? null : Math.max(0, Duration.between(proxiedAt, appStart).toNanos() / 1_000);
    }

    private static String blankToNull(String value) {
        return value == null || value.isBlank() ? null : value;
    }

    private static Double number(String value) {
        try {
            return value == null ? null : Double.valueOf(value);
        } catch (NumberFormatException e) {
            return null;
        }
    }

    private static Integer integer(String value) {
        Double number = number(value);
        return number == null ? null : number.intValue();
    }

    private static Long longValue(String value) {
        Double number = number(value);
        return number == null ? null : number.longValue();
    }
}
