package org.secmon.ems.server;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.CounterWithCallback;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.instrumentation.jvm.JvmMetrics;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.Unit;

/**
 * The EMS's Prometheus metrics, kept by the Prometheus Java client and rendered in its text format at
 * {@code /metrics}: requests per method, route template (from the OpenAPI document, so the label set is bounded
 * whatever paths clients send) and status with a latency histogram, authentication failures, configuration store
 * operations, values read at scrape time (notifier queue, appliances by status) and the JVM's own metrics.
 */
public final class Metrics {
    /** Route label of a path that matches no route of the API (404s, probes): one series for all of them. */
    public static final String UNMATCHED = "unmatched";

    private final PrometheusRegistry registry = new PrometheusRegistry();
    private final Counter requests;
    private final Histogram latency;
    private final Counter authFailures;
    private final Histogram store;
    private final List<String[]> routes;

    /** @param routeTemplates the API's paths with {@code {param}} segments (the OpenAPI document's keys) */
    public Metrics(List<String> routeTemplates) {
        List<String[]> rs = new ArrayList<>();
        for (String t : routeTemplates) {
            rs.add(t.split("/", -1));
        }
        // literal segments win over parameters: /appliances/register before /appliances/{id}
        rs.sort(Comparator.comparingLong((String[] s) -> Arrays.stream(s).filter(Metrics::isParam).count()));
        routes = List.copyOf(rs);
        requests = Counter.builder().name("secmon_ems_http_requests")
                .help("EMS API requests by method, route template and status")
                .labelNames("method", "route", "status").register(registry);
        latency = Histogram.builder().name("secmon_ems_http_request_duration_seconds").unit(Unit.SECONDS)
                .help("EMS API request latency by method and route template")
                .classicUpperBounds(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5)
                .labelNames("method", "route").register(registry);
        authFailures = Counter.builder().name("secmon_ems_auth_failures")
                .help("requests refused for authentication (401) or authorization (403), by kind")
                .labelNames("kind").register(registry);
        store = Histogram.builder().name("secmon_ems_store_operation_duration_seconds").unit(Unit.SECONDS)
                .help("configuration store operations (load, revision, commit) and their latency")
                .classicUpperBounds(0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5)
                .labelNames("operation").register(registry);
        registry.register((io.prometheus.metrics.model.registry.MultiCollector) JVM::scrape);
    }

    /**
     * The JVM's metrics, registered once per process: JvmMetrics keeps every registry it was registered with in a
     * static set, so registering it with each EMS's registry kept every EMS (its repository, notifier...) alive
     * after it stopped — the system tests, which start dozens in one JVM, ran out of heap.
     */
    private static final PrometheusRegistry JVM = jvm();

    private static PrometheusRegistry jvm() {
        PrometheusRegistry r = new PrometheusRegistry();
        JvmMetrics.builder().register(r);
        return r;
    }

    private static boolean isParam(String segment) {
        return segment.startsWith("{") && segment.endsWith("}");
    }

    /** The route template {@code path} matches, or {@link #UNMATCHED}. */
    public String route(String path) {
        String[] p = path.split("/", -1);
        if (p.length > 1 && p[p.length - 1].isEmpty()) {
            p = Arrays.copyOf(p, p.length - 1); // a trailing slash routes as without it
        }
        for (String[] r : routes) {
            if (r.length != p.length) {
                continue;
            }
            boolean match = true;
            for (int i = 0; i < r.length && match; i++) {
                match = isParam(r[i]) ? !p[i].isEmpty() : r[i].equals(p[i]);
            }
            if (match) {
                return String.join("/", r);
            }
        }
        return UNMATCHED;
    }

    private static final java.util.Set<String> METHODS = java.util.Set.of("GET", "POST", "PUT", "PATCH", "DELETE",
            "HEAD", "OPTIONS");

    /** One request answered: counted, timed, and when refused for who sent it, counted as an auth failure. */
    public void request(String method, String path, int status, long nanos) {
        method = METHODS.contains(method) ? method : "OTHER";
        String route = status == 404 && !path.startsWith("/api/v1/") ? UNMATCHED : route(path);
        requests.labelValues(method, route, Integer.toString(status < 100 || status > 599 ? 0 : status)).inc();
        latency.labelValues(method, route).observe(nanos / 1e9);
        if (status == 401) {
            authFailures.labelValues("unauthenticated").inc();
        } else if (status == 403) {
            authFailures.labelValues("forbidden").inc();
        }
    }

    /** A configuration store operation took {@code nanos}. */
    public void store(String operation, long nanos) {
        store.labelValues(operation).observe(nanos / 1e9);
    }

    /** A value read when metrics are scraped, e.g. the notifier's queue depth. */
    public void gauge(String name, String help, LongSupplier value) {
        GaugeWithCallback.builder().name(name).help(help).callback(cb -> cb.call(value.getAsLong()))
                .register(registry);
    }

    /** A total read when metrics are scraped (it only grows), e.g. notifications delivered. */
    public void counter(String name, String help, LongSupplier value) {
        CounterWithCallback.builder().name(name).help(help).callback(cb -> cb.call(value.getAsLong()))
                .register(registry);
    }

    /** Gauges with one label, read when scraped: e.g. appliances by status. */
    public void gauges(String name, String help, String label, Supplier<Map<String, Long>> values) {
        GaugeWithCallback.builder().name(name).help(help).labelNames(label)
                .callback(cb -> values.get().forEach((k, v) -> cb.call(v, k))).register(registry);
    }

    public PrometheusRegistry registry() {
        return registry;
    }

    /** Content type of {@link #render()}. */
    public static String contentType() {
        return PrometheusTextFormatWriter.CONTENT_TYPE;
    }

    /** Every metric in the Prometheus text format (0.0.4). */
    public byte[] render() {
        ByteArrayOutputStream out = new ByteArrayOutputStream(16 * 1024);
        try {
            PrometheusTextFormatWriter.create().write(out, registry.scrape());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }
}
