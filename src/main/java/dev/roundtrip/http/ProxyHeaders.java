package dev.roundtrip.http;

import io.javalin.http.Context;
import java.util.regex.Pattern;

/**
 * Behind Nginx the socket peer is Nginx itself, so the client's address and scheme arrive as headers.
 * Only headers that Nginx overwrites are trusted: X-Real-IP and X-Forwarded-Proto. The leftmost
 * X-Forwarded-For entry and Forwarded: are whatever the client typed, so they are never read.
 * This is safe because the app listens on 127.0.0.1 by default: only the local proxy can reach it.
 */
public final class ProxyHeaders {

    /** Digits, hex, dots and colons: an IPv4 or IPv6 literal, nothing that could forge a log line. */
    private static final Pattern ADDRESS = Pattern.compile("[0-9A-Fa-f.:]+");
    /** The longest IPv6 literal (with an embedded IPv4 address) has 45 characters. */
    private static final int MAX_ADDRESS = 45;

    private ProxyHeaders() {
    }

    public static String clientIp(Context ctx) {
        String realIp = saneAddress(ctx.header("X-Real-IP"));
        return realIp != null ? realIp : ctx.req().getRemoteAddr();
    }

    /** {@code value} if it looks like an IP literal, else null; the length is checked before any matching. */
    public static String saneAddress(String value) {
        boolean sane = value != null && value.length() >= 2 && value.length() <= MAX_ADDRESS
                && ADDRESS.matcher(value).matches();
        return sane ? value : null;
    }

    public static String scheme(Context ctx) {
        String proto = ctx.header("X-Forwarded-Proto");
        if ("https".equals(proto) || "http".equals(proto)) {
            return proto;
        }
        return ctx.req().getScheme();
    }
}
