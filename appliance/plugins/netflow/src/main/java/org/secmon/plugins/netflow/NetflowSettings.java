package org.secmon.plugins.netflow;

import java.util.EnumSet;
import java.util.Locale;
import java.util.Set;

import org.secmon.plugin.PluginConfig;
import org.secmon.plugins.netflow.cache.FlowCache;
import org.secmon.plugins.netflow.cache.FlowField;
import org.secmon.plugins.netflow.cache.FlowTable;
import org.secmon.plugins.netflow.codec.FlowExporter;
import org.secmon.plugins.netflow.meta.MetaField;
import org.secmon.plugins.netflow.meta.MetaRecord;
import org.secmon.transport.CollectorSet;
import org.secmon.transport.CollectorType;

/**
 * The plugin's configuration, as the original's netflowconfig + netflowmonitor + association. Keys (all optional
 * but the collectors):
 * <pre>
 * collectors:            # a collector set; or "collector: HOST:PORT" for a single one
 *   - {name: c1, address: 127.0.0.1, port: 2055, type: netflow|ipfix, weight: 0..100}
 * lb: session | round_robin | weighted_round_robin     (default session)
 * active_timeout: 60          seconds
 * inactive_timeout: 120       seconds
 * template_refresh_packets: 20   templates again every N export packets (older name: refresh_rate)
 * template_refresh_seconds: 60   ... and every N seconds, whichever first (older name: timeout_rate)
 * max_flows: 2000000
 * cache_full: evict_oldest | drop_new
 * match: [src_addr, dst_addr, protocol, src_port, dst_port, tos, input_interface, direction]
 *                           (also: src_mac, dst_mac, vlan, observation_point: the tunnel id, exported as IE 138,
 *                           and in IPFIX the tunnel's outer source: SecMon elements 5 / 6)
 * collect: [src_mac, dst_mac, vlan]
 * source_id: 0                NetFlow v9 source id / IPFIX observation domain
 * mtu: 1400                   bytes of UDP payload per export packet
 * sampling_interval: 1        reported in the options record (this plugin sees every packet it is given)
 * collector_retry: 5          seconds before a collector that went down is tried again
 * session_timeout: 300        seconds a load-balancing session sticks to its collector after its last export
 * scan_period_ms: 1000        timeout granularity: flows are exported at most this long after their timeout
 * flush_delay_ms: 1000        an export packet waits at most this long for more records
 * pacing_kbps: 0              at most this rate to each collector (0: no pacing), e.g. into an IPsec tunnel
 * cache_thread: false         run the flow cache and export on a thread of their own: the packet thread only
 *                             parses and encodes (uses one more core; see docs/performance.md)
 * metadata: []                layer-7 metadata in the records (off by default): tls, quic, http, dns, app (groups), or fields
 *                             such as tls_sni, tls_ja4, dns_query; "all" for every one (docs/netflow.md lists them)
 * metadata_max_bytes: 64      the longest string kept (server names, hosts, user agents are cut); NetFlow v9 sends
 *                             every string field at this fixed length
 * metadata_flows: 131072      flows of a cache that may hold metadata at the same time (more are counted)
 * biflow: false               RFC 5103 biflows to every IPFIX collector (or per collector: {..., biflow: true}):
 *                             one record per conversation with reverse counters; NetFlow v9 stays unidirectional
 * enterprise_number: 32473    the IPFIX enterprise number of SecMon's own elements (32473: RFC 5612's number for
 *                             documentation; set your organisation's registered number)
 * </pre>
 */
record NetflowSettings(CollectorSet collectors, long activeNanos, long inactiveNanos, int maxFlows,
                       FlowCache.FullPolicy fullPolicy, Set<FlowField> match, Set<FlowField> collect,
                       FlowExporter.Settings exporter, long retryNanos, long sessionTimeoutNanos,
                       long scanPeriodNanos, long pacingKbps, boolean cacheThread, FlowCache.Metadata metadata,
                       boolean[] biflow) {
    /** Whether any collector gets biflows (the cache then keeps them). */
    boolean anyBiflow() {
        for (boolean b : biflow) {
            if (b) {
                return true;
            }
        }
        return false;
    }

    /** Templates again every 20 export packets (per collector)... */
    static final int TEMPLATE_REFRESH_PACKETS_DEFAULT = 20;
    /** ... or every 60 s, whichever first: a restarted UDP collector decodes again within a minute. */
    static final long TEMPLATE_REFRESH_SECONDS_DEFAULT = 60;
    private static final long S = 1_000_000_000L;
    private static final long MS = 1_000_000L;

    static NetflowSettings parse(PluginConfig c) {
        CollectorSet set = CollectorSet.parse(c, CollectorType.NETFLOW, 2055, "netflow");

        long active = seconds(c, "active_timeout", 60);
        long inactive = seconds(c, "inactive_timeout", 120);
        int maxFlows = c.intValue("max_flows", 2_000_000);
        if (maxFlows < 1 || maxFlows > FlowTable.MAX_FLOWS) {
            throw new IllegalArgumentException("max_flows must be 1.." + FlowTable.MAX_FLOWS + ", not " + maxFlows);
        }
        FlowCache.FullPolicy full = switch (c.string("cache_full", "evict_oldest").toLowerCase(Locale.ROOT)) {
            case "evict_oldest", "oldest", "evict" -> FlowCache.FullPolicy.EVICT_OLDEST;
            case "drop_new", "drop" -> FlowCache.FullPolicy.DROP_NEW;
            default -> throw new IllegalArgumentException("cache_full must be evict_oldest or drop_new, not '"
                    + c.string("cache_full", "") + "'");
        };
        Set<FlowField> match = c.has("match") ? FlowField.parseAll(c.strings("match")) : FlowField.DEFAULT_MATCH;
        if (match.isEmpty()) {
            throw new IllegalArgumentException("match: at least one field");
        }
        Set<FlowField> collect = FlowField.parseAll(c.strings("collect"));
        for (FlowField f : collect) {
            if (!FlowField.COLLECTABLE.contains(f)) {
                throw new IllegalArgumentException("collect: '" + f.key() + "' can only be matched, not collected"
                        + " (collectable: src_mac, dst_mac, vlan)");
            }
        }
        Set<FlowField> both = EnumSet.copyOf(collect);
        both.addAll(match);
        boolean macs = both.contains(FlowField.SRC_MAC) || both.contains(FlowField.DST_MAC);
        // one name for each setting in the plugin, the EMS and the docs; the original's names still work
        int refreshPackets = c.intValue("template_refresh_packets", c.intValue("refresh_rate",
                TEMPLATE_REFRESH_PACKETS_DEFAULT));
        long refreshSecs = c.longValue("template_refresh_seconds", c.longValue("timeout_rate",
                TEMPLATE_REFRESH_SECONDS_DEFAULT));
        if (refreshSecs < 1) {
            throw new IllegalArgumentException("template_refresh_seconds must be >= 1, not " + refreshSecs);
        }
        if (refreshPackets < 1) {
            throw new IllegalArgumentException("template_refresh_packets must be >= 1, not " + refreshPackets);
        }
        long sourceId = c.longValue("source_id", 0);
        if (sourceId < 0 || sourceId > 0xffffffffL) {
            throw new IllegalArgumentException("source_id must be 0..4294967295");
        }
        FlowCache.Metadata metadata = null;
        FlowExporter.MetaExport metaExport = null;
        java.util.List<String> metaNames = c.strings("metadata");
        if (!metaNames.isEmpty()) {
            Set<MetaField> fields = MetaField.parseAll(metaNames);
            int maxBytes = c.intValue("metadata_max_bytes", 64);
            if (maxBytes < 1 || maxBytes > MetaRecord.MAX_VALUE) {
                throw new IllegalArgumentException("metadata_max_bytes must be 1.." + MetaRecord.MAX_VALUE + ", not "
                        + maxBytes);
            }
            int flows = c.intValue("metadata_flows", 131_072);
            if (flows < 1) {
                throw new IllegalArgumentException("metadata_flows must be >= 1, not " + flows);
            }
            metadata = new FlowCache.Metadata(fields, maxBytes, flows);
            metaExport = new FlowExporter.MetaExport(fields, maxBytes);
        } else if (c.has("metadata_max_bytes") || c.has("metadata_flows")) {
            throw new IllegalArgumentException("metadata_max_bytes and metadata_flows need 'metadata' (e.g."
                    + " metadata: [tls, dns])");
        } else if (c.has("enterprise_number") && !match.contains(FlowField.OBSERVATION_POINT)) {
            throw new IllegalArgumentException("enterprise_number numbers SecMon's own IPFIX elements: it needs"
                    + " 'metadata' (e.g. metadata: [tls, dns]) or observation_point in match (tunnel sources)");
        }
        boolean[] biflow = new boolean[set.size()];
        boolean all = c.bool("biflow", false);
        java.util.List<PluginConfig> listed = c.has("collectors") ? c.children("collectors") : java.util.List.of();
        for (int i = 0; i < biflow.length; i++) {
            boolean mine = i < listed.size() && listed.get(i).has("biflow") ? listed.get(i).bool("biflow", false) : all;
            if (mine && set.collectors().get(i).type() != CollectorType.IPFIX) {
                if (i < listed.size() && listed.get(i).has("biflow")) {
                    throw new IllegalArgumentException("collector " + set.collectors().get(i).name() + ": biflow"
                            + " needs type ipfix (RFC 5103); NetFlow v9 stays unidirectional");
                }
                mine = false; // the plugin-wide switch applies to the IPFIX collectors
            }
            biflow[i] = mine;
            if (mine && !match.containsAll(java.util.List.of(FlowField.SRC_ADDR, FlowField.DST_ADDR,
                    FlowField.SRC_PORT, FlowField.DST_PORT))) {
                throw new IllegalArgumentException("biflow needs src_addr, dst_addr, src_port and dst_port in match");
            }
        }
        FlowExporter.Settings ex = FlowExporter.Settings.withThisProcess((int) sourceId, c.intValue("mtu", 1400),
                refreshPackets, refreshSecs * S, positive(c, "flush_delay_ms", 1000) * MS,
                c.intValue("sampling_interval", 1), macs, both.contains(FlowField.VLAN))
                .withObservationPoint(match.contains(FlowField.OBSERVATION_POINT))
                .withEnterpriseNumber(c.longValue("enterprise_number", MetaField.DEFAULT_SECMON_PEN))
                .withMetadata(metaExport);
        return new NetflowSettings(set, active, inactive, maxFlows, full, match, collect, ex,
                seconds(c, "collector_retry", 5), seconds(c, "session_timeout", 300),
                positive(c, "scan_period_ms", 1000) * MS, org.secmon.transport.UdpSender.pacingKbps(c),
                c.bool("cache_thread", false), metadata, biflow);
    }


    private static long seconds(PluginConfig c, String key, long def) {
        return positive(c, key, def) * S;
    }

    private static long positive(PluginConfig c, String key, long def) {
        long v = c.longValue(key, def);
        if (v < 1) {
            throw new IllegalArgumentException(key + " must be >= 1, not " + v);
        }
        return v;
    }
}
