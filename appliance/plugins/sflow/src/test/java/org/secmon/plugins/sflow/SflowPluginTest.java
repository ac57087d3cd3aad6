package org.secmon.plugins.sflow;

import java.lang.foreign.MemorySegment;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.secmon.dataplane.parse.PacketParser;
import org.secmon.dataplane.parse.ParsedPacket;
import org.secmon.plugin.CounterNames;
import org.secmon.plugin.PluginConfig;
import org.secmon.testkit.FrameBuilder;
import org.secmon.testkit.TestPluginContext;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The sFlow plugin across a configuration change, driven as the host drives it ({@link TestPluginContext#successor}:
 * the new configuration's instance gets what the plugin keeps): the collector sees one agent going on — datagram and
 * flow-sample sequence numbers, sample pool and uptime continue — not a restart.
 */
class SflowPluginTest {
    static final long S = 1_000_000_000L;
    static final long MS = 1_000_000L;
    static final long T0 = 1_700_000_000L * S;

    /** One configuration's instance: started, given {@code n} packets 1 ms apart from {@code t}, stopped. */
    static void run(TestPluginContext ctx, int port, int header, int n, long t) throws Exception {
        SflowPlugin plugin = new SflowPlugin();
        plugin.init(ctx);
        plugin.configure(PluginConfig.of(Map.of("collector", "127.0.0.1:" + port, "sampling_rate", 1,
                "header_size", header, "agent_address", "192.0.2.1")));
        plugin.start();
        byte[] frame = FrameBuilder.tcp("10.0.0.1", "192.0.2.10", 40000, 443).payload(20).build();
        for (int i = 0; i < n; i++) {
            long ts = t + i * MS;
            ParsedPacket p = new ParsedPacket().wrap(MemorySegment.ofArray(frame), 0, frame.length, frame.length, ts,
                    0);
            assertEquals(PacketParser.OK, PacketParser.parse(p));
            plugin.onPacket(p);
            plugin.poll(ts);
        }
        plugin.stop();
        assertEquals(n, ctx.value(CounterNames.SAMPLE_POOL), "the instance's own pool count");
    }

    /** A datagram's header and flow samples: {sequence, uptime}, then per sample {sequence, pool}. */
    record Datagram(long sequence, long uptime, List<long[]> samples) {
    }

    static Datagram decode(byte[] b) {
        ByteBuffer d = ByteBuffer.wrap(b);
        assertEquals(5, d.getInt(0), "sFlow v5");
        assertEquals(1, d.getInt(4), "IPv4 agent");
        long seq = d.getInt(16) & 0xffffffffL;
        long uptime = d.getInt(20) & 0xffffffffL;
        int n = d.getInt(24);
        List<long[]> samples = new ArrayList<>();
        int at = 28;
        for (int i = 0; i < n; i++) {
            int tag = d.getInt(at);
            int len = d.getInt(at + 4);
            if (tag == 1) { // flow sample: sequence, source, rate, pool
                samples.add(new long[] {d.getInt(at + 8) & 0xffffffffL, d.getInt(at + 20) & 0xffffffffL});
            }
            at += 8 + len;
        }
        return new Datagram(seq, uptime, samples);
    }

    @Test
    void aNewConfigurationGoesOnAsTheSameAgent(@TempDir Path dir) throws Exception {
        List<Datagram> got = new ArrayList<>();
        try (DatagramSocket rx = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
            rx.setSoTimeout(2000);
            TestPluginContext first = new TestPluginContext("sflow", dir);
            run(first, rx.getLocalPort(), 128, 5, T0);
            // a new configuration (another header size): a new instance, as the host swaps it in, 10 s later
            run(first.successor(), rx.getLocalPort(), 64, 5, T0 + 10 * S);
            byte[] buf = new byte[65535];
            for (int i = 0; i < 2; i++) {
                DatagramPacket p = new DatagramPacket(buf, buf.length);
                rx.receive(p);
                got.add(decode(java.util.Arrays.copyOf(p.getData(), p.getLength())));
            }
        }
        assertEquals(1, got.get(0).sequence());
        assertEquals(2, got.get(1).sequence(), "the datagram sequence goes on (was 1 again: an agent restart)");
        assertEquals(0, got.get(0).uptime());
        assertEquals(10_000, got.get(1).uptime(), "one uptime clock: 10 s after the first packet");
        List<long[]> samples = new ArrayList<>(got.get(0).samples());
        samples.addAll(got.get(1).samples());
        assertEquals(10, samples.size());
        for (int i = 0; i < 10; i++) {
            assertEquals(i + 1, samples.get(i)[0], "flow sample sequence of sample " + (i + 1));
            assertEquals(i + 1, samples.get(i)[1], "sample pool at sample " + (i + 1));
        }
    }
}
