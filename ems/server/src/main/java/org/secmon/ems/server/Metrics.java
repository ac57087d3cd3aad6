package org.secmon.ems.server;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * Request counters and latency histograms per method and status class, rendered in the Prometheus text format at
 * {@code /metrics}. (Helidon's metrics module is not in the reachable Maven repository.)
 */
public final class Metrics {
    /** Upper bounds of the latency buckets in seconds. */
    static final double[] BUCKETS = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5};

    private static final class Series {
        final LongAdder count = new LongAdder();
        final LongAdder sumNanos = new LongAdder();
        final LongAdder[] buckets = new LongAdder[BUCKETS.length];

        Series() {
            for (int i = 0; i < buckets.length; i++) {
                buckets[i] = new LongAdder();
            }
        }
    }

    private final Map<String, Series> requests = new ConcurrentHashMap<>();
    private final Map<String, java.util.function.LongSupplier> gauges = new ConcurrentHashMap<>();

    /** Methods that get a series of their own; any other method string is counted as OTHER (bounded labels). */
    private static final java.util.Set<String> METHODS = java.util.Set.of("GET", "POST", "PUT", "PATCH", "DELETE",
            "HEAD", "OPTIONS");

    public void request(String method, int status, long nanos) {
        method = METHODS.contains(method) ? method : "OTHER";
        status = status < 100 || status > 599 ? 0 : status;
        Series s = requests.computeIfAbsent("method=\"" + method + "\",status=\"" + status + "\"", k -> new Series());
        s.count.increment();
        s.sumNanos.add(nanos);
        double sec = nanos / 1e9;
        for (int i = 0; i < BUCKETS.length; i++) {
            if (sec <= BUCKETS[i]) {
                s.buckets[i].increment();
            }
        }
    }

    /** A value read when metrics are rendered, e.g. the notifier's queue depth. */
    public void gauge(String name, java.util.function.LongSupplier value) {
        gauges.put(name, value);
    }

    public String render() {
        StringBuilder b = new StringBuilder(4096);
        b.append("# HELP secmon_ems_http_requests_seconds EMS API request latency\n");
        b.append("# TYPE secmon_ems_http_requests_seconds histogram\n");
        requests.entrySet().stream().sorted(Map.Entry.comparingByKey()).forEach(e -> {
            Series s = e.getValue();
            for (int i = 0; i < BUCKETS.length; i++) {
                b.append("secmon_ems_http_requests_seconds_bucket{").append(e.getKey()).append(",le=\"")
                        .append(BUCKETS[i]).append("\"} ").append(s.buckets[i].sum()).append('\n');
            }
            b.append("secmon_ems_http_requests_seconds_bucket{").append(e.getKey()).append(",le=\"+Inf\"} ")
                    .append(s.count.sum()).append('\n');
            b.append("secmon_ems_http_requests_seconds_count{").append(e.getKey()).append("} ")
                    .append(s.count.sum()).append('\n');
            b.append("secmon_ems_http_requests_seconds_sum{").append(e.getKey()).append("} ")
                    .append(s.sumNanos.sum() / 1e9).append('\n');
        });
        gauges.entrySet().stream().sorted(Map.Entry.comparingByKey()).forEach(e -> {
            b.append("# TYPE ").append(e.getKey()).append(" gauge\n");
            b.append(e.getKey()).append(' ').append(e.getValue().getAsLong()).append('\n');
        });
        return b.toString();
    }
}
