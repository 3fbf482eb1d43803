package dev.roundtrip.metrics;

import io.javalin.http.Context;
import io.javalin.router.Endpoint;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.jetty.JettyServerThreadPoolMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.eclipse.jetty.util.thread.ThreadPool;

/**
 * Prometheus metrics through Micrometer: requests by route and status, the JVM, Jetty's thread pool and
 * the database pool (HikariCP reports into the same registry). Served by {@link MetricsServer} on a
 * port of its own, which Nginx never forwards to.
 */
public final class Metrics implements AutoCloseable {

    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final JvmGcMetrics gc = new JvmGcMetrics();

    public Metrics() {
        new JvmMemoryMetrics().bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        gc.bindTo(registry);
    }

    public MeterRegistry registry() {
        return registry;
    }

    public void bindThreadPool(ThreadPool pool) {
        new JettyServerThreadPoolMetrics(pool, List.of()).bindTo(registry);
    }

    /** RFC 9110's methods plus PATCH; any other name a client sends is counted as OTHER. */
    private static final Set<String> KNOWN_METHODS =
            Set.of("GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH");

    /**
     * One timer per route template (/api/notes/{id}, not /api/notes/17), method and status, each from a
     * bounded set whatever clients send: the template, not the raw path; a known method or OTHER (a client
     * can invent any number of method names); and a status, which is three digits.
     */
    public void recordRequest(Context ctx, float durationMs) {
        Endpoint endpoint = ctx.endpoint(); // for a request no route matched, the last before-handler ("*")
        Timer.builder("http.server.requests")
                .tag("method", method(ctx.method().name()))
                .tag("route", endpoint.method.isHttpMethod() ? endpoint.path : "unmatched")
                .tag("status", String.valueOf(ctx.statusCode()))
                .register(registry)
                .record(Duration.ofNanos((long) (durationMs * 1_000_000)));
    }

    static String method(String name) {
        return KNOWN_METHODS.contains(name) ? name : "OTHER";
    }

    /** The Prometheus text format. */
    public String scrape() {
        return registry.scrape();
    }

    @Override
    public void close() {
        gc.close();
        registry.close();
    }
}
