package org.secmon.plugins.rawforward;

import java.lang.foreign.MemorySegment;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.secmon.dataplane.parse.PacketParser;
import org.secmon.dataplane.parse.ParsedPacket;
import org.secmon.plugin.CounterNames;
import org.secmon.plugin.Packet;
import org.secmon.plugin.PluginConfig;
import org.secmon.testkit.Await;
import org.secmon.testkit.FrameBuilder;
import org.secmon.testkit.Nfcapd;
import org.secmon.testkit.TestPluginContext;
import org.secmon.testkit.Tools;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The raw-forward plugin on its own (no host): its lifecycle driven as the host drives it, to a loopback socket.
 * The UDP and VXLAN encapsulations byte for byte (RFC 7348: flags 0x08, 24-bit VNI, the frame unchanged); frames cut
 * to max_frame and counted; settings refused with the field named. ERSPAN needs a raw GRE socket, i.e. root: its
 * encapsulation is checked by the system tests with tshark; its sequence across a configuration change here.
 */
class RawForwardPluginTest {
    static final long T0 = 1_700_000_000_000_000_000L;

    static Packet packet(byte[] frame) {
        ParsedPacket p = new ParsedPacket().wrap(MemorySegment.ofArray(frame), 0, frame.length, frame.length, T0, 0);
        assertEquals(PacketParser.OK, PacketParser.parse(p));
        return p;
    }

    /** Forwards {@code frames} with {@code config} (a collector on a loopback socket added); the datagrams. */
    static List<byte[]> forward(Path dir, Map<String, Object> config, List<byte[]> frames, TestPluginContext ctx)
            throws Exception {
        try (DatagramSocket rx = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
            rx.setSoTimeout(2000);
            run(ctx, "127.0.0.1", rx.getLocalPort(), config, frames);
            List<byte[]> out = new java.util.ArrayList<>();
            byte[] buf = new byte[65535];
            for (int i = 0; i < frames.size(); i++) {
                DatagramPacket d = new DatagramPacket(buf, buf.length);
                rx.receive(d);
                out.add(Arrays.copyOf(d.getData(), d.getLength()));
            }
            return out;
        }
    }

    static List<byte[]> frames() {
        return List.of(FrameBuilder.tcp("10.0.0.1", "10.0.0.2", 40000, 443).payload(100).build(),
                FrameBuilder.udp("2001:db8::1", "2001:db8::2", 5353, 53).payload(40).build(),
                FrameBuilder.udp("10.0.0.3", "10.0.0.4", 1000, 2000).payload(1400).build());
    }

    @Test
    void udpCarriesEachFrameUnchanged(@TempDir Path dir) throws Exception {
        TestPluginContext ctx = new TestPluginContext("rawforward", dir);
        List<byte[]> in = frames();
        List<byte[]> out = forward(dir, Map.of("encapsulation", "udp", "batch_size", 2), in, ctx);
        for (int i = 0; i < in.size(); i++) {
            assertArrayEquals(in.get(i), out.get(i), "frame " + i);
        }
        assertEquals(3, ctx.value(CounterNames.PACKETS_SENT));
        assertEquals(0, ctx.value(CounterNames.PACKETS_LOST));
        assertEquals(0, ctx.value(CounterNames.PACKETS_NO_COLLECTOR));
    }

    @Test
    void vxlanHeaderCarriesTheVniAndTheFrameFollowsUnchanged(@TempDir Path dir) throws Exception {
        TestPluginContext ctx = new TestPluginContext("rawforward", dir);
        List<byte[]> in = frames();
        List<byte[]> out = forward(dir, Map.of("encapsulation", "vxlan", "vni", 0xabcdef, "batch_size", 1), in, ctx);
        for (int i = 0; i < in.size(); i++) {
            byte[] d = out.get(i);
            assertEquals(8 + in.get(i).length, d.length, "frame " + i);
            // RFC 7348 section 5: flags (I bit), 24 reserved bits, VNI, 8 reserved bits
            assertArrayEquals(new byte[] {0x08, 0, 0, 0, (byte) 0xab, (byte) 0xcd, (byte) 0xef, 0},
                    Arrays.copyOf(d, 8), "VXLAN header of frame " + i);
            assertArrayEquals(in.get(i), Arrays.copyOfRange(d, 8, d.length), "frame " + i);
        }
        assertEquals(3, ctx.value(CounterNames.SEND_CALLS), "batch_size 1: one send per packet");
    }

    @Test
    void framesLongerThanMaxFrameAreCutAndCounted(@TempDir Path dir) throws Exception {
        TestPluginContext ctx = new TestPluginContext("rawforward", dir);
        List<byte[]> in = frames();
        List<byte[]> out = forward(dir, Map.of("encapsulation", "udp", "max_frame", 200), in, ctx);
        assertEquals(in.get(0).length, out.get(0).length);
        assertEquals(200, out.get(2).length, "the 1,442-byte frame is cut to max_frame");
        assertArrayEquals(Arrays.copyOf(in.get(2), 200), out.get(2));
        assertEquals(1, ctx.value(CounterNames.PACKETS_CUT));
    }

    @Test
    void badSettingsAreRefusedWithTheFieldNamed() {
        Map<String, Object> col = Map.of("name", "a", "address", "127.0.0.1", "port", 4789);
        assertTrue(assertThrows(IllegalArgumentException.class, () -> RawForwardSettings.parse(PluginConfig.of(
                Map.of("collectors", List.of(col), "vni", 1 << 24)))).getMessage().contains("vni must be"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> RawForwardSettings.parse(PluginConfig.of(
                Map.of("collectors", List.of(col), "encapsulation", "carrier-pigeon")))).getMessage()
                .contains("encapsulation must be udp, sflow, vxlan or erspan"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> RawForwardSettings.parse(PluginConfig.of(
                Map.of("collectors", List.of(Map.of("name", "a", "address", "127.0.0.1", "port", 1,
                        "encapsulation", "vxlan"), Map.of("name", "b", "address", "127.0.0.1", "port", 2,
                        "encapsulation", "udp")))))).getMessage().contains("differs from the set's"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> RawForwardSettings.parse(PluginConfig.of(
                Map.of("collectors", List.of(col), "batch_size", 0)))).getMessage().contains("batch_size"));
        assertEquals(RawForwardSettings.Encapsulation.VXLAN, RawForwardSettings.parse(PluginConfig.of(
                Map.of("collectors", List.of(col), "encapsulation", "vxlan"))).encapsulation());
    }

    /**
     * The plugin started with {@code config} (one collector, {@code address}:{@code port}) and given {@code frames},
     * then stopped.
     */
    static void run(TestPluginContext ctx, String address, int port, Map<String, Object> config, List<byte[]> frames)
            throws Exception {
        Map<String, Object> c = new HashMap<>(config);
        c.put("collectors", List.of(Map.of("name", "ids", "address", address, "port", port)));
        RawForwardPlugin plugin = new RawForwardPlugin();
        plugin.init(ctx);
        plugin.configure(PluginConfig.of(c));
        plugin.start();
        long now = T0;
        for (byte[] f : frames) {
            plugin.onPacket(packet(f));
            plugin.poll(now += 1000);
        }
        plugin.endOfStream(now);
        plugin.stop();
    }

    /**
     * ERSPAN's GRE sequence goes on across a configuration change: the instance a new configuration starts numbers
     * after the old one's last packet. A Linux GRE receiver with sequencing drops every packet whose number went back
     * (RFC 2890; ip_tunnel_rcv's i_seqno check): a sequence starting again at 1 would lose everything until it
     * passed the old count. tshark reads the numbers off loopback.
     */
    @Test
    void erspanSequenceGoesOnAcrossAConfigurationChange(@TempDir Path dir) throws Exception {
        Assumptions.assumeTrue("root".equals(System.getProperty("user.name")),
                "ERSPAN sends GRE through a raw socket (CAP_NET_RAW) and the check captures on lo: root only");
        Path tshark = Tools.require("tshark");
        Path captured = dir.resolve("gre.pcap");
        Path log = dir.resolve("tshark.log");
        // GRE to 127.0.0.3 only: nothing else sends that (the system tests' ERSPAN goes to 127.0.0.2)
        Process cap = new ProcessBuilder(tshark.toString(), "-i", "lo", "-f", "ip proto 47 and dst host 127.0.0.3",
                "-w", captured.toString()).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        List<String> seqs;
        try {
            Await.started(cap, log, "Capturing on", java.time.Duration.ofSeconds(20));
            TestPluginContext first = new TestPluginContext("rawforward", dir);
            run(first, "127.0.0.3", 1, Map.of("encapsulation", "erspan", "batch_size", 1), frames());
            // a new configuration (another batch size): a new instance, as the host swaps it in
            run(first.successor(), "127.0.0.3", 1, Map.of("encapsulation", "erspan", "batch_size", 2), frames());
            seqs = Await.until(java.time.Duration.ofSeconds(10), "6 GRE packets captured", () -> {
                try {
                    return Nfcapd.run(List.of(tshark.toString(), "-r", captured.toString(), "-T", "fields", "-e",
                            "gre.sequence_number"));
                } catch (Exception e) {
                    return List.<String>of(); // still being written
                }
            }, l -> l.size() >= 6);
        } finally {
            cap.destroy();
            if (!cap.waitFor(20, java.util.concurrent.TimeUnit.SECONDS)) {
                cap.destroyForcibly();
            }
        }
        assertEquals(List.of("1", "2", "3", "4", "5", "6"), seqs.stream().map(String::trim).toList(),
                "GRE sequence numbers across the change");
    }
}
