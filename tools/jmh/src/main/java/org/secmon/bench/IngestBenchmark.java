package org.secmon.bench;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.secmon.dataplane.ingest.Deduplicator;
import org.secmon.dataplane.parse.Decap;
import org.secmon.dataplane.parse.PacketParser;
import org.secmon.dataplane.parse.ParsedPacket;
import org.secmon.testkit.TunnelFrames;
import org.secmon.tools.bench.BenchCapture;

/**
 * Mirror ingest on the rx thread: parse an ERSPAN II / VXLAN / GTP-U frame and its inner frame ({@code decap}),
 * the same plus the deduplication lookup ({@code decapDedup}), against the plain parse of the inner frame alone
 * ({@code plain}). Expect 0 B/op for all.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
public class IngestBenchmark {
    private static final int N = 4096;
    private static final int SLOT = 256;
    private Arena arena;
    private Frames plain;
    private MemorySegment tunnelled;
    private final int[] length = new int[N];
    private final ParsedPacket packet = new ParsedPacket();
    private final Decap decap = Decap.auto();
    private Deduplicator dedup;
    private int i;
    private long ts;

    @Setup
    public void setUp() {
        arena = Arena.ofShared();
        plain = new Frames(arena, N);
        tunnelled = arena.allocate((long) N * SLOT, 64);
        byte[] inner = new byte[BenchCapture.FRAME];
        for (int k = 0; k < N; k++) {
            MemorySegment.copy(plain.memory, plain.offset(k), MemorySegment.ofArray(inner), 0, inner.length);
            byte[] ip = new byte[inner.length - 14];
            System.arraycopy(inner, 14, ip, 0, ip.length);
            byte[] f = switch (k % 3) {
                case 0 -> TunnelFrames.erspanII("10.99.1." + (k & 15), "10.99.0.1", k & 1023, 0, k, inner);
                case 1 -> TunnelFrames.vxlan("10.99.1." + (k & 15), "10.99.0.1", 4789, k, inner);
                default -> TunnelFrames.gtpu("10.99.1." + (k & 15), "10.99.0.1", k, false, ip);
            };
            length[k] = f.length;
            MemorySegment.copy(MemorySegment.ofArray(f), 0, tunnelled, (long) k * SLOT, f.length);
        }
        dedup = new Deduplicator(50_000_000L, 1 << 18);
    }

    @TearDown
    public void tearDown() {
        arena.close();
    }

    @Benchmark
    public int plain() {
        int k = i = (i + 1) & (N - 1);
        packet.wrap(plain.memory, plain.offset(k), BenchCapture.FRAME, BenchCapture.FRAME, 0, 0);
        return PacketParser.parse(packet) + packet.dstPort();
    }

    @Benchmark
    public int decap() {
        int k = i = (i + 1) & (N - 1);
        packet.wrap(tunnelled, (long) k * SLOT, length[k], length[k], 0, 0);
        return PacketParser.parse(packet, decap) + packet.dstPort() + (int) packet.tunnelId();
    }

    /** The signature alone, of a parsed tunnelled frame. */
    @Benchmark
    public long signature() {
        int k = i = (i + 1) & (N - 1);
        packet.wrap(tunnelled, (long) k * SLOT, length[k], length[k], 0, 0);
        PacketParser.parse(packet, decap);
        return Deduplicator.signature(packet);
    }

    /**
     * The table alone as the bench's replay uses it: every packet new (a million different signatures), 1 µs apart,
     * a 50 ms window over the default 65,536 entries — full sets, a victim chosen every time; the frame is only
     * the packet's time.
     */
    @Benchmark
    public boolean lookupNew(Unique u) {
        int k = u.k = (u.k + 1) & (Unique.M - 1);
        u.ts += 1_000;
        packet.wrap(tunnelled, 0, length[0], length[0], u.ts, 0);
        return u.table.isDuplicate(packet, u.sigs[k]);
    }

    @State(Scope.Thread)
    public static class Unique {
        static final int M = 1 << 20;
        final long[] sigs = new long[M];
        final Deduplicator table = new Deduplicator(50_000_000L, 65_536);
        int k;
        long ts;

        @Setup
        public void setUp() {
            java.util.SplittableRandom r = new java.util.SplittableRandom(21);
            for (int j = 0; j < M; j++) {
                sigs[j] = r.nextLong() | 1;
            }
        }
    }

    @Benchmark
    public int decapDedup() {
        int k = i = (i + 1) & (N - 1);
        ts += 1_000; // 1 µs apart: every frame seen again after 4 ms, inside the 50 ms window (a duplicate)
        packet.wrap(tunnelled, (long) k * SLOT, length[k], length[k], ts, 0);
        int r = PacketParser.parse(packet, decap);
        return r + (dedup.isDuplicate(packet) ? 1 : 0);
    }
}
