package org.secmon.bench;

import java.lang.foreign.Arena;
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
import org.secmon.dataplane.filter.Classifier;
import org.secmon.dataplane.parse.PacketParser;
import org.secmon.dataplane.parse.ParsedPacket;
import org.secmon.tools.bench.BenchCapture;
import org.secmon.tools.bench.BenchCommand;

/**
 * Classify parsed packets with 10, 100 and 1,000 rules (the bench rule set: random prefixes, protocols and port
 * ranges, then a catch-all). {@code classify} is the classifier alone; {@code parseAndClassify} is the per-packet
 * path. The bound: 1,000 rules within 2x of 10. Expect 0 B/op.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
public class ClassifierBenchmark {
    @Param({"10", "100", "1000"})
    public int rules;

    private Arena arena;
    private Frames frames;
    private Classifier classifier;
    private ParsedPacket[] parsed;
    private final ParsedPacket packet = new ParsedPacket();
    private int i;

    @Setup
    public void setUp() {
        arena = Arena.ofShared();
        frames = new Frames(arena, 4096);
        classifier = Classifier.compile(BenchCommand.benchRules(rules));
        parsed = frames.parsed();
    }

    @TearDown
    public void tearDown() {
        arena.close();
    }

    @Benchmark
    public int classify() {
        int k = i = (i + 1) & 4095;
        return classifier.classify(parsed[k]);
    }

    @Benchmark
    public int parseAndClassify() {
        int k = i = (i + 1) & 4095;
        packet.wrap(frames.memory, frames.offset(k), BenchCapture.FRAME, BenchCapture.FRAME, 0, 0);
        PacketParser.parse(packet);
        return classifier.classify(packet);
    }
}
