package dev.roundtrip.http;

import io.javalin.http.Context;
import io.javalin.http.RequestLogger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * One line per request, as key=value pairs so it can be grepped and parsed:
 * {@code method=GET scheme=https path=/api/notes/1 status=200 duration_ms=1.52 client_ip=…}; the log pattern adds
 * {@code request_id=…} to it, as to every line written while the request runs.
 * It runs last in the request's life, so it also clears the request id from the thread's MDC. An answer made
 * asynchronously (a log-in waits for its password hash) ends on another thread: the id is put back for this line.
 */
public final class AccessLog implements RequestLogger {

    private static final Logger LOG = LoggerFactory.getLogger("access");

    @Override
    public void handle(Context ctx, Float durationMs) {
        MDC.put(RequestIds.MDC_KEY, RequestIds.of(ctx));
        try {
            if (LOG.isInfoEnabled()) {
                LOG.info("method={} scheme={} path={} status={} duration_ms={} client_ip={}",
                        ctx.method().name(), ctx.scheme(), ctx.path(), ctx.statusCode(), twoDecimals(durationMs), ctx.ip());
            }
        } finally {
            MDC.remove(RequestIds.MDC_KEY);
        }
    }

    /** "1.52": what String.format("%.2f") prints, at a fraction of its cost (this runs for every request). */
    static String twoDecimals(float value) {
        long hundredths = Math.round(value * 100.0);
        long fraction = hundredths % 100;
        return (hundredths / 100) + (fraction < 10 ? ".0" : ".") + fraction;
    }
}
