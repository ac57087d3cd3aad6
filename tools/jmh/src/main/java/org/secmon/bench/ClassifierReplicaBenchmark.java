package org.secmon.bench;

import java.lang.foreign.Arena;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

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
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;
import org.secmon.dataplane.filter.Classifier;
import org.secmon.dataplane.filter.Rule;
import org.secmon.dataplane.parse.ParsedPacket;
import org.secmon.tools.bench.BenchCommand;

/**
 * Two rx threads classifying with one compiled rule set, each through its own {@link Classifier#replica() replica},
 * as the host runs a queue-local plugin on two queues. Compare {@code classify} here (2 threads) with
 * {@link ClassifierBenchmark#classify} (1 thread): with nothing written per packet that the other thread reads, the
 * time per packet is the same. {@code rules = 1} is the host's usual set for a plugin that takes everything
 * ({@link Rule#forwardAll()}): every packet counts a hit on rule 0.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Threads(2)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
public class ClassifierReplicaBenchmark {
    /** The rule set and its instances, one per thread. */
    @State(Scope.Benchmark)
    public static class Shared {
        @Param({"1", "100"})
        public int rules;

        Classifier[] perThread;
        final AtomicInteger next = new AtomicInteger();

        @Setup
        public void setUp() {
            Classifier c = Classifier.compile(rules == 1 ? List.of(Rule.forwardAll()) : BenchCommand.benchRules(rules));
            perThread = new Classifier[] {c, c.replica()};
        }
    }

    private Arena arena;
    private Classifier classifier;
    private ParsedPacket[] parsed;
    private int i;

    @Setup
    public void setUp(Shared shared) {
        classifier = shared.perThread[shared.next.getAndIncrement() % shared.perThread.length];
        arena = Arena.ofShared();
        Frames frames = new Frames(arena, 4096);
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
}
