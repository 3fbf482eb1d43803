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
    private static final Pattern ADDRESS = Pattern.compile("[0-9A-Fa-f.:]{2,45}");

    private ProxyHeaders() {
    }

    public static String clientIp(Context ctx) {
        String realIp = ctx.header("X-Real-IP");
        if (realIp != null && ADDRESS.matcher(realIp).matches()) {
            return realIp;
        }
        return ctx.req().getRemoteAddr();
    }

    public static String scheme(Context ctx) {
        String proto = ctx.header("X-Forwarded-Proto");
        if ("https".equals(proto) || "http".equals(proto)) {
            return proto;
        }
        return ctx.req().getScheme();
    }
}
