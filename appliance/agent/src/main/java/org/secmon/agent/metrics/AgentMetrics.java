package org.secmon.agent.metrics;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;

import com.fasterxml.jackson.databind.JsonNode;
import io.prometheus.metrics.instrumentation.jvm.JvmMetrics;
import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import org.secmon.dataplane.host.LoadedPlugin;
import org.secmon.dataplane.host.RxQueues;
import org.secmon.dataplane.ingest.ObservationPoints;
import org.secmon.dataplane.parse.MalformedReason;
import org.secmon.plugin.PacketFormat;
import org.secmon.plugin.CounterNames;

/**
 * The appliance's metrics, read from the data plane's counters when Prometheus scrapes (single-writer counters
 * read with opaque loads: no lock and no allocation on the packet path; the allocation is the scrape's): rx by
 * malformed/skipped reason, observation points, per plugin received/filtered/dropped/errors/ring waits and its own
 * counters, per collector datagrams/bytes/errors/sessions/down, the agent's EMS state and applied configuration
 * version, IPsec tunnels, and the JVM's metrics.
 */
public final class AgentMetrics implements MultiCollector {
    /** What the agent knows about itself (its EMS side), read at each scrape: the ApplianceAgent. */
    public interface AgentState {
        /** The configuration version applied, or null before the first. */
        Long appliedVersion();

        /** Whether the last exchange with the EMS succeeded. */
        boolean connected();

        long notifications();

        long applies();

        /** Seconds spent fetching and applying configurations, over all applies. */
        double applySeconds();

        long emsErrors();

        /** The last report's IPsec state ({@code tunnels: {name: {ike, ...}}}), or null. */
        JsonNode ipsecState();
    }

    /** Plugin counters that are levels, not totals. */
    private static final Set<String> GAUGES = Set.of(CounterNames.FLOWS_ACTIVE);
    /** Per-collector counters that are levels. */
    private static final Set<String> COLLECTOR_GAUGES = Set.of("sessions", "down");

    private final RxQueues rx;
    private final Supplier<List<LoadedPlugin>> plugins;
    private final AgentState agent;
    private final String version;

    public AgentMetrics(RxQueues rx, Supplier<List<LoadedPlugin>> plugins, AgentState agent, String version) {
        this.rx = rx;
        this.plugins = plugins;
        this.agent = agent;
        this.version = version;
    }

    /**
     * The JVM's metrics, registered once per process: JvmMetrics keeps every registry it was registered with in a
     * static set, which would keep each agent's data plane (through this collector) alive after the agent stopped.
     */
    private static final PrometheusRegistry JVM = jvm();

    private static PrometheusRegistry jvm() {
        PrometheusRegistry r = new PrometheusRegistry();
        JvmMetrics.builder().register(r);
        return r;
    }

    /** A registry with these metrics and the JVM's. */
    public PrometheusRegistry registry() {
        PrometheusRegistry r = new PrometheusRegistry();
        r.register(this);
        r.register((MultiCollector) JVM::scrape);
        return r;
    }

    /** Metric families being built for one scrape: name to help, type and data points. */
    private static final class Families {
        private record Family(String help, boolean counter, List<Object> points) {
        }

        private final Map<String, Family> byName = new LinkedHashMap<>();

        void counter(String name, String help, double value, String... labels) {
            add(name, help, true, CounterSnapshot.CounterDataPointSnapshot.builder().value(value)
                    .labels(Labels.of(labels)).build());
        }

        void gauge(String name, String help, double value, String... labels) {
            add(name, help, false, GaugeSnapshot.GaugeDataPointSnapshot.builder().value(value)
                    .labels(Labels.of(labels)).build());
        }

        private void add(String name, String help, boolean counter, Object point) {
            Family f = byName.computeIfAbsent(name, n -> new Family(help, counter, new ArrayList<>()));
            if (f.counter() == counter) { // a plugin counter named like a family of the other type is left out
                f.points().add(point);
            }
        }

        MetricSnapshots build() {
            List<MetricSnapshot> out = new ArrayList<>();
            byName.forEach((name, f) -> {
                if (f.counter()) {
                    CounterSnapshot.Builder b = CounterSnapshot.builder().name(name).help(f.help());
                    f.points().forEach(p -> b.dataPoint((CounterSnapshot.CounterDataPointSnapshot) p));
                    out.add(b.build());
                } else {
                    GaugeSnapshot.Builder b = GaugeSnapshot.builder().name(name).help(f.help());
                    f.points().forEach(p -> b.dataPoint((GaugeSnapshot.GaugeDataPointSnapshot) p));
                    out.add(b.build());
                }
            });
            return new MetricSnapshots(out);
        }
    }

    @Override
    public MetricSnapshots collect() {
        Families m = new Families();
        m.gauge("secmon_agent_info", "the agent's version (value 1)", 1, "version", version);
        m.counter("secmon_rx_packets", "frames received from the mirror source", rx.rxPackets());
        m.counter("secmon_rx_bytes", "bytes received from the mirror source", rx.rxBytes());
        if (rx.size() > 1) { // how evenly RSS (or the software placement) spreads the conversations
            for (int q = 0; q < rx.size(); q++) {
                m.counter("secmon_rx_queue_packets", "frames taken in by each rx queue",
                        rx.agents().get(q).rxPackets(), "queue", Integer.toString(q));
            }
        }
        for (MalformedReason r : MalformedReason.values()) {
            if (r == MalformedReason.NONE) {
                continue;
            }
            String reason = r.name().toLowerCase(Locale.ROOT);
            if (r.malformed()) {
                m.counter("secmon_rx_malformed", "malformed frames by reason (counted, not decoded)",
                        rx.malformed(r), "reason", reason);
            } else {
                m.counter("secmon_rx_skipped", "well-formed frames not decoded by choice, by reason",
                        rx.malformed(r), "reason", reason);
            }
        }
        m.counter("secmon_rx_duplicates_dropped", "frames dropped as duplicates within the dedup window",
                rx.duplicatesDropped());
        for (ObservationPoints.Point pt : rx.observationPoints()) {
            String[] l = {"point", pt.describe(), "tunnel", PacketFormat.tunnelName(pt.tunnelType()),
                "source", PacketFormat.address(pt.srcHi(), pt.srcLo()), "id", Long.toString(pt.id())};
            m.counter("secmon_observation_point_packets", "packets per observation point (tunnel source)",
                    pt.packets(), l);
            m.counter("secmon_observation_point_bytes", "bytes per observation point (tunnel source)", pt.bytes(), l);
        }
        for (LoadedPlugin p : plugins.get()) {
            String n = p.name();
            m.gauge("secmon_plugin_state", "the plugin's state (value 1 for its current state)", 1,
                    "plugin", n, "state", p.state().name().toLowerCase(Locale.ROOT));
            m.counter("secmon_plugin_packets_received", "packets given to the plugin", p.received(), "plugin", n);
            m.counter("secmon_plugin_packets_filtered", "packets the plugin's rules filtered out", p.filtered(),
                    "plugin", n);
            m.counter("secmon_plugin_packets_dropped", "packets lost because the plugin's ring was full",
                    p.dropped(), "plugin", n);
            m.counter("secmon_plugin_ring_full_waits", "times a replay waited for room in the plugin's ring",
                    p.stalls(), "plugin", n);
            m.counter("secmon_plugin_errors", "errors the plugin raised on packets", p.errors(), "plugin", n);
            for (Map.Entry<String, Long> c : p.customCounters().entrySet()) {
                custom(m, n, c.getKey(), c.getValue());
            }
        }
        Long v = agent.appliedVersion();
        m.gauge("secmon_agent_config_version", "the configuration version applied (-1: none yet)",
                v == null ? -1 : v);
        m.gauge("secmon_agent_ems_connected", "1 when the last exchange with the EMS succeeded",
                agent.connected() ? 1 : 0);
        m.counter("secmon_agent_notifications", "change notifications received from the EMS", agent.notifications());
        m.counter("secmon_agent_config_applies", "configurations applied", agent.applies());
        m.counter("secmon_agent_config_apply_seconds", "time spent fetching, compiling and swapping in "
                + "configurations (divided by the applies: the mean apply latency)", agent.applySeconds());
        m.counter("secmon_agent_ems_errors", "failed exchanges with the EMS", agent.emsErrors());
        JsonNode ipsec = agent.ipsecState();
        if (ipsec != null) {
            m.gauge("secmon_ipsec_tunnels_configured", "IPsec tunnels loaded into strongSwan",
                    ipsec.path("tunnels_configured").asLong(0));
            ipsec.path("tunnels").properties().forEach(t -> m.gauge("secmon_ipsec_tunnel_up",
                    "1 when the tunnel's IKE SA is established", "established".equals(t.getValue().path("ike")
                            .asText()) ? 1 : 0, "tunnel", t.getKey()));
        }
        return m.build();
    }

    /** A plugin's own counter: per collector ({@code collector.NAME.COUNTER}), a level, or a total. */
    private static void custom(Families m, String plugin, String name, long value) {
        if (name.startsWith(CounterNames.COLLECTOR_PREFIX)) {
            int dot = name.lastIndexOf('.');
            if (dot > CounterNames.COLLECTOR_PREFIX.length()) {
                String collector = name.substring(CounterNames.COLLECTOR_PREFIX.length(), dot);
                String what = sanitize(name.substring(dot + 1));
                if (COLLECTOR_GAUGES.contains(what)) {
                    m.gauge("secmon_collector_" + what, "per collector: " + what, value, "plugin", plugin,
                            "collector", collector);
                } else {
                    m.counter("secmon_collector_" + what, "per collector: " + what, value, "plugin", plugin,
                            "collector", collector);
                }
                return;
            }
        }
        String n = sanitize(name);
        if (GAUGES.contains(n)) {
            m.gauge("secmon_plugin_" + n, "plugin counter " + n + " (a level)", value, "plugin", plugin);
        } else {
            m.counter("secmon_plugin_" + n, "plugin counter " + n, value, "plugin", plugin);
        }
    }

    /** A plugin's counter name as a metric name part: [a-z0-9_], no {@code _total} suffix (the format adds it). */
    static String sanitize(String name) {
        String s = name.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9_]", "_");
        return s.endsWith("_total") ? s.substring(0, s.length() - 6) : s;
    }
}
