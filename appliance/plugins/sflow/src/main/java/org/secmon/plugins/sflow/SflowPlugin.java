package org.secmon.plugins.sflow;

import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.List;

import org.secmon.plugin.Counter;
import org.secmon.plugin.CounterNames;
import org.secmon.plugin.DeliveryMode;
import org.secmon.plugin.Packet;
import org.secmon.plugin.PluginApi;
import org.secmon.plugin.PluginConfig;
import org.secmon.plugin.PluginContext;
import org.secmon.plugin.PluginDescriptor;
import org.secmon.plugin.RxPort;
import org.secmon.plugin.SecmonPlugin;
import org.secmon.plugins.sflow.codec.SflowDatagram;
import org.secmon.plugins.sflow.codec.SflowExporter;
import org.secmon.plugins.sflow.codec.SubAgentState;
import org.secmon.transport.Collector;
import org.secmon.transport.CollectorCounters;
import org.secmon.transport.LoadBalancer;
import org.secmon.transport.SharedSender;
import org.secmon.transport.UdpSender;

/**
 * sFlow v5: random 1-in-N sampling of the packets its filter passes; each sampled packet becomes a flow sample with
 * its first {@code header_size} bytes, sent to the collector of its session; every polling interval a counter sample
 * per receive port goes to every collector. See {@link SflowSettings} for the keys.
 * <p>
 * Sampling is per packet with probability 1/N (Bernoulli), drawn as geometric skip counts so that the random
 * generator runs once per sample, not per packet. The sample pool counts every packet the plugin was given.
 */
public final class SflowPlugin implements SecmonPlugin {
    public static final String ID = "sflow";
    private static final long HOUSEKEEPING_NANOS = 10_000_000L;

    private PluginContext context;
    private SflowSettings settings;
    private SflowExporter exporter;
    /** The sub-agent's numbers across configurations; owned from the end of start to the end of stop. */
    private SubAgentState state;
    private boolean owning;
    /** The pool this instance started from (the previous configuration's): its own count is the difference. */
    private long poolBase;
    private SharedSender sender;
    private LoadBalancer lb;
    private List<RxPort> ports;
    private boolean flushed;
    /** Counted down by each queue's instance at the end of its input (a replayed capture). */
    private java.util.concurrent.CountDownLatch ended;
    private long nextHousekeeping;
    private long nextPoll;

    // sampling state (data-plane thread)
    /** What every packet writes (sample pool, skip count, clock) and the generator: padded, see {@link Hot}. */
    private final Hot hot = new Hot();
    private double logKeep;

    private Counter samplePool;
    private Counter samples;
    private Counter samplesSent;
    private Counter samplesLost;
    private Counter noCollector;
    private Counter counterSamples;
    private Counter datagrams;
    private CollectorCounters perCollector;

    @Override
    public PluginDescriptor descriptor() {
        return new PluginDescriptor(ID, "1.0.0", PluginApi.VERSION,
                "sFlow v5: random packet sampling with raw headers, interface counters", DeliveryMode.DIRECT, "",
                true);
    }

    @Override
    public void init(PluginContext ctx) {
        this.context = ctx;
        samplePool = ctx.counter(CounterNames.SAMPLE_POOL);
        samples = ctx.counter(CounterNames.FLOW_SAMPLES);
        samplesSent = ctx.counter(CounterNames.FLOW_SAMPLES_SENT);
        samplesLost = ctx.counter(CounterNames.SAMPLES_LOST);
        noCollector = ctx.counter(CounterNames.SAMPLES_NO_COLLECTOR);
        counterSamples = ctx.counter("counter_samples");
        datagrams = ctx.counter("datagrams");
    }

    @Override
    public void configure(PluginConfig config) {
        this.settings = SflowSettings.parse(config);
    }

    @Override
    public void start() {
        if (settings == null) {
            throw new IllegalStateException("no configuration: set at least 'collector: HOST:PORT'");
        }
        SflowSettings s = settings;
        InetAddress agent = s.agentAddress() != null ? s.agentAddress() : localAddressTowards(s.collectors()
                .collectors().getFirst());
        sender = SharedSender.acquire(context, s.collectors(), () -> {
            UdpSender udp = new UdpSender(s.collectors(), s.retryNanos());
            if (s.pacingKbps() > 0) {
                udp.pacing(s.pacingKbps() * 1000, 4 * s.mtu(), 1024, s.mtu());
            }
            return udp;
        });
        lb = new LoadBalancer(s.collectors(), 65_536, s.sessionTimeoutNanos());
        // one sFlow sub-agent per rx queue (sub_agent_id, sub_agent_id + 1, ...): each its own datagram stream with
        // its own sequence numbers and sample pool, as sFlow v5 intends sub-agents; one socket for all of them
        int subAgent = s.subAgentId() + context.queue();
        // the sub-agent's sequences, pool and uptime go on from the previous configuration's (a collector sees one
        // agent across changes, not a restart)
        state = context.kept("sub-agent " + agent.getHostAddress() + " " + subAgent, SubAgentState::new);
        exporter = new SflowExporter(s.collectors(), new SflowExporter.Settings(agent, subAgent, s.mtu(),
                s.flushDelayNanos(), 1), sender.view(), lb, state);
        // interface counters once per appliance: from the first queue's sub-agent
        ports = context.queue() == 0 ? context.rxPorts() : List.of();
        ended = context.shared("ended", () -> new java.util.concurrent.CountDownLatch(context.queues()));
        perCollector = new CollectorCounters(context, s.collectors());
        hot.rng = s.seed() != 0 ? s.seed() + 0x9E3779B97F4A7C15L * context.queue()
                : System.nanoTime() ^ 0x9E3779B97F4A7C15L ^ ((long) context.queue() << 40);
        if (hot.rng == 0) {
            hot.rng = 1;
        }
        logKeep = s.samplingRate() == 1 ? 0 : Math.log1p(-1.0 / s.samplingRate());
        hot.pool = 0; // taken from the state at the first packet: the old instance may still be counting now
        poolBase = 0;
        hot.skip = nextSkip();
        flushed = false;
        nextHousekeeping = 0;
        nextPoll = 0;
        for (Collector c : context.queue() == 0 ? s.collectors().collectors() : List.<Collector>of()) {
            context.log(System.Logger.Level.INFO, "sFlow 1-in-" + s.samplingRate() + ", header " + s.headerSize()
                    + " bytes, agent " + agent.getHostAddress() + (context.queues() > 1 ? ", sub-agents "
                    + s.subAgentId() + ".." + (s.subAgentId() + context.queues() - 1) + " (one per rx queue)" : "")
                    + ", to " + c);
        }
        state.own(); // last: a start that failed owns nothing
        owning = true;
    }

    /** The address the kernel would send from towards the collector (the agent address default). */
    private static InetAddress localAddressTowards(Collector c) {
        try (DatagramSocket s = new DatagramSocket()) {
            s.connect(new InetSocketAddress(c.host(), c.port()));
            InetAddress a = s.getLocalAddress();
            return a == null || a.isAnyLocalAddress() ? InetAddress.getLoopbackAddress() : a;
        } catch (IOException | RuntimeException e) {
            return InetAddress.getLoopbackAddress();
        }
    }

    /** Packets until the next sample: geometric with mean N, i.e. every packet sampled with probability 1/N. */
    private long nextSkip() {
        if (logKeep == 0) {
            return 1;
        }
        // xorshift64*: a uniform double in (0, 1]
        hot.rng ^= hot.rng >>> 12;
        hot.rng ^= hot.rng << 25;
        hot.rng ^= hot.rng >>> 27;
        double u = ((hot.rng * 0x2545F4914F6CDD1DL) >>> 11) * 0x1.0p-53;
        u = 1.0 - u;
        return 1 + (long) (Math.log(u) / logKeep);
    }

    @Override
    public void onPacket(Packet p) {
        long now = p.timestampNanos();
        hot.lastNow = now;
        if (!exporter.booted()) {
            exporter.boot(now);
            nextPoll = now + settings.pollingNanos();
            // the previous configuration's instance of this queue got its last packet in an earlier burst of this
            // thread, and saved its pool after it (poll)
            poolBase = state.pool();
            hot.pool = poolBase;
        }
        hot.pool++;
        if (--hot.skip > 0) {
            return;
        }
        hot.skip = nextSkip();
        samples.increment();
        int header = Math.min(settings.headerSize(), p.deliverLength());
        exporter.flowSample(p, header, settings.samplingRate(), hot.pool,
                exporter.noCollector() + exporter.samplesLost(),
                SflowDatagram.inputOf(p), SflowDatagram.IF_UNKNOWN, now);
    }

    @Override
    public int poll(long nowNanos) {
        if (exporter.booted()) {
            state.pool(hot.pool); // after every burst: what a new configuration's instance starts from
        }
        if (!exporter.booted() || nowNanos == 0 || nowNanos - nextHousekeeping < 0) {
            return 0;
        }
        nextHousekeeping = nowNanos + HOUSEKEEPING_NANOS;
        hot.lastNow = nowNanos;
        if (settings.pollingNanos() > 0 && nowNanos - nextPoll >= 0) {
            nextPoll = nowNanos + settings.pollingNanos();
            counterSamples(nowNanos);
        }
        lb.expire(nowNanos, 4096);
        exporter.tick(nowNanos);
        publishCounters();
        return 1;
    }

    private void counterSamples(long nowNanos) {
        for (RxPort port : ports) {
            exporter.counterSample(port.ifIndex(), port.speedBitsPerSecond(), port.bytes(), port.packets(),
                    port.discards(), port.errors(), nowNanos);
            counterSamples.increment();
        }
    }

    @Override
    public void endOfStream(long nowNanos) {
        ended.countDown();
        if (!ports.isEmpty()) {
            // this instance sends the port's counters: its last sample must count what every queue took in, so it
            // waits (bounded) until the other queues' inputs ended too
            try {
                if (!ended.await(60, java.util.concurrent.TimeUnit.SECONDS)) {
                    context.log(System.Logger.Level.WARNING, "not every rx queue ended within 60 s: the last"
                            + " counter sample may miss their last packets");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        flushAll(nowNanos);
    }

    @Override
    public void stop() {
        if (exporter != null) {
            flushAll(hot.lastNow);
            exporter.close();
            if (sender != null) {
                sender.release(); // the last queue's instance closes the socket
                sender = null;
            }
        }
        if (owning) {
            owning = false;
            state.release(); // after its last datagram: a new configuration's instance numbers alone from here
        }
    }

    private void flushAll(long nowNanos) {
        if (flushed) {
            return;
        }
        flushed = true;
        if (exporter.booted() && settings.pollingNanos() > 0) {
            counterSamples(nowNanos); // the final counters
        }
        exporter.flush(nowNanos);
        publishCounters();
    }

    private void publishCounters() {
        samplePool.set(hot.pool - poolBase); // this instance's: the host adds up a change's
        samplesSent.set(exporter.samplesSent());
        samplesLost.set(exporter.samplesLost());
        noCollector.set(exporter.noCollector());
        datagrams.set(exporter.datagrams());
        perCollector.publishSessions(lb);
        if (sender != null) {
            sender.publishCounters();
        }
    }

    /*
     * The plugin runs as one instance per rx queue, each on its own core; fields written for every packet must not
     * share a cache line with another instance's (two instances made one after the other can sit side by side in
     * memory, and every packet would then move the line between the cores). HotSpot lays out a superclass's fields
     * before its subclass's: 64 bytes of padding on either side of the four fields.
     */
    abstract static class HotPad0 {
        long p00, p01, p02, p03, p04, p05, p06, p07;
    }

    abstract static class HotFields extends HotPad0 {
        long pool;
        long skip;
        long rng;
        long lastNow;
    }

    static final class Hot extends HotFields {
        long p10, p11, p12, p13, p14, p15, p16, p17;
    }
}
