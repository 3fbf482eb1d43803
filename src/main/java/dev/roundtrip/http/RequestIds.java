package dev.roundtrip.http;

import io.javalin.http.Context;
import java.util.HexFormat;
import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Pattern;
import org.slf4j.MDC;

/**
 * Every request gets an id that follows it everywhere: the X-Request-ID response header, problem
 * bodies, and every log line written while it runs (through SLF4J's MDC). Nginx mints one and sends
 * it along, so the same id appears in Nginx's access log and in the app's.
 */
public final class RequestIds {

    public static final String HEADER = "X-Request-ID";
    /** The MDC key; logback.xml prints it on every line. */
    public static final String MDC_KEY = "requestId";
    private static final String ATTRIBUTE = "roundtrip.requestId";
    /** Only short tokens are taken from outside: a header value goes into logs and must not forge lines. */
    private static final Pattern SANE = Pattern.compile("[A-Za-z0-9._-]+");
    private static final int MAX_ID = 64;
    private static final HexFormat HEX = HexFormat.of();

    private RequestIds() {
    }

    /** A before-handler: take a sane incoming id or mint one, then publish it. */
    public static void assign(Context ctx) {
        String id = takeOrMint(ctx.header(HEADER));
        ctx.attribute(ATTRIBUTE, id);
        ctx.header(HEADER, id);
        MDC.put(MDC_KEY, id);
    }

    public static String of(Context ctx) {
        String id = ctx.attribute(ATTRIBUTE);
        return id != null ? id : "-";
    }

    /** The incoming X-Request-ID when it is a sane token (Nginx's id, behind the proxy), else a new one. */
    public static String takeOrMint(String incoming) {
        boolean sane = incoming != null && !incoming.isEmpty() && incoming.length() <= MAX_ID
                && SANE.matcher(incoming).matches(); // the length first: a 40 KiB header is never scanned
        return sane ? incoming : mint();
    }

    /** 32 hex digits, the same shape as Nginx's $request_id; unique enough to find one request in logs. */
    public static String mint() {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        return HEX.toHexDigits(random.nextLong()) + HEX.toHexDigits(random.nextLong());
    }
}
