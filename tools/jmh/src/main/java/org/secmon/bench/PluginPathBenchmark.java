package org.secmon.bench;

import java.lang.foreign.Arena;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
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
import org.secmon.plugin.PluginConfig;
import org.secmon.plugin.SecmonPlugin;
import org.secmon.plugins.rawforward.RawForwardPlugin;
import org.secmon.plugins.sflow.SflowPlugin;
import org.secmon.testkit.TestPluginContext;
import org.secmon.tools.bench.BenchCapture;

/**
 * The per-packet path of the sFlow and raw-forward plugins, as the host drives it: {@code onPacket} for every
 * packet, {@code poll} after every burst of 32. Datagrams really go out, to a bound loopback socket nobody reads.
 * sFlow at 1:1 encodes a flow sample for every packet (the worst case); raw forward at batch 1 makes one send per
 * packet. The bar: 0 B/op under {@code -prof gc} (gc.alloc.rate.norm).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "-Xmx1g"})
public class PluginPathBenchmark {
    @Param({"sflow:1", "sflow:1000", "rawforward:1", "rawforward:32"})
    public String plugin;

    private static final int HOT = 64;

    private Arena arena;
    private Frames frames;
    private final ParsedPacket packet = new ParsedPacket();
    private DatagramSocket sink;
    private SecmonPlugin p;
    private Path state;
    private int i;
    private long ts = 1_700_000_000_000_000_000L;

    @Setup
    public void setUp() throws Exception {
        arena = Arena.ofShared();
        frames = new Frames(arena, HOT);
        sink = new DatagramSocket(0, InetAddress.getLoopbackAddress());
        state = Files.createTempDirectory("secmon-jmh");
        String[] kv = plugin.split(":");
        int n = Integer.parseInt(kv[1]);
        String collector = "127.0.0.1:" + sink.getLocalPort();
        p = kv[0].equals("sflow") ? new SflowPlugin() : new RawForwardPlugin();
        p.init(new TestPluginContext(kv[0], state));
        p.configure(PluginConfig.of(kv[0].equals("sflow")
                ? Map.of("collector", collector, "sampling_rate", n, "polling_interval", 0)
                : Map.of("collector", collector, "encapsulation", "udp", "batch_size", n)));
        p.start();
    }

    @TearDown
    public void tearDown() throws Exception {
        p.stop();
        sink.close();
        arena.close();
        Files.deleteIfExists(state);
    }

    @Benchmark
    public int onPacket() {
        int k = (i + 1) & (HOT - 1);
        i = k;
        ts += 1_000;
        packet.wrap(frames.memory, frames.offset(k), BenchCapture.FRAME, BenchCapture.FRAME, ts, 0);
        if (PacketParser.parse(packet) != PacketParser.OK) {
            throw new IllegalStateException("bench frame does not parse");
        }
        p.onPacket(packet);
        if ((k & 31) == 31) {
            p.poll(ts); // after every burst of 32, as the rx loop does
        }
        return k;
    }
}
