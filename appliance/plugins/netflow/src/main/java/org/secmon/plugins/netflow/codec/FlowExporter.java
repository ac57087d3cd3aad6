package org.secmon.plugins.netflow.codec;

import org.secmon.plugins.netflow.meta.MetaField;

import org.secmon.plugins.netflow.cache.FlowCache;
import org.secmon.plugins.netflow.cache.FlowTable;
import org.secmon.transport.CollectorSet;
import org.secmon.transport.CollectorType;
import org.secmon.transport.DatagramSink;
import org.secmon.transport.LoadBalancer;

/**
 * Encodes ended flows as NetFlow v9 (RFC 3954) or IPFIX (RFC 7011) — per collector, by the collector's type — and
 * sends them to the collector of the flow's session (load balancing). Each collector has an {@link ExportSession}:
 * one export packet filled up to the MTU and sent when full, when it is older than the flush delay, or on
 * {@link #flush}. The wire structures are {@link MessageHeader}, {@link SetHeader}, {@link TemplateRecord}, with the
 * elements of {@link InformationElements}.
 * <p>
 * Templates: one for IPv4 (id 256), one for IPv6 (id 257), and an options template (id 258: sampling interval and
 * algorithm, exporting process) with its data record (IPFIX: only when sampling, see {@code writeTemplates}).
 * They are sent to every collector at the start of its first
 * packet, then again every {@code refreshPackets} export packets and every {@code refreshNanos} (whichever comes
 * first), and whenever the collector comes back after being down. A new configuration is a new exporter, so
 * templates go out again after every change.
 * <p>
 * Sequence numbers are kept per collector ({@link Sequences}, shared by the exporters of every rx queue): NetFlow v9
 * counts export packets, IPFIX counts data records, so every collector of a load-balanced set sees a gap-free
 * sequence. Single-threaded (each queue has its own exporter); allocation-free per record.
 */
public final class FlowExporter implements FlowCache.Sink, DatagramSink.Listener, AutoCloseable {
    public static final int TEMPLATE_V4 = 256;
    public static final int TEMPLATE_V6 = 257;
    public static final int TEMPLATE_OPTIONS = 258;
    /** Records of flows with layer-7 metadata: the IPv4 / IPv6 templates' fields, then the metadata fields. */
    public static final int TEMPLATE_V4_META = 259;
    public static final int TEMPLATE_V6_META = 260;

    /**
     * Layer-7 metadata in the records: which fields, and the longest string (NetFlow v9: every string field's fixed
     * length). SecMon's own elements among them are numbered by {@link Settings#enterpriseNumber}.
     */
    public record MetaExport(java.util.Set<org.secmon.plugins.netflow.meta.MetaField> fields, int maxBytes) {
        public MetaExport {
            fields = java.util.Set.copyOf(fields);
        }
    }

    /**
     * Exporter settings. {@code exportingProcessId} goes into the options record (exportingProcessId, IE 144):
     * the agent's process id by default ({@link #withThisProcess}).
     */
    public record Settings(int sourceId, int mtu, int refreshPackets, long refreshNanos, long flushDelayNanos,
                           int samplingInterval, boolean macs, boolean vlan, int exportingProcessId,
                           boolean observationPoint, MetaExport meta, long enterpriseNumber) {
        public Settings(int sourceId, int mtu, int refreshPackets, long refreshNanos, long flushDelayNanos,
                        int samplingInterval, boolean macs, boolean vlan, int exportingProcessId,
                        boolean observationPoint) {
            this(sourceId, mtu, refreshPackets, refreshNanos, flushDelayNanos, samplingInterval, macs, vlan,
                    exportingProcessId, observationPoint, null, MetaField.DEFAULT_SECMON_PEN);
        }

        /** These settings, with records of flows that have metadata carrying it ({@code null}: none). */
        public Settings withMetadata(MetaExport m) {
            return new Settings(sourceId, mtu, refreshPackets, refreshNanos, flushDelayNanos, samplingInterval, macs,
                    vlan, exportingProcessId, observationPoint, m, enterpriseNumber);
        }

        /** These settings, with SecMon's own IPFIX elements (metadata, tunnel sources) under {@code pen}. */
        public Settings withEnterpriseNumber(long pen) {
            return new Settings(sourceId, mtu, refreshPackets, refreshNanos, flushDelayNanos, samplingInterval, macs,
                    vlan, exportingProcessId, observationPoint, meta, pen);
        }

        /** Settings whose exporting process is this JVM. */
        public static Settings withThisProcess(int sourceId, int mtu, int refreshPackets, long refreshNanos,
                                               long flushDelayNanos, int samplingInterval, boolean macs,
                                               boolean vlan) {
            return new Settings(sourceId, mtu, refreshPackets, refreshNanos, flushDelayNanos, samplingInterval, macs,
                    vlan, (int) ProcessHandle.current().pid(), false);
        }

        /**
         * These settings, with records carrying their observation point (observationPointId, IE 138;
         * layer2SegmentId, IE 351; in IPFIX the tunnel's outer source, SecMon's tunnelSourceIPv4Address /
         * tunnelSourceIPv6Address) or not.
         */
        public Settings withObservationPoint(boolean on) {
            return new Settings(sourceId, mtu, refreshPackets, refreshNanos, flushDelayNanos, samplingInterval, macs,
                    vlan, exportingProcessId, on, meta, enterpriseNumber);
        }

        public Settings {
            if (enterpriseNumber < 1 || enterpriseNumber > 0xffff_ffffL) {
                throw new IllegalArgumentException("enterprise_number must be 1..4294967295, not " + enterpriseNumber);
            }
            if (mtu < 256 || mtu > 65_000) {
                throw new IllegalArgumentException("mtu must be 256..65000 bytes of UDP payload, not " + mtu);
            }
            if (refreshPackets < 1) {
                throw new IllegalArgumentException("template refresh (packets) must be >= 1");
            }
            if (refreshNanos <= 0) {
                throw new IllegalArgumentException("template refresh (time) must be > 0");
            }
            if (samplingInterval < 1) {
                throw new IllegalArgumentException("sampling interval must be >= 1");
            }
        }

        public static Settings defaults() {
            return withThisProcess(0, 1400, 20, 60_000_000_000L, 1_000_000_000L, 1, false, false);
        }
    }

    private final DatagramSink sender;
    private final LoadBalancer lb;
    private final ExportSession[] sessions;
    private final Sequences sequences;

    private long bootNanos = Long.MIN_VALUE;
    private long now;
    private long noCollector;

    public FlowExporter(CollectorSet set, Settings settings, DatagramSink sender, LoadBalancer lb) {
        this(set, settings, sender, lb, Sequences.own(set.size()));
    }

    /**
     * An exporter whose collectors' sequence numbers are {@code sequences}, shared with the exporters of the other
     * rx queues (which send through the same socket under the same lock).
     */
    public FlowExporter(CollectorSet set, Settings settings, DatagramSink sender, LoadBalancer lb,
                        Sequences sequences) {
        this(set, settings, sender, lb, sequences, null);
    }

    /**
     * ... with {@code biflow[i]}: collector {@code i} (IPFIX) gets RFC 5103 biflow records, one per conversation
     * with reverse counters; the others a record per direction (null: none gets biflows). The cache must then keep
     * biflows.
     */
    public FlowExporter(CollectorSet set, Settings settings, DatagramSink sender, LoadBalancer lb,
                        Sequences sequences, boolean[] biflow) {
        if (sequences.next.length != set.size()) {
            throw new IllegalArgumentException("sequences for " + sequences.next.length + " collectors, the set has "
                    + set.size());
        }
        this.sender = sender;
        this.sequences = sequences;
        this.lb = lb;
        this.sessions = new ExportSession[set.size()];
        for (int i = 0; i < sessions.length; i++) {
            CollectorType t = set.collectors().get(i).type();
            if (t != CollectorType.NETFLOW && t != CollectorType.IPFIX) {
                throw new IllegalArgumentException("collector " + set.collectors().get(i).name() + " is of type "
                        + t.key() + "; flow export needs netflow or ipfix collectors");
            }
            sessions[i] = new ExportSession(i, t == CollectorType.IPFIX, settings, sender, sequences,
                    biflow != null && biflow[i]);
            lb.setUp(i, sender.isUp(i));
        }
        sender.listener(this);
    }

    /**
     * Start the exporter's clock: call with the first packet's time. NetFlow v9 sysUptime counts from one second
     * before it, so that no flow starts at uptime 0 (collectors such as nfdump read a zero time as "unset").
     */
    public void boot(long nowNanos) {
        if (bootNanos == Long.MIN_VALUE) {
            bootNanos = sequences.boot(nowNanos);
            now = nowNanos;
        }
    }

    // ---- FlowCache.Sink --------------------------------------------------------------------------------------

    @Override
    public void export(FlowTable c, int f, int reason) {
        long last = c.lastNanos(f);
        if (last > now) {
            now = last;
        }
        boot(c.firstNanos(f));
        long session = LoadBalancer.sessionHash(c.srcHi(f), c.srcLo(f), c.srcPort(f), c.dstHi(f), c.dstLo(f),
                c.dstPort(f), c.protocol(f));
        int col = lb.route(session, now);
        if (col < 0) {
            noCollector++;
            return;
        }
        sessions[col].add(c, f, reason, now, bootNanos);
    }

    // ---- time and lifecycle ------------------------------------------------------------------------------------

    /** Housekeeping from the plugin's poll: collector health, and sending packets older than the flush delay. */
    public void tick(long nowNanos) {
        if (nowNanos > now) {
            now = nowNanos;
        }
        sender.check(now);
        for (ExportSession s : sessions) {
            s.tick(now, bootNanos);
        }
    }

    /** Send every open packet now (end of a capture, shutdown). */
    public void flush() {
        for (ExportSession s : sessions) {
            s.send(now, bootNanos);
        }
        sender.drain(0, true); // paced datagrams: the final flush waits for them
    }

    @Override
    public void collectorStateChanged(int collector, boolean up) {
        lb.setUp(collector, up);
        sessions[collector].collectorStateChanged(up);
    }

    /** Records handed to a collector's socket (UDP: delivery is not confirmed). */
    public long recordsExported() {
        long n = 0;
        for (ExportSession s : sessions) {
            n += s.recordsExported();
        }
        return n;
    }

    /** Records that were encoded but could not be sent (collector down or send error). */
    public long recordsLost() {
        long n = 0;
        for (ExportSession s : sessions) {
            n += s.recordsLost();
        }
        return n;
    }

    /** Records not exported because no collector of the set was up. */
    public long noCollector() {
        return noCollector;
    }

    public long templatePackets() {
        long n = 0;
        for (ExportSession s : sessions) {
            n += s.templatePackets();
        }
        return n;
    }

    @Override
    public void close() {
        sender.close();
    }
}
