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

    /**
     * One timer per route template (/api/notes/{id}, not /api/notes/17), method and status: the
     * template keeps the number of series small whatever ids clients ask for.
     */
    public void recordRequest(Context ctx, float durationMs) {
        Endpoint endpoint = ctx.endpoint(); // for a request no route matched, the last before-handler ("*")
        Timer.builder("http.server.requests")
                .tag("method", ctx.method().name())
                .tag("route", endpoint.method.isHttpMethod() ? endpoint.path : "unmatched")
                .tag("status", String.valueOf(ctx.statusCode()))
                .register(registry)
                .record(Duration.ofNanos((long) (durationMs * 1_000_000)));
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
