package org.secmon.plugin;

import java.util.List;

/**
 * Names of the counters export plugins publish ({@link PluginContext}'s custom counters), shared by the plugins
 * that count, the agent that reports them (EMS, SSH CLI) and the tools that read them (replay, bench), so that a
 * name is spelled once. Per-collector counters are {@code collector.NAME.COUNTER} ({@link #COLLECTOR_PREFIX}).
 */
public final class CounterNames {
    private CounterNames() {
    }

    // NetFlow / IPFIX
    public static final String FLOWS_ACTIVE = "flows_active";
    public static final String FLOWS_CREATED = "flows_created";
    public static final String FLOWS_EVICTED_CACHE_FULL = "flows_evicted_cache_full";
    public static final String PACKETS_DROPPED_CACHE_FULL = "packets_dropped_cache_full";
    public static final String RECORDS_EXPORTED = "records_exported";
    public static final String RECORDS_LOST = "records_lost";
    public static final String RECORDS_NO_COLLECTOR = "records_no_collector";
    public static final String CACHE_THREAD_FULL_WAITS = "cache_thread_full_waits";

    // sFlow
    public static final String SAMPLE_POOL = "sample_pool";
    public static final String FLOW_SAMPLES = "flow_samples";
    public static final String FLOW_SAMPLES_SENT = "flow_samples_sent";
    public static final String SAMPLES_LOST = "samples_lost";
    public static final String SAMPLES_NO_COLLECTOR = "samples_no_collector";

    // raw forward
    public static final String PACKETS_SENT = "packets_sent";
    public static final String PACKETS_LOST = "packets_lost";
    public static final String PACKETS_NO_COLLECTOR = "packets_no_collector";
    public static final String PACKETS_CUT = "packets_cut";
    public static final String SEND_CALLS = "send_calls";

    /** Counters of export units (records, samples, packets) that were encoded or routed but not delivered. */
    public static final List<String> UNDELIVERED = List.of(RECORDS_LOST, RECORDS_NO_COLLECTOR, SAMPLES_LOST,
            SAMPLES_NO_COLLECTOR, PACKETS_LOST, PACKETS_NO_COLLECTOR);

    /** Prefix of per-collector counters. */
    public static final String COLLECTOR_PREFIX = "collector.";

    /**
     * Whether a counter is a level (active flows, a collector's sessions, whether it is down) rather than a count
     * that only grows: what a plugin's new instances must not add their predecessors' values to.
     */
    public static boolean isGauge(String name) {
        return name.equals(FLOWS_ACTIVE) || name.startsWith(COLLECTOR_PREFIX) && (name.endsWith(".sessions")
                || name.endsWith(".down"));
    }
}
