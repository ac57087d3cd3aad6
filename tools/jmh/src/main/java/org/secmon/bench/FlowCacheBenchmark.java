package org.secmon.bench;

import java.lang.foreign.Arena;
import java.util.EnumSet;
import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.secmon.dataplane.parse.PacketParser;
import org.secmon.dataplane.parse.ParsedPacket;
import org.secmon.plugin.Packet;
import org.secmon.plugins.netflow.cache.FlowCache;
import org.secmon.plugins.netflow.cache.FlowField;
import org.secmon.tools.bench.BenchCapture;

/**
 * The NetFlow flow-cache update per packet with 1,000 and 1,000,000 concurrent flows (packets visit the flows in
 * a fixed random order, as interleaved traffic does). As on the rx path, the packet itself is hot: one of 64
 * frames in a small buffer gets the flow's source address written in, is parsed, and updates the cache — the same
 * work for both sizes, so the difference is the cache's. The bound: 1M flows within 2x of 1,000; 0 B/op.
 * {@link #top10} measures the operator's {@code show flows top 10} (not a packet-path operation), {@link #topStep20}
 * one slice of the agent report's pass.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "-Xmx4g"})
public class FlowCacheBenchmark {
    @Param({"1000", "1000000"})
    public int flows;

    private static final int HOT = 64;
    private static final long SRC_ADDRESS = 14 + 12; // Ethernet + offset of the IPv4 source address

    private Arena arena;
    private Frames frames;
    private final ParsedPacket packet = new ParsedPacket();
    private int[] order;
    private FlowCache cache;
    private int i;
    private long ts = 1_700_000_000_000_000_000L;

    @Setup
    public void setUp() {
        arena = Arena.ofShared();
        frames = new Frames(arena, HOT);
        order = new int[flows];
        java.util.SplittableRandom r = new java.util.SplittableRandom(5);
        for (int k = 0; k < flows; k++) {
            order[k] = k;
        }
        for (int k = flows - 1; k > 0; k--) {
            int j = r.nextInt(k + 1);
            int t = order[k];
            order[k] = order[j];
            order[j] = t;
        }
        cache = new FlowCache(2 * flows, FlowField.DEFAULT_MATCH, EnumSet.noneOf(FlowField.class),
                60_000_000_000L, 120_000_000_000L, 1_000_000_000L, FlowCache.FullPolicy.EVICT_OLDEST,
                (c, f, reason) -> { });
        for (int k = 0; k < flows; k++) {
            cache.update(packetOf(k), ts);
        }
        if (cache.size() != flows) {
            throw new IllegalStateException("expected " + flows + " flows, cache has " + cache.size());
        }
    }

    /**
     * A packet of flow {@code flow}: frame {@code flow % HOT} (the rest of the key: ports, destination) with the
     * flow's source address written in, parsed. The same flow always gets the same frame, so that every packet of
     * the measurement updates a flow made in the setup (checked at the end).
     */
    private Packet packetOf(int flow) {
        long at = frames.offset(flow & (HOT - 1));
        frames.memory.set(Packet.U32, at + SRC_ADDRESS, 0x0a000000 | flow);
        packet.wrap(frames.memory, at, BenchCapture.FRAME, BenchCapture.FRAME, ts, 0);
        if (PacketParser.parse(packet) != PacketParser.OK) {
            throw new IllegalStateException("bench frame does not parse");
        }
        return packet;
    }

    @TearDown
    public void tearDown() {
        arena.close();
        if (cache.created() != flows) { // the measurement would have been of flow creation and eviction
            throw new IllegalStateException(cache.created() - flows + " flows created after the setup");
        }
    }

    @Benchmark
    public int update() {
        int k = i + 1;
        if (k == flows) {
            k = 0;
        }
        i = k;
        cache.update(packetOf(order[k]), ts);
        return k;
    }

    /**
     * As the NetFlow plugin does it: the packets of a 32-packet burst are staged, then accounted together, so that
     * their cache misses overlap. Per packet.
     */
    @Benchmark
    @org.openjdk.jmh.annotations.OperationsPerInvocation(32)
    public int burst() {
        int k = i;
        for (int n = 0; n < 32; n++) {
            k = k + 1 == flows ? 0 : k + 1;
            cache.stage(packetOf(order[k]), ts);
        }
        cache.drain();
        i = k;
        return k;
    }

    /**
     * The SSH CLI's {@code show flows top 10}: one pass over the whole cache on the data-plane thread (packets wait
     * meanwhile), so its cost per million flows is what the operator's question costs the data plane.
     */
    @Benchmark
    public int top10() {
        return cache.top(10)[0];
    }

    /**
     * One slice of the agent report's pass for its top 20 ({@code flows-recent}): 8,192 records, what the NetFlow
     * plugin's housekeeping looks at every 10 ms while a report waits — the longest the data plane pauses for it.
     */
    @Benchmark
    public int topStep20() {
        int[] done = cache.topStep(20, 8_192);
        return done == null ? 0 : done.length;
    }
}
