package org.secmon.plugins.netflow;

import org.secmon.plugin.Counter;
import org.secmon.plugin.CounterNames;
import org.secmon.plugin.DeliveryMode;
import org.secmon.plugin.Packet;
import org.secmon.plugin.PacketFormat;
import org.secmon.plugin.PluginApi;
import org.secmon.plugin.PluginConfig;
import org.secmon.plugin.PluginContext;
import org.secmon.plugin.PluginDescriptor;
import org.secmon.plugin.SecmonPlugin;
import org.secmon.plugin.Table;
import org.secmon.plugins.netflow.cache.FlowCache;
import org.secmon.plugins.netflow.cache.FlowPipe;
import org.secmon.plugins.netflow.cache.FlowTable;
import org.secmon.plugins.netflow.codec.FlowExporter;
import org.secmon.plugins.netflow.codec.SequenceBook;
import org.secmon.plugins.netflow.codec.Sequences;
import org.secmon.transport.Collector;
import org.secmon.transport.CollectorCounters;
import org.secmon.transport.LoadBalancer;
import org.secmon.transport.SharedSender;
import org.secmon.transport.UdpSender;

/**
 * NetFlow v9 / IPFIX export: every packet its filter passes updates the flow cache; ended flows are encoded per
 * collector (v9 or IPFIX) and sent to the collector of their session. See {@link NetflowSettings} for the keys.
 */
public final class NetflowPlugin implements SecmonPlugin {
    public static final String ID = "netflow";
    /**
     * The host calls poll after every rx burst; expiry, session expiry, collector checks (a syscall each) and
     * counters need not run that often, so they run once per this much time (capture time in replay).
     */
    private static final long HOUSEKEEPING_NANOS = 10_000_000L;
    /** Load-balancer session slots examined per housekeeping run. */
    private static final int SESSION_EXPIRY_BUDGET = 4096;
    /** The time a cache thread may take to answer a query or to flush at the end. */
    private static final long PIPE_WAIT_MILLIS = 60_000;

    private PluginContext context;
    private NetflowSettings settings;
    private FlowCache cache;
    private FlowExporter exporter;
    private SharedSender sender; // one socket per collector for the instances of every rx queue
    private LoadBalancer lb;
    private FlowPipe pipe; // cache_thread: the cache, the exporter and all below run on the pipe's thread
    private boolean booted;
    private boolean flushed;
    private long nextHousekeeping;
    private long lastPoll;

    private Counter flowsActive;
    private Counter flowsCreated;
    private Counter recordsExported;
    private Counter recordsLost;
    private Counter noCollector;
    private Counter evicted;
    private Counter droppedFull;
    private Counter templatePackets;
    private Counter nonIp;
    private Counter pipeFullWaits;
    private CollectorCounters perCollector;
    /** The metadata counters, each beside what it reads (null without metadata). */
    private java.util.List<MetaCounter> metaCounters;

    private record MetaCounter(Counter counter, java.util.function.LongSupplier value) {
    }

    @Override
    public PluginDescriptor descriptor() {
        return new PluginDescriptor(ID, "1.0.0", PluginApi.VERSION,
                "NetFlow v9 (RFC 3954) and IPFIX (RFC 7011) export with a flow cache", DeliveryMode.DIRECT, "", true);
    }

    @Override
    public void init(PluginContext ctx) {
        this.context = ctx;
        flowsActive = ctx.counter(CounterNames.FLOWS_ACTIVE);
        flowsCreated = ctx.counter(CounterNames.FLOWS_CREATED);
        recordsExported = ctx.counter(CounterNames.RECORDS_EXPORTED);
        recordsLost = ctx.counter(CounterNames.RECORDS_LOST);
        noCollector = ctx.counter(CounterNames.RECORDS_NO_COLLECTOR);
        evicted = ctx.counter(CounterNames.FLOWS_EVICTED_CACHE_FULL);
        droppedFull = ctx.counter(CounterNames.PACKETS_DROPPED_CACHE_FULL);
        templatePackets = ctx.counter("template_packets");
        nonIp = ctx.counter("non_ip_packets");
    }

    /** Heap a flow takes in the cache, about: its record, index slots, free list, expiry wheel and session. */
    static final int BYTES_PER_FLOW = 180;

    /** Why a flow cache of {@code maxFlows} could not be made in a heap of {@code maxHeap} bytes. */
    static String tooLarge(long maxFlows, long maxHeap) {
        return String.format(java.util.Locale.ROOT, "max_flows %,d: the flow cache (about %,d MB) does not fit in the"
                + " agent's heap (%,d MB at most): lower max_flows in the NetFlow configuration, or give the agent"
                + " more memory (a larger VM, or SECMON_JAVA_OPTS=-Xmx...)", maxFlows,
                maxFlows * BYTES_PER_FLOW >> 20, maxHeap >> 20);
    }

    @Override
    public void configure(PluginConfig config) {
        this.settings = NetflowSettings.parse(config);
    }

    @Override
    public void start() {
        if (settings == null) {
            throw new IllegalStateException("no configuration: set at least 'collector: HOST:PORT'");
        }
        NetflowSettings s = settings;
        pipe = null;
        sender = SharedSender.acquire(context, s.collectors(), () -> {
            UdpSender udp = new UdpSender(s.collectors(), s.retryNanos());
            if (s.pacingKbps() > 0) {
                udp.pacing(s.pacingKbps() * 1000, 4 * s.exporter().mtu(), 1024, s.exporter().mtu());
            }
            return udp;
        });
        // numbered where the previous configuration's instances are (a collector sees one exporter across changes)
        SequenceBook book = context.kept("sequences", SequenceBook::new);
        Sequences sequences = context.shared("sequences", () -> book.sequences(s.collectors(),
                s.exporter().sourceId()));
        // each queue's cache holds the flows of its conversations: max_flows is the appliance's, split over queues
        int maxFlows = Math.max(1024, (int) ((s.maxFlows() + (long) context.queues() - 1) / context.queues()));
        int cacheFlows = context.queues() > 1 ? maxFlows : s.maxFlows();
        try { // the load balancer's session table and the cache are sized by max_flows
            lb = new LoadBalancer(s.collectors(), maxFlows, s.sessionTimeoutNanos());
            exporter = new FlowExporter(s.collectors(), s.exporter(), sender.view(), lb, sequences, s.biflow());
            cache = new FlowCache(cacheFlows, s.match(), s.collect(), s.activeNanos(), s.inactiveNanos(),
                    s.scanPeriodNanos(), s.fullPolicy(), exporter, s.metadata(), s.anyBiflow());
        } catch (OutOfMemoryError e) { // one large array that could not be had: nothing half-made stays reachable
            lb = null;
            exporter = null;
            cache = null;
            sender.release();
            sender = null;
            throw new IllegalStateException(tooLarge(s.maxFlows(), Runtime.getRuntime().maxMemory()));
        }
        recentTop = null;
        recentWanted = 0;
        metaCounters = null;
        if (s.metadata() != null) {
            FlowCache c = cache;
            var m = c.metadata(); // its counters are plain fields of the encoding thread: read as a recent value
            metaCounters = java.util.List.of(meta("metadata_flows", c::metaKept),
                    meta("metadata_no_room", () -> c.metaStore().noRoom()),
                    meta("metadata_tls_hellos", () -> m.tlsHellos),
                    meta("metadata_tls_truncated", () -> m.tlsTruncated),
                    meta("metadata_tls_malformed", () -> m.tlsMalformed),
                    meta("metadata_http_requests", () -> m.httpRequests),
                    meta("metadata_http_truncated", () -> m.httpTruncated),
                    meta("metadata_dns_messages", () -> m.dnsMessages),
                    meta("metadata_dns_malformed", () -> m.dnsMalformed),
                    meta("metadata_quic_initials", () -> m.quicInitials),
                    meta("metadata_quic_truncated", () -> m.quicTruncated),
                    meta("metadata_quic_other", () -> m.quicOther));
            if (context.queue() == 0) {
                context.log(System.Logger.Level.INFO, "layer-7 metadata: " + String.join(", ", s.metadata().fields()
                        .stream().sorted().map(org.secmon.plugins.netflow.meta.MetaField::key).toList()));
            }
        }
        perCollector = new CollectorCounters(context, s.collectors());
        if (context.queue() == 0) {
            for (Collector c : s.collectors().collectors()) {
                context.log(System.Logger.Level.INFO, "exporting " + c.type().key() + " to " + c
                        + (context.queues() > 1 ? " from " + context.queues() + " rx queues (a flow cache each)" : ""));
            }
        }
        booted = false;
        flushed = false;
        nextHousekeeping = 0;
        if (s.cacheThread()) {
            pipeFullWaits = context.counter(CounterNames.CACHE_THREAD_FULL_WAITS);
            pipe = new FlowPipe(cache, new FlowPipe.Owner() {
                @Override
                public void boot(long firstNanos) {
                    NetflowPlugin.this.boot(firstNanos);
                }

                @Override
                public void housekeeping(long nowNanos) {
                    NetflowPlugin.this.housekeeping(nowNanos);
                }

                @Override
                public void finish() {
                    flushAll();
                }
            }, FlowPipe.DEFAULT_CAPACITY, "secmon-" + context.name() + "-cache"
                    + (context.queues() > 1 ? "-q" + context.queue() : ""));
            if (context.queue() == 0) {
                context.log(System.Logger.Level.INFO, "flow cache on its own thread"
                        + (context.queues() > 1 ? ", one per rx queue" : ""));
            }
        }
    }

    @Override
    public void onPacket(Packet p) {
        if (pipe != null) {
            pipe.offer(p, p.timestampNanos()); // to the cache thread at the next poll
            return;
        }
        if (!booted) {
            boot(p.timestampNanos());
        }
        cache.stage(p, p.timestampNanos()); // accounted with the rest of its burst, at the next poll
    }

    /** The first packet's time starts the exporter's clock (sysUptime) and its templates. */
    private void boot(long firstNanos) {
        booted = true;
        exporter.boot(firstNanos);
    }

    @Override
    public int poll(long nowNanos) {
        lastPoll = nowNanos;
        if (pipe != null) {
            pipe.publish(nowNanos);
            return 0;
        }
        if (cache != null) {
            cache.drain();
        }
        return housekeeping(nowNanos);
    }

    /** Expiry, load-balancer sessions, collector checks, counters: on the thread that owns the cache. */
    private int housekeeping(long nowNanos) {
        if (!booted || nowNanos == 0 || nowNanos - nextHousekeeping < 0) {
            return 0;
        }
        nextHousekeeping = nowNanos + HOUSEKEEPING_NANOS;
        int work = cache.expire(nowNanos);
        int want = recentWanted;
        if (want > 0) { // a slice of the pass for flows-recent
            int[] done = cache.topStep(want, TOP_STEP_RECORDS);
            if (done != null) {
                recentTop = table(done, nowNanos);
                recentWanted = 0; // the next question starts the next pass
            }
            work++;
        }
        lb.expire(nowNanos, SESSION_EXPIRY_BUDGET);
        exporter.tick(nowNanos);
        publishCounters();
        return work;
    }

    /**
     * {@code flows}: the largest flows in the cache (bytes since their last export), for {@code show flows top N} —
     * one pass over the cache now (19 ms per million flows, during which this thread reads no packets: an operator's
     * question). {@code flows-recent}: the same as of the last pass made a slice per housekeeping (at most
     * {@value #TOP_STEP_RECORDS} records every 10 ms), which this question starts again — for the agent's reports
     * every few seconds, which must not stall the data plane; the first answer has no rows yet.
     */
    @Override
    public Table query(String topic, int limit) {
        if ("flows-recent".equals(topic)) {
            recentWanted = Math.min(Math.max(1, limit), 10_000);
            Table t = recentTop;
            long size = cache == null ? 0 : cache.size();
            return t != null ? t : new Table(topNote(0, size) + " (the first list is being made)", TOP_COLUMNS,
                    java.util.List.of(), size);
        }
        if (!"flows".equals(topic)) {
            return null;
        }
        if (cache == null) {
            return new Table("not started", java.util.List.of(), java.util.List.of());
        }
        if (pipe != null) {
            final long asOf = lastPoll;
            return pipe.call(() -> top(limit, asOf), PIPE_WAIT_MILLIS);
        }
        return top(limit, lastPoll);
    }

    private Table top(int limit, long lastPoll) {
        return table(cache.top(Math.min(limit, 10_000)), lastPoll);
    }

    /** The rows of flows {@code top} (those still in the cache), ages as of {@code lastPoll}. */
    private Table table(int[] top, long lastPoll) {
        FlowTable t = cache.flows();
        java.util.List<java.util.List<Object>> rows = new java.util.ArrayList<>(top.length);
        for (int f : top) {
            if (!t.inUse(f)) {
                continue; // exported while a slice-by-slice pass went on
            }
            rows.add(java.util.List.of(PacketFormat.protocolName(t.protocol(f)), Flows.endpoint(t, f, true),
                    Flows.endpoint(t, f, false), Flows.name(t, f), t.packets(f), t.bytes(f),
                    Flows.tcpFlags(t.protocol(f), t.tcpFlags(f)), Flows.seconds(lastPoll - t.firstNanos(f)),
                    Flows.seconds(lastPoll - t.lastNanos(f))));
        }
        return new Table(topNote(rows.size(), cache.size()), TOP_COLUMNS, rows, cache.size());
    }

    /** Records a housekeeping looks at for {@code flows-recent} (~0.3 ms: FlowCacheBenchmark.topStep20). */
    static final int TOP_STEP_RECORDS = 8_192;
    /** The last pass's answer for {@code flows-recent}; null before the first pass ended. */
    private volatile Table recentTop;
    /** How many flows {@code flows-recent} was last asked for; 0 when no pass is wanted. */
    private volatile int recentWanted;

    private static final java.util.List<String> TOP_COLUMNS = java.util.List.of("proto", "source", "destination",
            "name", "packets", "bytes", "flags", "age s", "idle s");
    private static final int TOP_BYTES = TOP_COLUMNS.indexOf("bytes");

    private static String topNote(int shown, long flows) {
        return String.format(java.util.Locale.ROOT, "top %d of %,d flows in the cache by bytes since their last"
                + " export", shown, flows);
    }

    /**
     * {@code flows} from every rx queue's cache: each queue answered its own top N; the largest N of all of them,
     * by bytes, are the appliance's top N (a flow lives in one queue's cache only).
     */
    @Override
    public Table merge(String topic, java.util.List<Table> parts, int limit) {
        if (!"flows".equals(topic) && !"flows-recent".equals(topic)) {
            return SecmonPlugin.super.merge(topic, parts, limit);
        }
        java.util.List<java.util.List<Object>> rows = new java.util.ArrayList<>();
        long flows = 0;
        for (Table t : parts) {
            rows.addAll(t.rows());
            flows += Math.max(0, t.total()); // each queue's cache size
        }
        rows.sort(java.util.Comparator.comparingLong((java.util.List<Object> r) -> ((Number) r.get(TOP_BYTES))
                .longValue()).reversed());
        java.util.List<java.util.List<Object>> top = rows.subList(0, Math.min(limit, rows.size()));
        return new Table(topNote(top.size(), flows) + " (" + parts.size() + " rx queues)", TOP_COLUMNS, top, flows);
    }

    @Override
    public void endOfStream(long nowNanos) {
        if (pipe != null) {
            pipe.finish(PIPE_WAIT_MILLIS); // every packet accounted, then flushAll on the cache thread
        } else {
            flushAll();
        }
    }

    @Override
    public void stop() {
        if (cache == null) {
            return;
        }
        if (pipe != null) {
            try {
                pipe.finish(PIPE_WAIT_MILLIS);
            } finally {
                pipe.close(); // joined: what the cache thread wrote is visible here
                publishCounters();
                pipe = null;
                exporter.close();
                release();
            }
            return;
        }
        flushAll();
        exporter.close();
        release();
    }

    private void release() {
        if (sender != null) {
            sender.release(); // the last queue's instance closes the socket
            sender = null;
        }
    }

    private void flushAll() {
        if (flushed) {
            return;
        }
        flushed = true;
        cache.flush();
        exporter.flush();
        publishCounters();
    }

    private MetaCounter meta(String name, java.util.function.LongSupplier value) {
        return new MetaCounter(context.counter(name), value);
    }

    private void publishCounters() {
        flowsActive.set(cache.size());
        flowsCreated.set(cache.created());
        recordsExported.set(exporter.recordsExported());
        recordsLost.set(exporter.recordsLost());
        noCollector.set(exporter.noCollector());
        evicted.set(cache.evicted());
        droppedFull.set(cache.droppedFull());
        templatePackets.set(exporter.templatePackets());
        nonIp.set(cache.nonIp() + (pipe != null ? pipe.nonIp() : 0));
        if (pipe != null) {
            pipeFullWaits.set(pipe.fullWaits());
        }
        if (metaCounters != null) {
            for (MetaCounter mc : metaCounters) {
                mc.counter().set(mc.value().getAsLong());
            }
        }
        perCollector.publishSessions(lb);
        if (sender != null) {
            sender.publishCounters();
        }
    }
}
