package org.secmon.plugins.rawforward;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.net.InetAddress;
import java.nio.ByteOrder;
import java.util.Locale;

import org.secmon.plugin.Counter;
import org.secmon.plugin.CounterNames;
import org.secmon.plugin.DeliveryMode;
import org.secmon.plugin.Packet;
import org.secmon.plugin.PluginApi;
import org.secmon.plugin.PluginConfig;
import org.secmon.plugin.PluginContext;
import org.secmon.plugin.PluginDescriptor;
import org.secmon.plugin.SecmonPlugin;
import org.secmon.plugins.sflow.codec.SflowDatagram;
import org.secmon.plugins.sflow.codec.SflowExporter;
import org.secmon.transport.Collector;
import org.secmon.transport.LoadBalancer;
import org.secmon.transport.SharedSender;
import org.secmon.transport.UdpSender;
import org.secmon.transport.net.DatagramBatch;
import org.secmon.transport.net.NativeSocket;

/**
 * Raw forward: every packet the plugin's filter passes (cut to its rule's truncate_to_size) goes to the collector
 * of its session, encapsulated in UDP (the frame is the payload), VXLAN (RFC 7348), ERSPAN type II over GRE, or an
 * sFlow v5 datagram as a 1:1 flow sample. UDP, VXLAN and ERSPAN datagrams are batched per collector and sent with
 * one {@code sendmmsg} per batch (after every rx burst at the latest); what the kernel refuses is counted, never
 * waited for. See {@link RawForwardSettings} for the keys.
 */
public final class RawForwardPlugin implements SecmonPlugin {
    public static final String ID = "rawforward";
    private static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    private static final ValueLayout.OfShort U16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    private static final long HOUSEKEEPING_NANOS = 10_000_000L;

    private PluginContext context;
    private RawForwardSettings settings;
    private RawForwardSettings.Encapsulation enc;
    private LoadBalancer lb;
    // native encapsulations (udp, vxlan, erspan)
    private NativeSocket[] sockets;
    private DatagramBatch[] batches;
    private boolean[] up;
    private long[] downUntil;
    /**
     * ERSPAN: the GRE sequence number of each collector's tunnel, one for the instances of every rx queue and every
     * later configuration ({@link GreSequences}, kept by the host): a batch is numbered and sent under its lock, so
     * that a collector sees one increasing sequence (RFC 2890 receivers may drop a packet whose number went back).
     */
    private GreSequences greBook;
    private long[][] greSeq;
    // sflow encapsulation
    private SharedSender sflowSender;
    private SflowExporter sflow;
    private long pool;

    private long nextHousekeeping;
    private long lastNow;
    private boolean flushed;

    private Counter packetsSent;
    private Counter bytesSent;
    private Counter packetsLost;
    private Counter noCollector;
    private Counter packetsCut;
    private Counter sendCalls;
    private Counter[][] perCollector;
    private long sent;
    private long sentBytes;
    private long lost;
    private long none;
    private long cut;
    private long calls;
    private long[] cDatagrams;
    private long[] cBytes;
    private long[] cErrors;

    @Override
    public PluginDescriptor descriptor() {
        return new PluginDescriptor(ID, "1.0.0", PluginApi.VERSION,
                "raw packet forwarding to packet tools: UDP, sFlow 1:1, VXLAN, ERSPAN II", DeliveryMode.DIRECT, "",
                true);
    }

    @Override
    public void init(PluginContext ctx) {
        this.context = ctx;
        packetsSent = ctx.counter(CounterNames.PACKETS_SENT);
        bytesSent = ctx.counter("bytes_sent");
        packetsLost = ctx.counter(CounterNames.PACKETS_LOST);
        noCollector = ctx.counter(CounterNames.PACKETS_NO_COLLECTOR);
        packetsCut = ctx.counter(CounterNames.PACKETS_CUT);
        sendCalls = ctx.counter(CounterNames.SEND_CALLS);
    }

    @Override
    public void configure(PluginConfig config) {
        this.settings = RawForwardSettings.parse(config);
    }

    @Override
    public void start() throws Exception {
        if (settings == null) {
            throw new IllegalStateException("no configuration: set at least 'collector: HOST:PORT'");
        }
        RawForwardSettings s = settings;
        enc = s.encapsulation();
        int n = s.collectors().size();
        lb = new LoadBalancer(s.collectors(), 65_536, s.sessionTimeoutNanos());
        perCollector = new Counter[n][];
        cDatagrams = new long[n];
        cBytes = new long[n];
        cErrors = new long[n];
        for (int i = 0; i < n; i++) {
            String p = CounterNames.COLLECTOR_PREFIX + s.collectors().collectors().get(i).name() + ".";
            perCollector[i] = new Counter[] {context.counter(p + "datagrams"), context.counter(p + "bytes"),
                context.counter(p + "sessions"), context.counter(p + "errors")};
        }
        if (enc == RawForwardSettings.Encapsulation.SFLOW) {
            PluginConfig c = s.sflow();
            sflowSender = SharedSender.acquire(context, s.collectors(), () -> new UdpSender(s.collectors(),
                    s.retryNanos()));
            InetAddress agent = c.has("agent_address") ? InetAddress.getByName(c.string("agent_address", ""))
                    : InetAddress.getLoopbackAddress();
            sflow = new SflowExporter(s.collectors(), new SflowExporter.Settings(agent,
                    c.intValue("sub_agent_id", 0) + context.queue(), c.intValue("mtu", 9000), 100_000_000L, 1),
                    sflowSender.view(), lb); // a sub-agent per rx queue, as the sflow plugin
        } else {
            sockets = new NativeSocket[n];
            batches = new DatagramBatch[n];
            up = new boolean[n];
            downUntil = new long[n];
            GreSequences book = context.kept("gre_sequences", GreSequences::new);
            greBook = book;
            greSeq = context.shared("gre_sequence", () -> book.cells(s.collectors(), s.erspanSession()));
            try {
                for (int i = 0; i < n; i++) {
                    Collector col = s.collectors().collectors().get(i);
                    InetAddress addr = InetAddress.getByName(col.host());
                    sockets[i] = enc == RawForwardSettings.Encapsulation.ERSPAN ? NativeSocket.gre(addr)
                            : NativeSocket.udp(addr, col.port());
                    if (col.dscp() != 0) {
                        sockets[i].dscp(col.dscp());
                    }
                    batches[i] = new DatagramBatch(s.batchSize(), enc.header + s.maxFrame());
                    up[i] = true;
                }
            } catch (NativeSocket.NativeException | java.net.UnknownHostException e) {
                closeSockets();
                throw new IllegalStateException("raw forward (" + enc.name().toLowerCase(Locale.ROOT) + "): "
                        + e.getMessage(), e);
            }
        }
        pool = 0;
        flushed = false;
        nextHousekeeping = 0;
        for (Collector c : s.collectors().collectors()) {
            context.log(System.Logger.Level.INFO, "forwarding packets (" + enc.name().toLowerCase(Locale.ROOT)
                    + (enc == RawForwardSettings.Encapsulation.SFLOW ? "" : ", batches of " + s.batchSize())
                    + ") to " + c);
        }
    }

    private static final int ETHERNET_HEADER = 14;

    @Override
    public void onPacket(Packet p) {
        long now = p.timestampNanos();
        lastNow = now;
        if (enc == RawForwardSettings.Encapsulation.SFLOW) {
            if (!sflow.booted()) {
                sflow.boot(now);
            }
            pool++; // the exporter counts samples with no collector and lost ones itself
            sflow.flowSample(p, p.deliverLength(), 1, pool, sflow.noCollector() + sflow.samplesLost(),
                    SflowDatagram.inputOf(p), SflowDatagram.IF_UNKNOWN, now);
            return;
        }
        int c = lb.route(LoadBalancer.session(p), now);
        if (c < 0) {
            none++;
            return;
        }
        DatagramBatch b = batches[c];
        // every encapsulation carries an Ethernet frame: a frame without Ethernet (a tunnel's or a capture's raw IP,
        // Linux cooked, BSD loopback) is sent as its IP packet behind an Ethernet header made for it
        final boolean ethernet = p.linkType() == Packet.LINK_ETHERNET || p.ipVersion() == 0;
        final int from = ethernet ? 0 : p.l3Offset();
        final int l2 = ethernet ? 0 : ETHERNET_HEADER;
        int len = p.deliverLength() - from + l2;
        boolean truncated = p.deliverLength() < p.wireLength();
        if (len > settings.maxFrame()) {
            len = settings.maxFrame();
            truncated = true;
            cut++;
        }
        MemorySegment data = b.data();
        long at = b.nextOffset();
        int h = enc.header;
        switch (enc) {
            case VXLAN -> {
                data.set(U32, at, 0x08000000); // flags: I (VNI valid)
                data.set(U32, at + 4, settings.vni() << 8);
            }
            case ERSPAN -> {
                // GRE: S (sequence number present), version 0, protocol ERSPAN type II
                data.set(U16, at, (short) 0x1000);
                data.set(U16, at + 2, (short) 0x88BE);
                // at + 4: the sequence number, written when the batch is sent (numbered in the order sent)
                int vlan = p.vlanCount() > 0 ? p.outerVlan() & 0xfff : 0;
                int en = p.vlanCount() > 0 ? 3 : 0; // 3: the frame keeps its VLAN tag(s)
                data.set(U32, at + 8, (1 << 28) | (vlan << 16) | (en << 11) | ((truncated ? 1 : 0) << 10)
                        | settings.erspanSession());
                data.set(U32, at + 12, (p.inputPort() + 1) & 0xfffff); // index: the ingress port
            }
            default -> {
            }
        }
        if (!ethernet) {
            data.set(U32, at + h, (int) (p.dstMac() >>> 16));
            data.set(U16, at + h + 4, (short) p.dstMac());
            data.set(U32, at + h + 6, (int) (p.srcMac() >>> 16));
            data.set(U16, at + h + 10, (short) p.srcMac());
            data.set(U16, at + h + 12, (short) (p.ipVersion() == 4 ? 0x0800 : 0x86DD));
        }
        p.copyBytes(from, data, at + h + l2, len - l2);
        b.commit(h + len);
        if (b.isFull()) {
            send(c, now);
        }
    }

    /** Sends collector {@code c}'s batch; what the kernel does not take is counted as lost. */
    private void send(int c, long now) {
        DatagramBatch b = batches[c];
        int count = b.count();
        if (count == 0) {
            return;
        }
        if (!up[c]) {
            lost += count;
            cErrors[c] += count;
            b.clear();
            return;
        }
        if (enc == RawForwardSettings.Encapsulation.ERSPAN) {
            synchronized (greBook) {
                final long[] cell = greSeq[c];
                long seq = cell[0];
                for (int i = 0; i < count; i++) {
                    b.slot(i).set(U32, 4, (int) ++seq);
                }
                cell[0] = seq;
                sendBatch(c, b, count, now);
            }
        } else {
            sendBatch(c, b, count, now);
        }
    }

    private void sendBatch(int c, DatagramBatch b, int count, long now) {
        int done = 0;
        int errno = 0;
        while (done < count) {
            int n;
            calls++;
            if (count == 1) { // batch_size 1: one send per packet
                long r = sockets[c].send(b.slot(0), b.length(0));
                n = r >= 0 ? 1 : (int) r;
            } else {
                n = sockets[c].sendBatch(b, count - done);
            }
            if (n <= 0) {
                errno = -n;
                break;
            }
            for (int i = 0; i < n; i++) {
                sentBytes += b.length(i);
                cBytes[c] += b.length(i);
            }
            sent += n;
            cDatagrams[c] += n;
            done += n;
            b.consume(n);
        }
        if (done < count) {
            lost += count - done;
            cErrors[c] += count - done;
            if (errno == NativeSocket.ECONNREFUSED || errno == NativeSocket.EHOSTUNREACH
                    || errno == NativeSocket.ENETUNREACH) {
                up[c] = false;
                downUntil[c] = now + settings.retryNanos();
                lb.setUp(c, false);
                context.log(System.Logger.Level.WARNING, "collector " + settings.collectors().collectors().get(c)
                        + ": " + NativeSocket.strerror(errno) + "; its sessions move to the others, retry in "
                        + settings.retryNanos() / 1_000_000 + " ms");
            }
        }
        b.clear();
    }

    @Override
    public int poll(long nowNanos) {
        if (enc == RawForwardSettings.Encapsulation.SFLOW) {
            if (sflow.booted() && nowNanos != 0 && nowNanos - nextHousekeeping >= 0) {
                nextHousekeeping = nowNanos + HOUSEKEEPING_NANOS;
                lastNow = nowNanos;
                sflow.tick(nowNanos);
                lb.expire(nowNanos, 4096);
                publishCounters();
            }
            return 0;
        }
        int work = 0;
        long now = nowNanos != 0 ? nowNanos : lastNow;
        for (int c = 0; c < batches.length; c++) { // after every burst: nothing waits for a full batch
            if (batches[c].count() > 0) {
                work += batches[c].count();
                send(c, now);
            }
        }
        if (nowNanos != 0 && nowNanos - nextHousekeeping >= 0) {
            nextHousekeeping = nowNanos + HOUSEKEEPING_NANOS;
            for (int c = 0; c < up.length; c++) {
                if (!up[c] && nowNanos - downUntil[c] >= 0) {
                    up[c] = true;
                    lb.setUp(c, true);
                }
            }
            lb.expire(nowNanos, 4096);
            publishCounters();
        }
        return work;
    }

    @Override
    public void endOfStream(long nowNanos) {
        flushAll(nowNanos);
    }

    @Override
    public void stop() {
        if (lb != null) {
            flushAll(lastNow);
            if (sflow != null) {
                sflow.close();
                sflowSender.release(); // the last queue's instance closes the socket
            }
            closeSockets();
        }
    }

    private void flushAll(long now) {
        if (flushed) {
            return;
        }
        flushed = true;
        if (sflow != null) {
            sflow.flush(now);
        } else {
            for (int c = 0; c < batches.length; c++) {
                send(c, now);
            }
        }
        publishCounters();
    }

    private void closeSockets() {
        if (sockets != null) {
            for (int i = 0; i < sockets.length; i++) {
                if (sockets[i] != null) {
                    sockets[i].close();
                }
                if (batches[i] != null) {
                    batches[i].close();
                    batches[i] = null;
                }
            }
        }
    }

    private void publishCounters() {
        if (sflow != null) {
            packetsSent.set(sflow.samplesSent());
            packetsLost.set(sflow.samplesLost());
            noCollector.set(sflow.noCollector());
            for (int i = 0; i < perCollector.length; i++) {
                perCollector[i][2].set(lb.sessionsAssigned(i));
            }
            sflowSender.publishCounters(); // datagrams, bytes, errors of the shared socket
            return;
        }
        packetsSent.set(sent);
        bytesSent.set(sentBytes);
        packetsLost.set(lost);
        noCollector.set(none);
        packetsCut.set(cut);
        sendCalls.set(calls);
        for (int i = 0; i < perCollector.length; i++) {
            perCollector[i][0].set(cDatagrams[i]);
            perCollector[i][1].set(cBytes[i]);
            perCollector[i][2].set(lb.sessionsAssigned(i));
            perCollector[i][3].set(cErrors[i]);
        }
    }
}
