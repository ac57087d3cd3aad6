package org.secmon.dataplane.host;

import java.util.concurrent.locks.LockSupport;

import org.secmon.dataplane.agent.Agent;
import org.secmon.dataplane.ingest.Deduplicator;
import org.secmon.dataplane.ingest.FlowDistributor;
import org.secmon.dataplane.ingest.Ingest;
import org.secmon.dataplane.ingest.ObservationPoints;
import org.secmon.dataplane.ingest.TunnelInterfaces;
import org.secmon.dataplane.parse.Decap;
import org.secmon.dataplane.parse.MalformedReason;
import org.secmon.dataplane.parse.PacketParser;
import org.secmon.dataplane.parse.ParsedPacket;
import org.secmon.dataplane.source.Burst;
import org.secmon.dataplane.source.PacketSource;
import org.secmon.plugin.Counter;

/**
 * The rx loop of one port queue: poll a burst, parse each frame once (terminating the tunnels its {@link Ingest}
 * names, dropping duplicates when it deduplicates), and for every plugin of the current {@link Pipeline} classify
 * and deliver (call directly, or copy into the plugin's ring). Pipelines are swapped only
 * at the top of a work cycle, so every burst sees one consistent configuration. Allocates nothing per packet.
 */
public final class RxAgent implements Agent {
    /** Called on the rx thread when a plugin throws; must not block. */
    public interface FailureListener {
        void onPluginFailure(LoadedPlugin plugin, Throwable error);
    }

    private final String roleName;
    private final PacketSource source;
    private final Burst burst;
    private final ParsedPacket packet = new ParsedPacket();
    /** With deduplication: the burst's packets, parsed in a first pass (see {@link #dedupBurst}). */
    private final ParsedPacket[] parsed;
    private final long[] signatures;
    private final boolean[] parsedOk;
    private long touched;
    private final boolean captureTime;
    private final boolean lossless;
    private volatile FailureListener failureListener = (p, e) -> { };

    private volatile Ingest ingest;
    private final Ingest defaultIngest;
    private Ingest activeIngest;
    private Decap decap = Decap.NONE;
    private TunnelInterfaces interfaces = TunnelInterfaces.NONE;
    /** Written by the rx thread between bursts, read once per burst there and by the control side for counters. */
    private volatile Deduplicator dedup;
    private volatile long retiredDuplicates;
    private final ObservationPoints observationPoints = new ObservationPoints(ObservationPoints.DEFAULT_CAPACITY);
    private volatile Pipeline pipeline = Pipeline.EMPTY;
    private Pipeline active = Pipeline.EMPTY;
    private volatile long appliedVersion;
    private volatile boolean running;
    private volatile boolean done;

    private final Counter rxPackets = new Counter("rx_packets");
    private final Counter rxBytes = new Counter("rx_bytes");
    private final Counter bursts = new Counter("rx_bursts");
    private final Counter[] malformed;
    private long now;
    /** Software placement: this thread reads a source every queue reads, and keeps the conversations of its queue. */
    private FlowDistributor placement;
    private int queue;
    /** Whether this thread counts the frames no queue keeps (malformed, skipped): only queue 0 of a shared source. */
    private boolean countsRejects = true;

    public RxAgent(String roleName, PacketSource source, int burstSize) {
        this(roleName, source, burstSize, Ingest.NONE);
    }

    public RxAgent(String roleName, PacketSource source, int burstSize, Ingest ingest) {
        this.roleName = roleName;
        this.ingest = ingest;
        this.defaultIngest = ingest;
        this.source = source;
        this.burst = new Burst(burstSize);
        this.parsed = new ParsedPacket[burstSize];
        for (int i = 0; i < burstSize; i++) {
            parsed[i] = new ParsedPacket();
        }
        this.signatures = new long[burstSize];
        this.parsedOk = new boolean[burstSize];
        this.captureTime = source.captureTime();
        this.lossless = source.lossless();
        this.malformed = new Counter[MalformedReason.count()];
        for (int i = 0; i < malformed.length; i++) {
            MalformedReason r = MalformedReason.of(i);
            malformed[i] = new Counter((r.malformed() ? "malformed_" : "skipped_") + r.key());
        }
    }

    @Override
    public String roleName() {
        return roleName;
    }

    /**
     * Software flow placement (for sources that spread nothing themselves: capture files, net_pcap): this agent's
     * source yields every frame, as the sources of the other {@code placement.queues() - 1} agents do, and this
     * agent keeps the frames whose conversation {@code placement} gives to {@code queue} — both directions of a
     * conversation on one queue, the inner tuple when it decapsulates. Frames that parse as nothing (malformed,
     * skipped) are counted by queue 0 alone. Set before the agent runs.
     */
    public RxAgent placement(FlowDistributor placement, int queue) {
        if (queue < 0 || queue >= placement.queues()) {
            throw new IllegalArgumentException("queue " + queue + " of " + placement.queues());
        }
        this.placement = placement.queues() > 1 ? placement : null;
        this.queue = queue;
        this.countsRejects = queue == 0;
        return this;
    }

    void failureListener(FailureListener l) {
        failureListener = l;
    }

    @Override
    public void onStart() {
        running = true;
        source.onThreadStart();
    }

    @Override
    public void onClose() {
        try {
            source.onThreadStop();
        } finally {
            running = false;
        }
    }

    @Override
    public boolean isDone() {
        return done;
    }

    @Override
    public int doWork() {
        Pipeline pl = pipeline;
        if (pl != active) {
            active = pl;
            appliedVersion = pl.version;
        }
        Ingest in = ingest;
        if (in != activeIngest) {
            applyIngest(in);
        }
        final PluginSlot[] slots = pl.slots;
        final int n = source.poll(burst);
        if (n == PacketSource.END_OF_STREAM) {
            endOfStream(slots);
            return 0;
        }
        if (!captureTime) {
            now = System.currentTimeMillis() * 1_000_000L;
        }
        if (n > 0) {
            bursts.increment();
            final Burst b = burst;
            final ParsedPacket p = packet;
            long bytes = 0;
            int good = 0;
            final boolean stamped = captureTime;
            final long arrival = now; // a live port has no capture time: the burst's arrival, read once per burst
            final Decap dc = decap;
            final Deduplicator dd = dedup;
            if (dd != null) {
                long[] r = dedupBurst(slots, b, n, dc, dd, stamped, arrival);
                good = (int) r[0];
                bytes = r[1];
            } else {
                for (int i = 0; i < n; i++) {
                    p.wrap(b.segment, b.offset[i], b.captureLength[i], b.wireLength[i],
                            stamped ? b.timestampNanos[i] : arrival, b.port, b.linkType[i]);
                    int status = PacketParser.parse(p, dc);
                    if (status != PacketParser.OK) {
                        if (countsRejects) {
                            malformed[status].increment();
                        }
                        continue;
                    }
                    if (placement != null && placement.queueOf(p) != queue) {
                        continue; // another queue's conversation
                    }
                    good++;
                    bytes += b.wireLength[i];
                    if (p.tunnelDepth() != 0) {
                        tunnelled(p, b.wireLength[i]);
                    }
                    deliver(slots, p);
                }
            }
            if (captureTime) {
                now = b.timestampNanos[n - 1];
            }
            rxPackets.add(good);
            rxBytes.add(bytes);
            source.release(b);
        }
        return n + pollPlugins(slots);
    }

    /** A packet that came through a tunnel: counted for its observation point, given its mapped interface. */
    private void tunnelled(ParsedPacket p, int wireLength) {
        observationPoints.count(p, wireLength);
        int ifIndex = interfaces.lookup(p.tunnelId());
        if (ifIndex >= 0) {
            p.inputPort(ifIndex);
        }
    }

    private final long[] burstResult = new long[2];

    /**
     * The burst with deduplication, in three passes: parse every frame and compute its signature, read every
     * signature's set in the table (independent reads with nothing between them, so their cache misses overlap),
     * then look each up and deliver the first copies in order. One pass would wait for one miss per packet.
     *
     * @return {good packets, their bytes}
     */
    private long[] dedupBurst(PluginSlot[] slots, Burst b, int n, Decap dc, Deduplicator dd, boolean stamped,
                              long arrival) {
        final ParsedPacket[] ps = parsed;
        final long[] sigs = signatures;
        final boolean[] ok = parsedOk;
        long t = touched;
        for (int i = 0; i < n; i++) {
            ParsedPacket q = ps[i];
            q.wrap(b.segment, b.offset[i], b.captureLength[i], b.wireLength[i],
                    stamped ? b.timestampNanos[i] : arrival, b.port, b.linkType[i]);
            int status = PacketParser.parse(q, dc);
            ok[i] = status == PacketParser.OK && (placement == null || placement.queueOf(q) == queue);
            if (!ok[i]) {
                if (status != PacketParser.OK && countsRejects) {
                    malformed[status].increment();
                }
                continue;
            }
            sigs[i] = Deduplicator.signature(q);
        }
        // the sets' reads in a loop of their own: nothing between them, so the out-of-order core has them all in
        // flight at once (between two parses, one read would wait for its miss alone)
        for (int i = 0; i < n; i++) {
            if (ok[i]) {
                t += dd.touch(sigs[i]);
            }
        }
        touched = t;
        long good = 0;
        long bytes = 0;
        for (int i = 0; i < n; i++) {
            if (!ok[i]) {
                continue;
            }
            ParsedPacket q = ps[i];
            if (dd.isDuplicate(q, sigs[i])) {
                continue;
            }
            good++;
            bytes += b.wireLength[i];
            if (q.tunnelDepth() != 0) {
                tunnelled(q, b.wireLength[i]);
            }
            deliver(slots, q);
        }
        burstResult[0] = good;
        burstResult[1] = bytes;
        return burstResult;
    }

    private void deliver(PluginSlot[] slots, ParsedPacket p) {
        final int cap = p.captureLength();
        for (PluginSlot slot : slots) {
            final SlotState st = slot.state;
            if (st.failed) {
                continue;
            }
            int verdict = slot.classifier.classify(p);
            if (verdict < 0) {
                st.filtered.increment();
                continue;
            }
            p.deliverLength(verdict == 0 || verdict > cap ? cap : verdict);
            if (slot.ring == null) {
                try {
                    slot.plugin.onPacket(p);
                    st.received.increment();
                } catch (Throwable t) {
                    fail(slot, t);
                }
            } else if (slot.ring.offer(p) || lossless && waitForRoom(slot.ring, st, p)) {
                st.received.increment();
            } else {
                st.dropped.increment();
            }
        }
    }

    /** Lossless source, full ring: wait for the consumer unless the plugin fails or is being stopped. */
    private static boolean waitForRoom(PacketRing ring, SlotState st, ParsedPacket p) {
        st.stalls.increment();
        for (int spins = 0; !st.failed && !st.stopping; spins++) {
            if (ring.offer(p)) {
                return true;
            }
            if (spins < 64) {
                Thread.onSpinWait();
            } else {
                LockSupport.parkNanos(10_000);
            }
        }
        return false;
    }

    private int pollPlugins(PluginSlot[] slots) {
        int work = 0;
        for (PluginSlot slot : slots) {
            if (slot.ring == null && !slot.state.failed) {
                try {
                    work += slot.plugin.poll(now) + slot.mailbox.answer(slot.plugin);
                } catch (Throwable t) {
                    fail(slot, t);
                }
            }
        }
        return work;
    }

    private void endOfStream(PluginSlot[] slots) {
        for (PluginSlot slot : slots) {
            if (slot.state.failed) {
                continue;
            }
            if (slot.ring == null) {
                try {
                    slot.plugin.endOfStream(now);
                } catch (Throwable t) {
                    fail(slot, t);
                }
            } else {
                slot.ring.markEndOfStream();
            }
        }
        done = true;
    }

    private void fail(PluginSlot slot, Throwable t) {
        slot.state.errors.increment();
        slot.state.failed = true;
        failureListener.onPluginFailure(slot.owner, t);
    }

    /** On the rx thread, between bursts: the new decap, and a new table when the deduplication changed. */
    private void applyIngest(Ingest in) {
        Ingest old = activeIngest;
        activeIngest = in;
        decap = in.decap();
        interfaces = in.interfaces();
        boolean same = old != null && dedup != null && old.dedupWindowNanos() == in.dedupWindowNanos()
                && old.dedupEntries() == in.dedupEntries();
        if (same && in.dedup()) {
            return;
        }
        if (dedup != null) {
            retiredDuplicates = retiredDuplicates + dedup.duplicates();
        }
        dedup = in.dedup() ? new Deduplicator(in.dedupWindowNanos(), in.dedupEntries()) : null;
    }

    // ---- control side ---------------------------------------------------------------------------------------

    /** Take frames in as {@code in} says from the next burst on (any thread). */
    public void ingest(Ingest in) {
        ingest = in;
    }

    public Ingest ingest() {
        return ingest;
    }

    /** The ingest this agent was made with (the appliance's own, from its command line). */
    public Ingest defaultIngest() {
        return defaultIngest;
    }

    /** Packets dropped as duplicates (by every deduplication table this thread had). */
    public long duplicatesDropped() {
        Deduplicator d = dedup;
        return retiredDuplicates + (d == null ? 0 : d.duplicates());
    }

    /** Deduplication entries replaced inside their window (the table is too small for rate x window). */
    public long dedupEvictedInWindow() {
        Deduplicator d = dedup;
        return d == null ? 0 : d.evictedInWindow();
    }

    /** Per-observation-point (tunnel source) packets and bytes. */
    public ObservationPoints observationPoints() {
        return observationPoints;
    }

    /** Frames not decoded by choice (GTP-U signalling, outer fragments of tunnels), of every reason. */
    public long skipped() {
        long sum = 0;
        for (int i = 0; i < malformed.length; i++) {
            if (!MalformedReason.of(i).malformed()) {
                sum += malformed[i].get();
            }
        }
        return sum;
    }

    void publish(Pipeline p) {
        pipeline = p;
    }

    long appliedVersion() {
        return appliedVersion;
    }

    public boolean isRunning() {
        return running;
    }

    public PacketSource source() {
        return source;
    }

    public long rxPackets() {
        return rxPackets.get();
    }

    public long rxBytes() {
        return rxBytes.get();
    }

    public long bursts() {
        return bursts.get();
    }

    /** Malformed frames of every reason (not those {@linkplain #skipped() skipped} by choice). */
    public long malformed() {
        long sum = 0;
        for (int i = 0; i < malformed.length; i++) {
            if (MalformedReason.of(i).malformed()) {
                sum += malformed[i].get();
            }
        }
        return sum;
    }

    /** Frames counted under {@code reason} (malformed, or skipped for the reasons that are not). */
    public long malformed(MalformedReason reason) {
        return malformed[reason.ordinal()].get();
    }

    /** Capture or wall-clock time of the last work cycle, in nanoseconds since the epoch. */
    public long now() {
        return now;
    }
}
