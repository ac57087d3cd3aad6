package org.secmon.plugins.sflow.codec;

import java.net.InetAddress;
import java.nio.ByteBuffer;

import org.secmon.plugin.Packet;
import org.secmon.transport.CollectorSet;
import org.secmon.transport.DatagramSink;
import org.secmon.transport.LoadBalancer;

/**
 * sFlow v5 datagrams to a collector set: flow samples go to the collector of their packet's session (sticky, both
 * directions of a conversation to the same collector), counter samples to every collector that is up. One datagram
 * per collector is filled up to the MTU and sent when the next sample does not fit, when it is older than the flush
 * delay, or on {@link #flush}. Datagram, flow-sample and counter-sample sequence numbers are kept per collector, so
 * that every collector of a load-balanced set sees gap-free sequences (its loss accounting stays right), in a
 * {@link SubAgentState} that a new configuration's exporter continues.
 * <p>
 * Single-threaded (the plugin's data-plane thread); allocation-free per sample.
 */
public final class SflowExporter implements DatagramSink.Listener, AutoCloseable {
    /**
     * @param agent       the agent address in every datagram header
     * @param subAgentId  distinguishes several sFlow sources of one agent
     * @param mtu         bytes of UDP payload per datagram
     * @param sourceIndex the data source (ifIndex) of the flow samples
     */
    public record Settings(InetAddress agent, int subAgentId, int mtu, long flushDelayNanos, int sourceIndex) {
        public Settings {
            if (mtu < 256 || mtu > 65_507) {
                throw new IllegalArgumentException("mtu must be 256..65507 bytes of UDP payload, not " + mtu);
            }
            if (subAgentId < 0) {
                throw new IllegalArgumentException("sub_agent_id must be >= 0");
            }
            if (flushDelayNanos <= 0) {
                throw new IllegalArgumentException("flush delay must be > 0");
            }
        }
    }

    private final DatagramSink sender;
    private final LoadBalancer lb;
    private final Settings settings;
    private final SflowDatagram[] dg;
    /** Per collector: the last datagram, flow-sample and counter-sample sequence numbers ({@link SubAgentState}). */
    private final long[][] seq;
    private final SubAgentState state;
    private final long[] openedAt;
    private long bootNanos;
    private boolean booted;

    private long samplesSent;
    private long samplesLost;
    private long noCollector;
    private long datagrams;

    public SflowExporter(CollectorSet set, Settings settings, DatagramSink sender, LoadBalancer lb) {
        this(set, settings, sender, lb, new SubAgentState());
    }

    /** An exporter that numbers on from {@code state} (a sub-agent's, kept across configurations). */
    public SflowExporter(CollectorSet set, Settings settings, DatagramSink sender, LoadBalancer lb,
                         SubAgentState state) {
        this.sender = sender;
        this.lb = lb;
        this.settings = settings;
        this.state = state;
        int n = set.size();
        dg = new SflowDatagram[n];
        seq = state.cells(set);
        openedAt = new long[n];
        for (int i = 0; i < n; i++) {
            dg[i] = new SflowDatagram(settings.mtu(), settings.agent(), settings.subAgentId());
        }
        sender.listener(this);
    }

    /** The agent's boot: datagram uptimes count from here (first packet time when replaying). */
    public void boot(long nowNanos) {
        bootNanos = state.boot(nowNanos);
        booted = true;
    }

    /** The next number of collector {@code c}'s sequence {@code which}: under the state's lock during a swap. */
    private long next(int c, int which) {
        final long[] cell = seq[c];
        if (state.overlap) {
            synchronized (state) {
                return ++cell[which];
            }
        }
        return ++cell[which];
    }

    public boolean booted() {
        return booted;
    }

    /** The largest raw header a flow sample can carry with this MTU. */
    public int maxHeaderBytes() {
        return dg[0].maxHeaderBytes();
    }

    /**
     * Routes and encodes one flow sample.
     *
     * @return false when no collector is up (counted)
     */
    public boolean flowSample(Packet p, int headerBytes, long samplingRate, long samplePool, long drops, int input,
            int output, long nowNanos) {
        int c = lb.route(LoadBalancer.session(p), nowNanos);
        if (c < 0) {
            noCollector++;
            return false;
        }
        int h = Math.min(headerBytes, dg[c].maxHeaderBytes());
        SflowDatagram d = open(c, SflowDatagram.flowSampleSize(h), nowNanos);
        d.flowSample(p, h, next(c, SubAgentState.FLOW), settings.sourceIndex(), samplingRate, samplePool, drops,
                input, output);
        return true;
    }

    /** A counter sample for one interface, to every collector that is up. */
    public void counterSample(int ifIndex, long ifSpeed, long inOctets, long inPackets, long inDiscards,
            long inErrors, long nowNanos) {
        for (int c = 0; c < dg.length; c++) {
            if (!sender.isUp(c)) {
                continue;
            }
            SflowDatagram d = open(c, SflowDatagram.counterSampleSize(), nowNanos);
            d.counterSample(next(c, SubAgentState.COUNTER), ifIndex, ifIndex, ifSpeed, inOctets, inPackets,
                    inDiscards, inErrors);
        }
    }

    /** The collector's datagram with room for {@code bytes} more; sends the current one first if needed. */
    private SflowDatagram open(int c, int bytes, long nowNanos) {
        SflowDatagram d = dg[c];
        if (!d.isEmpty() && !d.fits(bytes)) {
            send(c, nowNanos);
        }
        if (d.isEmpty()) {
            d.begin(next(c, SubAgentState.DATAGRAM), Math.max(0, (nowNanos - bootNanos) / 1_000_000L));
            openedAt[c] = nowNanos;
        }
        return d;
    }

    private void send(int c, long nowNanos) {
        SflowDatagram d = dg[c];
        int n = d.flowSamples();
        ByteBuffer b = d.finish();
        if (sender.send(c, b, nowNanos)) {
            samplesSent += n;
            datagrams++;
        } else {
            samplesLost += n; // counter samples are sent again at the next polling interval
        }
        d.reset(); // the next sample begins the next numbered datagram
    }

    /** Sends datagrams older than the flush delay; checks collector health. */
    public void tick(long nowNanos) {
        sender.check(nowNanos);
        for (int c = 0; c < dg.length; c++) {
            if (!dg[c].isEmpty() && nowNanos - openedAt[c] >= settings.flushDelayNanos()) {
                send(c, nowNanos);
            }
        }
    }

    /** Sends every pending datagram. */
    public void flush(long nowNanos) {
        for (int c = 0; c < dg.length; c++) {
            if (!dg[c].isEmpty()) {
                send(c, nowNanos);
            }
        }
        sender.drain(nowNanos, true); // paced datagrams: the final flush waits for them
    }

    @Override
    public void collectorStateChanged(int collector, boolean up) {
        lb.setUp(collector, up);
    }

    /** Flow samples in datagrams the kernel took. */
    public long samplesSent() {
        return samplesSent;
    }

    /** Flow samples in datagrams the kernel refused or whose collector was down. */
    public long samplesLost() {
        return samplesLost;
    }

    /** Flow samples with no collector up. */
    public long noCollector() {
        return noCollector;
    }

    public long datagrams() {
        return datagrams;
    }

    @Override
    public void close() {
        sender.close();
    }
}
