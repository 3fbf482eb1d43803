package dev.roundtrip.http;

import io.javalin.http.Context;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Cross-origin calls (CORS): closed unless CORS_ORIGINS names the origins, and then open to exactly those, for
 * calls with a bearer token; the session cookie is never offered to another origin (no Allow-Credentials).
 * Javalin's bundled plugin is not used: it echoes back whatever headers and methods a preflight asks for.
 */
public final class Cors {

    static final String METHODS = "GET, POST, PUT, DELETE";
    static final String HEADERS = "Authorization, Content-Type, If-Match, If-None-Match, Idempotency-Key";
    private static final Set<String> METHOD_SET = Set.of("GET", "HEAD", "POST", "PUT", "DELETE");
    private static final Set<String> HEADER_SET = Set.of("authorization", "content-type", "if-match", "if-none-match",
            "idempotency-key");
    /** What a script on an allowed origin may read of an answer, beyond the CORS-safelisted headers. */
    static final String EXPOSED = "ETag, Location, Retry-After, X-Request-ID, WWW-Authenticate, Idempotent-Replayed";
    /** Seconds a browser may keep a preflight's answer. */
    static final int MAX_AGE = 600;

    private final Set<String> origins;

    public Cors(List<String> origins) {
        this.origins = Set.copyOf(origins);
    }

    /** Before every request: an allowed origin's answer says so; any other origin's gets no CORS header at all. */
    public void annotate(Context ctx) {
        String origin = ctx.header("Origin");
        if (origins.isEmpty()) {
            return; // closed: no CORS header at all, so a browser refuses every cross-origin read
        }
        ctx.header("Vary", "Origin"); // the answer differs by Origin: a cache must not hand one origin's to another
        if (origin != null && origins.contains(origin)) {
            ctx.header("Access-Control-Allow-Origin", origin);
            ctx.header("Access-Control-Expose-Headers", EXPOSED);
        }
    }

    /**
     * Before every /api request: a CORS preflight (OPTIONS with Origin and Access-Control-Request-Method) is answered
     * here, 204 when origin, method and headers are all allowed, else 403, and goes no further. Any other OPTIONS
     * goes on to the router, which answers 405 with the methods the path has (or 404 for no such path).
     */
    public void preflight(Context ctx) {
        String origin = ctx.header("Origin");
        String method = ctx.header("Access-Control-Request-Method");
        if (!ctx.method().name().equals("OPTIONS") || origin == null || method == null) {
            return;
        }
        ctx.skipRemainingHandlers(); // a preflight asks about a request; it is not that request
        String refusal = !origins.contains(origin) ? "this origin is not allowed (CORS_ORIGINS)"
                : !METHOD_SET.contains(method) ? "the method is not allowed"
                : !headersAllowed(ctx.header("Access-Control-Request-Headers")) ? "a requested header is not allowed"
                : null;
        if (refusal != null) {
            ctx.res().setHeader("Access-Control-Allow-Origin", null);
            ctx.res().setHeader("Access-Control-Expose-Headers", null);
            throw new ProblemException(403, "/problems/cross-origin-refused", "Cross-origin request refused",
                    "The preflight was refused: " + refusal + ".", List.of());
        }
        ctx.header("Access-Control-Allow-Methods", METHODS)
                .header("Access-Control-Allow-Headers", HEADERS)
                .header("Access-Control-Max-Age", String.valueOf(MAX_AGE))
                .status(204);
    }

    private static boolean headersAllowed(String requested) {
        if (requested == null || requested.isBlank()) {
            return true;
        }
        String[] names = requested.split(",", 32);
        if (names.length >= 32) {
            return false; // more than every header we allow: not a real browser's preflight
        }
        for (String name : names) {
            if (!HEADER_SET.contains(name.trim().toLowerCase(Locale.ROOT))) {
                return false;
            }
        }
        return true;
    }
}
