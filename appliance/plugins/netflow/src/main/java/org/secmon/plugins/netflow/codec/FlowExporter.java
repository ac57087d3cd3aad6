package org.secmon.plugins.netflow.codec;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Set;

import org.secmon.plugins.netflow.cache.FlowCache;
import org.secmon.plugins.netflow.cache.FlowField;
import org.secmon.transport.CollectorSet;
import org.secmon.transport.CollectorType;
import org.secmon.transport.DatagramSink;
import org.secmon.transport.LoadBalancer;

/**
 * Encodes ended flows as NetFlow v9 (RFC 3954) or IPFIX (RFC 7011) — per collector, by the collector's type — and
 * sends them over UDP to the collector of the flow's session. One export packet per collector is filled up to the
 * MTU and sent when full, when it is older than the flush delay, or on {@link #flush}.
 * <p>
 * Templates: one for IPv4 (id 256), one for IPv6 (id 257), and an options template (id 258: sampling interval and
 * algorithm, exporting process) with its data record (IPFIX: only when sampling, see {@code writeTemplates}).
 * They are sent to every collector at the start of its first
 * packet, then again every {@code refreshPackets} export packets and every {@code refreshNanos} (whichever comes
 * first), and whenever the collector comes back after being down. A new configuration is a new exporter, so
 * templates go out again after every change.
 * <p>
 * Sequence numbers are kept per collector: NetFlow v9 counts export packets, IPFIX counts data records, so every
 * collector of a load-balanced set sees a gap-free sequence. Single-threaded; allocation-free per record.
 */
public final class FlowExporter implements FlowCache.Sink, DatagramSink.Listener, AutoCloseable {
    public static final int TEMPLATE_V4 = 256;
    public static final int TEMPLATE_V6 = 257;
    public static final int TEMPLATE_OPTIONS = 258;

    /**
     * Exporter settings. {@code exportingProcessId} goes into the options record (exportingProcessId, IE 144):
     * the agent's process id by default ({@link #withThisProcess}).
     */
    public record Settings(int sourceId, int mtu, int refreshPackets, long refreshNanos, long flushDelayNanos,
                           int samplingInterval, boolean macs, boolean vlan, int exportingProcessId) {
        /** Settings whose exporting process is this JVM. */
        public static Settings withThisProcess(int sourceId, int mtu, int refreshPackets, long refreshNanos,
                                               long flushDelayNanos, int samplingInterval, boolean macs,
                                               boolean vlan) {
            return new Settings(sourceId, mtu, refreshPackets, refreshNanos, flushDelayNanos, samplingInterval, macs,
                    vlan, (int) ProcessHandle.current().pid());
        }

        public Settings {
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

    // information elements (same numbers in NetFlow v9 and IPFIX)
    static final int IE_OCTETS = 1, IE_PACKETS = 2, IE_PROTOCOL = 4, IE_TOS = 5, IE_TCP_FLAGS = 6,
            IE_SRC_PORT = 7, IE_SRC_V4 = 8, IE_INPUT = 10, IE_DST_PORT = 11, IE_DST_V4 = 12, IE_LAST_SWITCHED = 21,
            IE_FIRST_SWITCHED = 22, IE_SRC_V6 = 27, IE_DST_V6 = 28, IE_SAMPLING_INTERVAL = 34,
            IE_SAMPLING_ALGORITHM = 35, IE_SRC_MAC = 56, IE_VLAN = 58, IE_DIRECTION = 61, IE_DST_MAC = 80,
            IE_END_REASON = 136, IE_EXPORTING_PROCESS = 144, IE_OBSERVATION_DOMAIN = 149, IE_FLOW_START_MS = 152,
            IE_FLOW_END_MS = 153, IE_ICMP_TYPE = 32;

    private final DatagramSink sender;
    private final LoadBalancer lb;
    private final Settings settings;
    private final int n;
    private final boolean[] ipfix;
    private final int[][] fieldsV4;
    private final int[][] fieldsV6;
    private final int[] recordLengthV4;
    private final int[] recordLengthV6;

    private final ByteBuffer[] buf;
    private final int[] records;       // records (data + template) in the open packet (v9 header count)
    private final int[] dataRecords;   // data records in the open packet
    private final int[] optionRecords; // options data records in the open packet
    private final int[] setStart;      // position of the open data set's header, -1 = none
    private final int[] setTemplate;
    private final long[] openedNanos;  // when the open packet got its first record, 0 = empty
    private final long[] sequence;
    private final int[] packetsSinceTemplates;
    private final long[] templatesSentNanos;
    private final boolean[] templatesDue;

    private long bootNanos = Long.MIN_VALUE;
    private long now;
    private long recordsExported;
    private long recordsLost;
    private long noCollector;
    private long templatePackets;

    public FlowExporter(CollectorSet set, Settings settings, DatagramSink sender, LoadBalancer lb) {
        this.settings = settings;
        this.sender = sender;
        this.lb = lb;
        this.n = set.size();
        this.ipfix = new boolean[n];
        this.fieldsV4 = new int[n][];
        this.fieldsV6 = new int[n][];
        this.recordLengthV4 = new int[n];
        this.recordLengthV6 = new int[n];
        this.buf = new ByteBuffer[n];
        this.records = new int[n];
        this.dataRecords = new int[n];
        this.optionRecords = new int[n];
        this.setStart = new int[n];
        this.setTemplate = new int[n];
        this.openedNanos = new long[n];
        this.sequence = new long[n];
        this.packetsSinceTemplates = new int[n];
        this.templatesSentNanos = new long[n];
        this.templatesDue = new boolean[n];
        for (int i = 0; i < n; i++) {
            CollectorType t = set.collectors().get(i).type();
            if (t != CollectorType.NETFLOW && t != CollectorType.IPFIX) {
                throw new IllegalArgumentException("collector " + set.collectors().get(i).name() + " is of type "
                        + t.key() + "; flow export needs netflow or ipfix collectors");
            }
            ipfix[i] = t == CollectorType.IPFIX;
            fieldsV4[i] = fields(false, ipfix[i]);
            fieldsV6[i] = fields(true, ipfix[i]);
            recordLengthV4[i] = length(fieldsV4[i]);
            recordLengthV6[i] = length(fieldsV6[i]);
            buf[i] = ByteBuffer.allocateDirect(settings.mtu()).order(ByteOrder.BIG_ENDIAN);
            setStart[i] = -1;
            templatesDue[i] = true;
            lb.setUp(i, sender.isUp(i));
        }
        sender.listener(this);
    }

    /** {type, length} pairs of a data template. */
    private int[] fields(boolean v6, boolean isIpfix) {
        int[] base = {
            v6 ? IE_SRC_V6 : IE_SRC_V4, v6 ? 16 : 4,
            v6 ? IE_DST_V6 : IE_DST_V4, v6 ? 16 : 4,
            IE_SRC_PORT, 2, IE_DST_PORT, 2, IE_PROTOCOL, 1, IE_TOS, 1, IE_TCP_FLAGS, 1, IE_INPUT, 4,
            IE_DIRECTION, 1, IE_PACKETS, 8, IE_OCTETS, 8,
        };
        // ICMP type/code travels in the destination port (as Cisco and softflowd do). NetFlow v9 collectors such as
        // nfdump also want ICMP_TYPE (32, for IPv4 and IPv6) or they zero the port of ICMP flows; IPFIX collectors
        // read the port, and nfdump's IPFIX reader would apply icmpTypeCode to SCTP flows too, so IPFIX goes without.
        int[] times = isIpfix
                ? new int[] {IE_FLOW_START_MS, 8, IE_FLOW_END_MS, 8, IE_END_REASON, 1}
                : new int[] {IE_FIRST_SWITCHED, 4, IE_LAST_SWITCHED, 4, IE_ICMP_TYPE, 2};
        int[] extra = new int[(settings.macs() ? 4 : 0) + (settings.vlan() ? 2 : 0)];
        int e = 0;
        if (settings.macs()) {
            extra[e++] = IE_SRC_MAC;
            extra[e++] = 6;
            extra[e++] = IE_DST_MAC;
            extra[e++] = 6;
        }
        if (settings.vlan()) {
            extra[e++] = IE_VLAN;
            extra[e] = 2;
        }
        int[] all = new int[base.length + times.length + extra.length];
        System.arraycopy(base, 0, all, 0, base.length);
        System.arraycopy(times, 0, all, base.length, times.length);
        System.arraycopy(extra, 0, all, base.length + times.length, extra.length);
        return all;
    }

    private static int length(int[] fields) {
        int l = 0;
        for (int i = 1; i < fields.length; i += 2) {
            l += fields[i];
        }
        return l;
    }

    /**
     * Start the exporter's clock: call with the first packet's time. NetFlow v9 sysUptime counts from one second
     * before it, so that no flow starts at uptime 0 (collectors such as nfdump read a zero time as "unset").
     */
    public void boot(long nowNanos) {
        if (bootNanos == Long.MIN_VALUE) {
            bootNanos = nowNanos - 1_000_000_000L;
            now = nowNanos;
        }
    }

    // ---- FlowCache.Sink --------------------------------------------------------------------------------------

    @Override
    public void export(FlowCache c, int f, int reason) {
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
        boolean v6 = c.ipVersion(f) == 6;
        int template = v6 ? TEMPLATE_V6 : TEMPLATE_V4;
        int len = v6 ? recordLengthV6[col] : recordLengthV4[col];
        ByteBuffer b = buf[col];
        if (openedNanos[col] != 0 && b.remaining() < len + 3 + (setTemplate[col] != template ? 7 : 0)) {
            send(col);
        }
        if (openedNanos[col] == 0) {
            begin(col);
        }
        if (setTemplate[col] != template || setStart[col] < 0) {
            closeSet(col);
            setStart[col] = b.position();
            setTemplate[col] = template;
            b.putShort((short) template).putShort((short) 0);
        }
        write(b, c, f, reason, v6 ? fieldsV6[col] : fieldsV4[col]);
        records[col]++;
        dataRecords[col]++;
    }

    private void write(ByteBuffer b, FlowCache c, int f, int reason, int[] fields) {
        for (int i = 0; i < fields.length; i += 2) {
            switch (fields[i]) {
                case IE_SRC_V4 -> b.putInt(c.srcIpv4(f));
                case IE_DST_V4 -> b.putInt(c.dstIpv4(f));
                case IE_SRC_V6 -> b.putLong(c.srcHi(f)).putLong(c.srcLo(f));
                case IE_DST_V6 -> b.putLong(c.dstHi(f)).putLong(c.dstLo(f));
                case IE_SRC_PORT -> b.putShort((short) c.srcPort(f));
                case IE_DST_PORT -> b.putShort((short) c.dstPort(f));
                case IE_PROTOCOL -> b.put((byte) c.protocol(f));
                case IE_TOS -> b.put((byte) c.tos(f));
                case IE_TCP_FLAGS -> b.put((byte) c.tcpFlags(f));
                case IE_INPUT -> b.putInt(c.inputInterface(f));
                case IE_DIRECTION -> b.put((byte) c.direction(f));
                case IE_PACKETS -> b.putLong(c.packets(f));
                case IE_OCTETS -> b.putLong(c.bytes(f));
                case IE_FIRST_SWITCHED -> b.putInt(uptimeMillis(c.firstNanos(f)));
                case IE_LAST_SWITCHED -> b.putInt(uptimeMillis(c.lastNanos(f)));
                case IE_FLOW_START_MS -> b.putLong(Math.floorDiv(c.firstNanos(f), 1_000_000L));
                case IE_FLOW_END_MS -> b.putLong(Math.floorDiv(c.lastNanos(f), 1_000_000L));
                case IE_END_REASON -> b.put((byte) reason);
                case IE_ICMP_TYPE -> b.putShort((short) (isIcmp(c.protocol(f)) ? c.dstPort(f) : 0));
                case IE_SRC_MAC -> putMac(b, c.srcMac(f));
                case IE_DST_MAC -> putMac(b, c.dstMac(f));
                case IE_VLAN -> b.putShort((short) c.vlan(f));
                default -> throw new IllegalStateException("field " + fields[i]);
            }
        }
    }

    private static boolean isIcmp(int protocol) {
        return protocol == 1 || protocol == 58;
    }

    private static void putMac(ByteBuffer b, long mac) {
        b.putShort((short) (mac >>> 32)).putInt((int) mac);
    }

    private int uptimeMillis(long nanos) {
        return (int) Math.floorDiv(nanos - bootNanos, 1_000_000L);
    }

    // ---- packets ---------------------------------------------------------------------------------------------

    private void begin(int col) {
        ByteBuffer b = buf[col];
        b.clear();
        b.position(ipfix[col] ? 16 : 20); // header written on send
        records[col] = 0;
        dataRecords[col] = 0;
        optionRecords[col] = 0;
        setStart[col] = -1;
        setTemplate[col] = 0;
        openedNanos[col] = Math.max(1, now);
        if (templatesDue[col] || packetsSinceTemplates[col] >= settings.refreshPackets()
                || now - templatesSentNanos[col] >= settings.refreshNanos()) {
            writeTemplates(col);
        }
    }

    private void writeTemplates(int col) {
        ByteBuffer b = buf[col];
        boolean fix = ipfix[col];
        // data templates
        int start = b.position();
        b.putShort((short) (fix ? 2 : 0)).putShort((short) 0);
        putTemplate(b, TEMPLATE_V4, fieldsV4[col]);
        putTemplate(b, TEMPLATE_V6, fieldsV6[col]);
        b.putShort(start + 2, (short) (b.position() - start));
        records[col] += 2;
        // IPFIX: the options record only when sampling is on. RFC 7011 counts options data records in the sequence
        // number, nfdump 1.7 does not (it reports a sequence failure for every packet that carries one), and an
        // unsampled exporter has nothing to say in it.
        if (!fix || settings.samplingInterval() > 1) {
            writeOptions(b, fix);
            records[col] += 2; // v9 header count: the options template and its data record
            optionRecords[col] = 1;
        }
        templatesDue[col] = false;
        packetsSinceTemplates[col] = 0;
        templatesSentNanos[col] = now;
        templatePackets++;
    }

    /** Options template (scope: the exporter — v9 System, IPFIX observation domain) and its data record. */
    private void writeOptions(ByteBuffer b, boolean fix) {
        int start = b.position();
        if (fix) {
            b.putShort((short) 3).putShort((short) 0);
            b.putShort((short) TEMPLATE_OPTIONS).putShort((short) 4).putShort((short) 1);
            b.putShort((short) IE_OBSERVATION_DOMAIN).putShort((short) 4);
        } else {
            b.putShort((short) 1).putShort((short) 0);
            b.putShort((short) TEMPLATE_OPTIONS).putShort((short) 4).putShort((short) 12);
            b.putShort((short) 1).putShort((short) 4); // scope: System
        }
        b.putShort((short) IE_SAMPLING_INTERVAL).putShort((short) 4);
        b.putShort((short) IE_SAMPLING_ALGORITHM).putShort((short) 1);
        b.putShort((short) IE_EXPORTING_PROCESS).putShort((short) 4);
        pad(b, start);
        b.putShort(start + 2, (short) (b.position() - start));
        start = b.position();
        b.putShort((short) TEMPLATE_OPTIONS).putShort((short) 0);
        b.putInt(settings.sourceId());
        b.putInt(settings.samplingInterval());
        b.put((byte) (settings.samplingInterval() > 1 ? 1 : 0)); // 1 = deterministic 1-in-N
        b.putInt(settings.exportingProcessId());
        pad(b, start);
        b.putShort(start + 2, (short) (b.position() - start));
    }

    private static void putTemplate(ByteBuffer b, int id, int[] fields) {
        b.putShort((short) id).putShort((short) (fields.length / 2));
        for (int i = 0; i < fields.length; i += 2) {
            b.putShort((short) fields[i]).putShort((short) fields[i + 1]);
        }
    }

    private static void pad(ByteBuffer b, int setStart) {
        while (((b.position() - setStart) & 3) != 0) {
            b.put((byte) 0);
        }
    }

    private void closeSet(int col) {
        int s = setStart[col];
        if (s < 0) {
            return;
        }
        ByteBuffer b = buf[col];
        pad(b, s);
        b.putShort(s + 2, (short) (b.position() - s));
        setStart[col] = -1;
    }

    private void send(int col) {
        if (openedNanos[col] == 0) {
            return;
        }
        closeSet(col);
        ByteBuffer b = buf[col];
        int len = b.position();
        long secs = Math.floorDiv(now, 1_000_000_000L);
        if (ipfix[col]) {
            b.putShort(0, (short) 10).putShort(2, (short) len).putInt(4, (int) secs)
                    .putInt(8, (int) sequence[col]).putInt(12, settings.sourceId());
            sequence[col] += dataRecords[col] + optionRecords[col];
        } else {
            // sysUptime at the whole second unix_secs names: a collector derives the boot time as
            // unix_secs - sysUptime, so with the uptime of "now" flow times would come out up to 1 s early
            b.putShort(0, (short) 9).putShort(2, (short) records[col]).putInt(4, uptimeMillis(secs * 1_000_000_000L))
                    .putInt(8, (int) secs).putInt(12, (int) sequence[col]).putInt(16, settings.sourceId());
            sequence[col]++;
        }
        b.flip();
        openedNanos[col] = 0; // before sending: a failed send marks the collector down, which must not count twice
        if (sender.send(col, b, now)) {
            recordsExported += dataRecords[col];
        } else {
            recordsLost += dataRecords[col];
        }
        packetsSinceTemplates[col]++;
    }

    // ---- time and lifecycle ------------------------------------------------------------------------------------

    /** Housekeeping from the plugin's poll: collector health, and sending packets older than the flush delay. */
    public void tick(long nowNanos) {
        if (nowNanos > now) {
            now = nowNanos;
        }
        sender.check(now);
        for (int col = 0; col < n; col++) {
            if (openedNanos[col] != 0 && now - openedNanos[col] >= settings.flushDelayNanos()) {
                send(col);
            }
        }
    }

    /** Send every open packet now (end of a capture, shutdown). */
    public void flush() {
        for (int col = 0; col < n; col++) {
            send(col);
        }
        sender.drain(0, true); // paced datagrams: the final flush waits for them
    }

    @Override
    public void collectorStateChanged(int collector, boolean up) {
        lb.setUp(collector, up);
        if (up) {
            templatesDue[collector] = true;
        } else if (openedNanos[collector] != 0) {
            recordsLost += dataRecords[collector];
            openedNanos[collector] = 0;
        }
    }

    /** Records handed to a collector's socket (UDP: delivery is not confirmed). */
    public long recordsExported() {
        return recordsExported;
    }

    /** Records that were encoded but could not be sent (collector down or send error). */
    public long recordsLost() {
        return recordsLost;
    }

    /** Records not exported because no collector of the set was up. */
    public long noCollector() {
        return noCollector;
    }

    public long templatePackets() {
        return templatePackets;
    }

    @Override
    public void close() {
        sender.close();
    }
}
