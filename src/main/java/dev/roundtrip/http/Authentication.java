package dev.roundtrip.http;

import io.javalin.http.Context;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * Who sent a request: the session token from {@code Authorization: Bearer} (scripts, curl, Postman) or from the
 * session cookie (browsers), looked up only when a handler asks, so reads that never ask pay nothing. When both
 * come, the header wins: a program set it on purpose, while a browser attaches the cookie to every request.
 * A cookie-authenticated write from another site is refused (CSRF); SameSite=Strict on the cookie is the second line.
 */
public final class Authentication {

    /** {@code __Host-}: the browser keeps it only if Secure, Path=/ and without Domain, so no subdomain can set it. */
    public static final String COOKIE = "__Host-roundtrip-session";
    /** What every 401 names: the scheme this API takes (RFC 9110 §11.6.1, RFC 6750 §3). */
    public static final String CHALLENGE = "Bearer realm=\"roundtrip\"";
    /** Tokens are 32 random bytes in unpadded base64url: exactly this many characters of A-Z a-z 0-9 - _. */
    public static final int TOKEN_LENGTH = 43;
    /** Query parameters that would carry a token in the URL, where access logs and browser history keep it. */
    private static final Set<String> URL_CREDENTIALS = Set.of("access_token", "token", "session");
    /** "access_token" with each of its 12 characters written as %XX. */
    private static final int MAX_ENCODED_NAME = 3 * "access_token".length();
    private static final Set<String> SAFE_METHODS = Set.of("GET", "HEAD", "OPTIONS");
    private static final String CHECKED = "authentication.checked";

    private final SessionLookup sessions;

    public Authentication(SessionLookup sessions) {
        this.sessions = sessions;
    }

    /** The result of looking at a request's credentials, for the journey: what came, what it proved, how long it took. */
    public record Check(Principal.Credential via, Principal principal, String refusal, long lookupNanos) {
    }

    /**
     * Before every /api request: a token in the URL is refused, whatever the route (RFC 6750 §2.3 allows it; we do
     * not). The raw query is scanned by hand, so a malformed one (a bad %-escape) costs no exception here.
     */
    public static void refuseCredentialsInUrl(Context ctx) {
        String query = ctx.queryString();
        if (query == null || query.isEmpty()) {
            return;
        }
        for (String pair : query.split("&", -1)) {
            int equals = pair.indexOf('=');
            String name = decodeLeniently(equals < 0 ? pair : pair.substring(0, equals));
            if (URL_CREDENTIALS.contains(name.toLowerCase(Locale.ROOT))) {
                throw new ProblemException(400, "/problems/credentials-in-url", "Credentials in the URL",
                        "A session token never goes in the URL (logs and browser history keep URLs). Send it as "
                                + "Authorization: Bearer <token>, or let the browser send its cookie.", List.of());
            }
        }
    }

    private static String decodeLeniently(String name) {
        if (name.length() > MAX_ENCODED_NAME) {
            return ""; // longer than any name we look for, even with every character %-encoded
        }
        try {
            return URLDecoder.decode(name, StandardCharsets.UTF_8);
        } catch (IllegalArgumentException malformed) {
            return name;
        }
    }

    /** The signed-in principal, or a 401 problem with WWW-Authenticate; a cross-site cookie write is a 403. */
    public Principal require(Context ctx) {
        Check check = check(ctx);
        if (check.principal() == null) {
            throw unauthenticated(check.refusal(), check.via() != null);
        }
        if (check.via() == Principal.Credential.COOKIE && !SAFE_METHODS.contains(ctx.method().name())) {
            refuseCrossSite(ctx);
        }
        return check.principal();
    }

    /** 401 with WWW-Authenticate; {@code tokenRefused}: a token came and was no good (RFC 6750 §3.1, invalid_token). */
    public static ProblemException unauthenticated(String detail, boolean tokenRefused) {
        return new ProblemException(401, "/problems/unauthenticated", "Log in first", detail, List.of())
                .withHeader("WWW-Authenticate", tokenRefused ? CHALLENGE + ", error=\"invalid_token\"" : CHALLENGE);
    }

    /** Looks once per request (the answer is kept on the request) and never throws: the journey shows what it found. */
    public Check check(Context ctx) {
        Check kept = ctx.attribute(CHECKED);
        if (kept != null) {
            return kept;
        }
        long start = System.nanoTime();
        Check check = lookUp(ctx);
        check = new Check(check.via(), check.principal(), check.refusal(), System.nanoTime() - start);
        ctx.attribute(CHECKED, check);
        return check;
    }

    private Check lookUp(Context ctx) {
        String authorization = ctx.header("Authorization");
        if (authorization != null) {
            if (authorization.length() < 7 || !authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
                return refused(Principal.Credential.BEARER, "Authorization must be \"Bearer <token>\"; other schemes are not accepted.");
            }
            return lookUp(authorization.substring(7).trim(), Principal.Credential.BEARER);
        }
        String cookie = ctx.cookie(COOKIE);
        if (cookie != null) {
            return lookUp(cookie, Principal.Credential.COOKIE);
        }
        return new Check(null, null, "This needs a session: log in with POST /api/sessions, then send "
                + "Authorization: Bearer <token> (a browser sends the cookie by itself).", 0);
    }

    private Check lookUp(String token, Principal.Credential via) {
        if (!wellFormed(token)) {
            return refused(via, "The session token is malformed: it is " + TOKEN_LENGTH + " characters of A-Z a-z 0-9 - _.");
        }
        Optional<Principal> principal = sessions.find(token, via);
        return principal.map(p -> new Check(via, p, null, 0))
                .orElseGet(() -> refused(via, "The session is unknown, expired or logged out: log in again."));
    }

    private static Check refused(Principal.Credential via, String why) {
        return new Check(via, null, why, 0);
    }

    static boolean wellFormed(String token) {
        if (token.length() != TOKEN_LENGTH) {
            return false;
        }
        for (int i = 0; i < token.length(); i++) {
            char c = token.charAt(i);
            boolean ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
            if (!ok) {
                return false;
            }
        }
        return true;
    }

    /**
     * A browser says where a request comes from: Sec-Fetch-Site (every current browser), else Origin. A write the
     * cookie authenticates must come from this site's own pages. Neither header: not a browser (curl with a cookie
     * jar), and no other site can make a browser send a request without them.
     */
    private static void refuseCrossSite(Context ctx) {
        String site = ctx.header("Sec-Fetch-Site");
        String origin = ctx.header("Origin");
        boolean crossSite = site != null
                ? !site.equals("same-origin") && !site.equals("none")
                : origin != null && !origin.equalsIgnoreCase(ownOrigin(ctx));
        if (crossSite) {
            throw new ProblemException(403, "/problems/cross-site-request", "Cross-site request refused",
                    "A write signed in by the session cookie must come from this site's own pages"
                            + (site != null ? " (Sec-Fetch-Site: " + ClientText.echo(site, 32) + ")" : "")
                            + ". A script elsewhere sends Authorization: Bearer instead.", List.of());
        }
    }

    /** This site's origin as the browser sees it: the scheme Nginx reports and the host (with port) the client asked for. */
    private static String ownOrigin(Context ctx) {
        String host = ctx.header("X-Forwarded-Host");
        return ProxyHeaders.scheme(ctx) + "://" + (host != null ? host : ctx.header("Host"));
    }
}
