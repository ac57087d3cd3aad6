package org.secmon.dataplane.host;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

import org.secmon.dataplane.dpdk.Dpdk;
import org.secmon.dataplane.dpdk.DpdkPort;
import org.secmon.dataplane.ingest.FlowDistributor;
import org.secmon.dataplane.ingest.Ingest;
import org.secmon.dataplane.ingest.ObservationPoints;
import org.secmon.dataplane.parse.MalformedReason;
import org.secmon.dataplane.source.CaptureFileSource;
import org.secmon.dataplane.source.Sources;

/**
 * The rx queues of one source, an {@link RxAgent} each: what the agent's and replay's {@code --queues N} open.
 * A DPDK port gets N rx queues, spread by the NIC's RSS (with the symmetric key, so that both directions of a
 * conversation reach one queue). A capture file has no RSS: it is opened N times and each agent keeps the
 * conversations a {@link FlowDistributor} gives its queue (software placement; every agent reads every frame, each
 * parses them, only one queue's plugins see each).
 *
 * @param agents    one per queue, named {@code rx-p0qN}
 * @param captures  the capture file readers (one per queue; for record counts), empty for DPDK
 * @param software  whether the agents place flows in software
 */
public record RxQueues(List<RxAgent> agents, List<CaptureFileSource> captures, boolean software,
                       List<Sources.Opened> opened, DpdkPort port) implements AutoCloseable {

    /**
     * Opens {@code queues} rx queues of {@code spec} (1..64), paced at {@code packetsPerSecond} per queue for a
     * capture file ({@link Sources#open}), each agent with {@code ingest}.
     */
    public static RxQueues open(Sources.Spec spec, int queues, long packetsPerSecond, int burst, Ingest ingest)
            throws IOException {
        if (queues < 1 || queues > 64) {
            throw new IllegalArgumentException("--queues must be 1..64, not " + queues);
        }
        List<RxAgent> agents = new ArrayList<>();
        List<Sources.Opened> opened = new ArrayList<>();
        List<CaptureFileSource> captures = new ArrayList<>();
        try {
            if (spec instanceof Sources.DpdkDevice d && queues > 1) {
                if (!Dpdk.isAvailable()) {
                    throw new IllegalArgumentException("--source dpdk: " + Dpdk.availability().reason());
                }
                Dpdk.init(d.eal());
                DpdkPort port = DpdkPort.open(d.device(), queues);
                try {
                    for (int q = 0; q < queues; q++) {
                        agents.add(new RxAgent("rx-p0q" + q, port.source(q, d.idleEndMillis()), burst, ingest));
                    }
                } catch (RuntimeException e) {
                    port.close();
                    throw e;
                }
                return new RxQueues(List.copyOf(agents), List.of(), false, List.of(), port);
            }
            FlowDistributor placement = new FlowDistributor(queues);
            for (int q = 0; q < queues; q++) {
                Sources.Opened o = Sources.open(spec, packetsPerSecond, burst);
                opened.add(o);
                if (o.capture() != null) {
                    captures.add(o.capture());
                }
                RxAgent a = new RxAgent("rx-p0q" + q, o.source(), burst, ingest);
                if (queues > 1) {
                    a.placement(placement, q);
                }
                agents.add(a);
            }
            return new RxQueues(List.copyOf(agents), List.copyOf(captures), queues > 1, List.copyOf(opened), null);
        } catch (IOException | RuntimeException e) {
            for (Sources.Opened o : opened) {
                o.close();
            }
            throw e;
        }
    }

    /** The first queue's agent (the only one with one queue). */
    public RxAgent first() {
        return agents.get(0);
    }

    public int size() {
        return agents.size();
    }

    /** Frames the queues took in, summed. */
    public long rxPackets() {
        return sum(agents, a -> a.rxPackets());
    }

    public long rxBytes() {
        return sum(agents, a -> a.rxBytes());
    }

    /** Malformed frames of every reason, summed over the queues. */
    public long malformed() {
        return sum(agents, a -> a.malformed());
    }

    public long malformed(MalformedReason reason) {
        return sum(agents, a -> a.malformed(reason));
    }

    public long skipped() {
        return sum(agents, a -> a.skipped());
    }

    public long duplicatesDropped() {
        return sum(agents, a -> a.duplicatesDropped());
    }

    /** {@code f} of every agent, summed (a counter over the queues). */
    static long sum(List<RxAgent> agents, java.util.function.ToLongFunction<RxAgent> f) {
        long n = 0;
        for (RxAgent a : agents) {
            n += f.applyAsLong(a);
        }
        return n;
    }

    /** Observation points (tunnel sources) with their packets and bytes over every queue. */
    public List<ObservationPoints.Point> observationPoints() {
        if (agents.size() == 1) {
            return agents.get(0).observationPoints().snapshot();
        }
        java.util.Map<String, ObservationPoints.Point> all = new java.util.TreeMap<>();
        for (RxAgent a : agents) {
            for (ObservationPoints.Point p : a.observationPoints().snapshot()) {
                all.merge(p.describe(), p, (x, y) -> new ObservationPoints.Point(x.tunnelType(), x.srcHi(),
                        x.srcLo(), x.id(), x.packets() + y.packets(), x.bytes() + y.bytes()));
            }
        }
        return List.copyOf(all.values());
    }

    /** A description of the queues for people: the source, and how many queues place flows how. */
    public String describe() {
        String d = first().source().describe();
        return agents.size() == 1 ? d : d + ", " + agents.size() + " rx queues" + (software
                ? " (flows placed by a symmetric hash)" : " (RSS)");
    }

    @Override
    public void close() {
        for (Sources.Opened o : opened) {
            o.close();
        }
        if (port != null) {
            for (RxAgent a : agents) {
                a.source().close();
            }
            port.close();
        }
    }
}
