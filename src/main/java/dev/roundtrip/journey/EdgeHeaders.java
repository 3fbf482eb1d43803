package dev.roundtrip.journey;

import dev.roundtrip.http.ClientText;
import dev.roundtrip.http.ProxyHeaders;
import io.javalin.http.Context;
import java.time.Instant;

/**
 * The request headers Nginx sets from its own variables for the journey (nginx/snippets/proxy.conf).
 * Their presence is how the app knows the request crossed the edge. Through Nginx they always hold what
 * its variables print; called directly, anyone can send anything, so every value is read with bounds: a
 * number in Nginx's own format and a plausible range, text cut short. Anything else counts as not given
 * (null in the journey), never as an error: the page shows what it can.
 */
record EdgeHeaders(String clientAddress, Integer clientPort, String scheme, String httpVersion, String tlsProtocol,
                   String tlsCipher, String sni, String host, Integer listenPort, Long proxiedAtMillis,
                   Long microsAtEdge, Long clientConnectionRequests) {

    /** DNS names are at most 253 characters; no other edge value comes near. */
    private static final int MAX_TEXT = 255;
    /** $msec from 2000-01-01 to 2100-01-01: outside that the clock, or the sender, is wrong. */
    private static final long EARLIEST_MILLIS = 946_684_800_000L;
    private static final long LATEST_MILLIS = 4_102_444_800_000L;
    /** $request_time up to a day: Nginx's own timeouts end a request long before. */
    private static final long MAX_EDGE_MILLIS = 86_400_000L;

    /** Null when the request did not come through Nginx. */
    static EdgeHeaders from(Context ctx) {
        String msec = ctx.header("X-Edge-Msec"); // $msec: when Nginx handed the request on, in seconds.millis
        if (msec == null) {
            return null;
        }
        return new EdgeHeaders(ProxyHeaders.saneAddress(ctx.header("X-Real-IP")),
                wholeNumber(ctx.header("X-Edge-Client-Port"), 65_535), scheme(ctx.header("X-Forwarded-Proto")),
                text(ctx.header("X-Forwarded-HTTP-Version")), text(ctx.header("X-Forwarded-TLS")),
                text(ctx.header("X-Edge-TLS-Cipher")), text(ctx.header("X-Edge-SNI")), text(ctx.header("Host")),
                wholeNumber(ctx.header("X-Edge-Port"), 65_535), inRange(millis(msec), EARLIEST_MILLIS, LATEST_MILLIS),
                micros(inRange(millis(ctx.header("X-Edge-Request-Time")), 0, MAX_EDGE_MILLIS)),
                longNumber(ctx.header("X-Edge-Connection-Requests")));
    }

    Journey.Client client() {
        return new Journey.Client(clientAddress, clientPort);
    }

    Journey.Edge toEdge(String requestId) {
        String receivedAt = proxiedAtMillis == null || microsAtEdge == null ? null
                : Instant.ofEpochMilli(proxiedAtMillis - microsAtEdge / 1_000).toString();
        return new Journey.Edge("nginx", scheme, httpVersion, tlsProtocol, tlsCipher, sni, host, listenPort, requestId,
                receivedAt, clientConnectionRequests);
    }

    /** How long Nginx held the request before passing it on ($request_time at that moment). */
    Long edgeMicros() {
        return microsAtEdge;
    }

    /** From Nginx handing the request on to Jetty starting on it (same machine's clock, ms resolution). */
    Long proxyHopMicros(Instant appStart) {
        // Both ends lie within 2000–2100, so the difference in microseconds fits a long with room to spare.
        return proxiedAtMillis == null ? null : Math.max(0, (appStart.toEpochMilli() - proxiedAtMillis) * 1_000);
    }

    private static String scheme(String value) {
        return "https".equals(value) || "http".equals(value) ? value : null;
    }

    private static String text(String value) {
        return value == null || value.isBlank() ? null : ClientText.echo(value, MAX_TEXT);
    }

    /**
     * Nginx's "seconds.millis" ($msec, $request_time) as milliseconds: up to 12 digits, a dot, up to 3 digits.
     * Read digit by digit, so "1e12", "NaN", "-1" or 10 000 digits are simply not such a value.
     */
    static Long millis(String value) {
        if (value == null || value.isEmpty() || value.length() > 16) {
            return null;
        }
        int dot = value.indexOf('.');
        String whole = dot < 0 ? value : value.substring(0, dot);
        String fraction = dot < 0 ? "" : value.substring(dot + 1);
        if (whole.isEmpty() || whole.length() > 12 || fraction.length() > 3 || (dot >= 0 && fraction.isEmpty())) {
            return null;
        }
        Long seconds = digits(whole);
        Long thousandths = digits((fraction + "000").substring(0, 3));
        return seconds == null || thousandths == null ? null : seconds * 1_000 + thousandths;
    }

    private static Integer wholeNumber(String value, int max) {
        Long number = value == null || value.length() > 5 ? null : digits(value);
        return number == null || number > max ? null : number.intValue();
    }

    private static Long longNumber(String value) {
        return value == null || value.length() > 18 ? null : digits(value);
    }

    /** ASCII digits only (no sign, no exponent, no other scripts); callers bound the length first. */
    private static Long digits(String value) {
        if (value.isEmpty()) {
            return null;
        }
        long n = 0;
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c < '0' || c > '9') {
                return null;
            }
            n = n * 10 + (c - '0');
        }
        return n;
    }

    private static Long inRange(Long value, long min, long max) {
        return value == null || value < min || value > max ? null : value;
    }

    private static Long micros(Long millis) {
        return millis == null ? null : millis * 1_000;
    }
}
