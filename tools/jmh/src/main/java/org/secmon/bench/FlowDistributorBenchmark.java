package org.secmon.bench;

import java.lang.foreign.Arena;
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
import org.secmon.dataplane.ingest.FlowDistributor;
import org.secmon.dataplane.parse.PacketParser;
import org.secmon.dataplane.parse.ParsedPacket;
import org.secmon.tools.bench.BenchCapture;

/**
 * The software distributor's cost per packet (issue: symmetric flow placement without RSS): parse alone
 * ({@code parse}) against parse plus the symmetric hash and the queue of 8 ({@code parseAndPlace}) over the bench
 * capture's frames; their difference is the distributor. Expect 0 B/op for both.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
public class FlowDistributorBenchmark {
    private static final int N = 4096;
    private Arena arena;
    private Frames frames;
    private final ParsedPacket packet = new ParsedPacket();
    private final FlowDistributor distributor = new FlowDistributor(8);
    private int i;

    @Setup
    public void setUp() {
        arena = Arena.ofShared();
        frames = new Frames(arena, N);
    }

    @TearDown
    public void tearDown() {
        arena.close();
    }

    @Benchmark
    public int parse() {
        int k = i = (i + 1) & (N - 1);
        packet.wrap(frames.memory, frames.offset(k), BenchCapture.FRAME, BenchCapture.FRAME, 0, 0);
        return PacketParser.parse(packet) + packet.dstPort();
    }

    @Benchmark
    public int parseAndPlace() {
        int k = i = (i + 1) & (N - 1);
        packet.wrap(frames.memory, frames.offset(k), BenchCapture.FRAME, BenchCapture.FRAME, 0, 0);
        return PacketParser.parse(packet) + distributor.queueOf(packet);
    }
}
