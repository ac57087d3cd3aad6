package org.secmon.tools.replay;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.secmon.testkit.Await;
import org.secmon.testkit.CaptureWriter;
import org.secmon.testkit.Nfcapd;
import org.secmon.testkit.Ports;
import org.secmon.testkit.Tools;
import org.secmon.testkit.TrafficGenerator;
import org.secmon.testkit.UdpCapture;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * {@code secmon replay --rawforward}: the forwarded tunnel traffic is captured, the encapsulation stripped with
 * editcap (or read from tshark's sFlow decoding), and the inner packets must be byte-identical to the input capture
 * cut at the rule's truncate_to_size, in order; tshark must see the inner protocols through VXLAN and ERSPAN.
 */
class RawForwardTest {
    private static final int TRUNCATE = 200;

    @TempDir
    Path dir;

    /** The generated capture (no malformed frames: every one reaches the plugin) and its frames. */
    private List<byte[]> input() throws Exception {
        TrafficGenerator.generate(dir.resolve("in.pcap"), 1500, 10, 11, false, CaptureWriter.Format.PCAP_LE_MICROS);
        return SflowExportTest.readPcap(dir.resolve("in.pcap"));
    }

    /** A config forwarding everything, cut at {@link #TRUNCATE} bytes. */
    private Path config(String encap, int port) throws Exception {
        return config(encap, "127.0.0.1", port);
    }

    private Path config(String encap, String host, int port) throws Exception {
        Path f = dir.resolve("rf.yaml");
        Files.writeString(f, """
                plugins:
                  rawforward:
                    rules: [{priority: 10, action: forward, truncate_to_size: %d}]
                    config:
                      collector: %s:%d
                      encapsulation: %s
                """.formatted(TRUNCATE, host, port, encap));
        return f;
    }

    private ReplayCommand.Summary replay(String encap, int port, String... more) throws Exception {
        List<String> args = new ArrayList<>(List.of("--pcap", dir.resolve("in.pcap").toString(), "--config",
                config(encap, port).toString(), "--plugins", NetflowExportTest.PLUGINS.toString(), "--no-count",
                // paced: a receiver's socket buffer (net.core.rmem_max) never overflows
                "--rate", "40000"));
        args.addAll(List.of(more));
        ReplayCommand.Summary r = ReplayCommand.replay(args.toArray(String[]::new));
        assertEquals(0, r.exitCode(), r.out() + r.err());
        return r;
    }

    private static byte[] cut(byte[] frame) {
        return Arrays.copyOf(frame, Math.min(TRUNCATE, frame.length));
    }

    @ParameterizedTest
    @ValueSource(strings = {"udp", "vxlan"})
    void editcapStripsTheEncapsulationAndTheInnerPacketsAreTheInput(String encap) throws Exception {
        Path editcap = Tools.require("editcap");
        Path tshark = Tools.require("tshark");
        List<byte[]> in = input();
        Path captured = dir.resolve("tunnel.pcap");
        int port;
        try (UdpCapture cap = new UdpCapture()) {
            port = cap.port;
            ReplayCommand.Summary r = replay(encap, port);
            assertEquals(in.size(), r.counter("rawforward", "packets_sent"), r.out());
            assertEquals(0, r.counter("rawforward", "packets_lost"));
            assertEquals(in.size(), cap.await(in.size(), 10_000), "datagrams received");
            cap.writePcap(captured); // Ethernet + IPv4 + UDP around each datagram, as on the wire
        }
        // strip Ethernet (14) + IPv4 (20) + UDP (8) [+ VXLAN (8)]
        int strip = 42 + (encap.equals("vxlan") ? 8 : 0);
        Path inner = dir.resolve("inner.pcap");
        Nfcapd.run(List.of(editcap.toString(), "-F", "pcap", "-C", Integer.toString(strip), captured.toString(),
                inner.toString()));
        List<byte[]> got = SflowExportTest.readPcap(inner);
        assertEquals(in.size(), got.size());
        for (int i = 0; i < in.size(); i++) {
            assertArrayEquals(cut(in.get(i)), got.get(i), "packet " + (i + 1));
        }
        if (encap.equals("vxlan")) {
            assertInnerProtocols(tshark, captured, List.of("-d", "udp.port==" + port + ",vxlan"), "vxlan:eth:");
        }
    }

    /**
     * On 1 rx queue, and on 2 (an instance per queue, each with its own sockets and batches): the GRE sequence
     * numbers a collector sees still go 1, 2, 3... in the order the packets arrive (numbered as each batch is sent,
     * under one lock), and the inner packets are the input — in the input's order on one queue, as the same set
     * on two (each conversation in order).
     */
    @ParameterizedTest
    @ValueSource(ints = {1, 2})
    void erspanOverGreShowsTheInnerProtocolsAndTheInnerPacketsAreTheInput(int queues) throws Exception {
        Assumptions.assumeTrue("root".equals(System.getProperty("user.name")),
                "ERSPAN sends GRE through a raw socket (CAP_NET_RAW) and the check captures on lo: root only");
        Path editcap = Tools.require("editcap");
        Path tshark = Tools.require("tshark");
        List<byte[]> in = input();
        Path captured = dir.resolve("gre.pcap");
        Path log = dir.resolve("tshark.log");
        // GRE to 127.0.0.2 only: nothing else on this machine sends that
        // a 32 MB capture buffer: two queues send in bursts, and a kernel drop here would look like a lost packet
        Process cap = new ProcessBuilder(tshark.toString(), "-i", "lo", "-B", "32", "-f",
                "ip proto 47 and dst host 127.0.0.2",
                "-w", captured.toString()).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        try {
            Await.started(cap, log, "Capturing on", Duration.ofSeconds(20));
            ReplayCommand.Summary r = ReplayCommand.replay("--pcap", dir.resolve("in.pcap").toString(), "--config",
                    config("erspan", "127.0.0.2", 1).toString(), "--plugins", NetflowExportTest.PLUGINS.toString(),
                    "--no-count", "--rate", Integer.toString(40000 / queues), "--queues", Integer.toString(queues));
            assertEquals(0, r.exitCode(), r.out() + r.err());
            assertEquals(queues, r.plugin("rawforward").instances(), r.out());
            assertEquals(in.size(), r.counter("rawforward", "packets_sent"), r.out());
            Await.until(Duration.ofSeconds(10), "all " + in.size() + " GRE packets captured",
                    () -> captured(tshark, captured), n -> n >= in.size());
        } finally {
            cap.destroy(); // tshark writes out its capture on SIGTERM
            if (!cap.waitFor(20, TimeUnit.SECONDS)) {
                cap.destroyForcibly();
            }
        }
        // strip Ethernet (14) + IPv4 (20) + GRE with sequence number (8) + ERSPAN type II (8)
        Path inner = dir.resolve("inner.pcap");
        Nfcapd.run(List.of(editcap.toString(), "-F", "pcap", "-C", "50", captured.toString(), inner.toString()));
        List<byte[]> got = SflowExportTest.readPcap(inner);
        assertEquals(in.size(), got.size(), "GRE packets captured");
        if (queues == 1) {
            for (int i = 0; i < in.size(); i++) {
                assertArrayEquals(cut(in.get(i)), got.get(i), "packet " + (i + 1));
            }
        } else {
            List<String> want = new ArrayList<>();
            List<String> have = new ArrayList<>();
            for (int i = 0; i < in.size(); i++) {
                want.add(java.util.HexFormat.of().formatHex(cut(in.get(i))));
                have.add(java.util.HexFormat.of().formatHex(got.get(i)));
            }
            java.util.Collections.sort(want);
            java.util.Collections.sort(have);
            assertEquals(want, have, "the inner packets are the input's");
        }
        List<String> seqs = Nfcapd.run(List.of(tshark.toString(), "-r", captured.toString(), "-T", "fields", "-e",
                "gre.sequence_number"));
        for (int i = 0; i < seqs.size(); i++) {
            assertEquals(Long.toString(i + 1), seqs.get(i).trim(), "GRE sequence number of captured packet "
                    + (i + 1));
        }
        assertInnerProtocols(tshark, captured, List.of(), "gre:erspan:eth:");
    }

    @Test
    void sflowEncapsulationCarriesEveryPacketAsAOneToOneSample() throws Exception {
        Path tshark = Tools.require("tshark");
        List<byte[]> in = input();
        int port;
        try (UdpCapture cap = new UdpCapture()) {
            port = cap.port;
            ReplayCommand.Summary r = replay("sflow", port);
            assertEquals(in.size(), r.counter("rawforward", "packets_sent"), r.out());
            long datagrams = r.plugin("rawforward").collectorCounter("datagrams");
            assertEquals(datagrams, cap.await((int) datagrams, 10_000));
            cap.writePcap(dir.resolve("sflow.pcap"));
        }
        List<String> lines = Nfcapd.run(List.of(tshark.toString(), "-r", dir.resolve("sflow.pcap").toString(),
                "-o", "sflow.enable_dissection:FALSE", "-d", "udp.port==" + port + ",sflow", "-T", "fields",
                "-E", "occurrence=a", "-E", "aggregator=;", "-E", "separator=/t",
                "-e", "sflow.flow_sample.sampling_rate", "-e", "sflow_245.header",
                "-e", "sflow_245.header.sampled_header_length", "-e", "_ws.malformed"));
        List<byte[]> got = new ArrayList<>();
        for (String line : lines) {
            String[] f = line.split("\t", -1);
            assertTrue(f[3].isEmpty(), "malformed: " + line);
            String[] rates = f[0].split(";");
            String[] headers = f[1].split(";");
            String[] lengths = f[2].split(";");
            for (int i = 0; i < headers.length; i++) {
                assertEquals("1", rates[i]);
                byte[] h = HexFormat.of().parseHex(headers[i].replace(":", ""));
                got.add(Arrays.copyOf(h, Integer.parseInt(lengths[i])));
            }
        }
        assertEquals(in.size(), got.size(), "samples");
        for (int i = 0; i < in.size(); i++) {
            assertArrayEquals(cut(in.get(i)), got.get(i), "packet " + (i + 1));
        }
    }

    /**
     * A set of two collectors with session balancing: every conversation goes whole to one collector, each collector
     * gets its packets in input order, and together they get every packet once.
     */
    @Test
    void aCollectorSetKeepsEachConversationOnOneCollectorInOrder() throws Exception {
        Path editcap = Tools.require("editcap");
        Path tshark = Tools.require("tshark");
        List<byte[]> in = input();
        java.util.Map<String, java.util.ArrayDeque<Integer>> index = new java.util.HashMap<>();
        for (int i = 0; i < in.size(); i++) {
            index.computeIfAbsent(HexFormat.of().formatHex(cut(in.get(i))), k -> new java.util.ArrayDeque<>()).add(i);
        }
        List<java.util.Set<String>> keys = new ArrayList<>();
        int total = 0;
        try (UdpCapture a = new UdpCapture(); UdpCapture b = new UdpCapture()) {
            Path f = dir.resolve("set.yaml");
            Files.writeString(f, """
                    plugins:
                      rawforward:
                        rules: [{priority: 10, action: forward, truncate_to_size: %d}]
                        config:
                          lb: session
                          collectors:
                            - {name: a, address: 127.0.0.1, port: %d}
                            - {name: b, address: 127.0.0.1, port: %d}
                    """.formatted(TRUNCATE, a.port, b.port));
            ReplayCommand.Summary r = ReplayCommand.replay("--pcap", dir.resolve("in.pcap").toString(), "--config", f.toString(),
                    "--plugins", NetflowExportTest.PLUGINS.toString(), "--no-count", "--rate", "40000");
            assertEquals(0, r.exitCode(), r.out() + r.err());
            long na = r.counter("rawforward", "collector.a.datagrams");
            long nb = r.counter("rawforward", "collector.b.datagrams");
            assertEquals(in.size(), na + nb);
            assertTrue(na > in.size() / 5 && nb > in.size() / 5, "both collectors used: " + na + " / " + nb);
            for (UdpCapture c : List.of(a, b)) {
                long want = c == a ? na : nb;
                assertEquals(want, c.await((int) want, 10_000));
                Path tunnel = dir.resolve("set-" + c.port + ".pcap");
                Path inner = dir.resolve("set-" + c.port + "-inner.pcap");
                c.writePcap(tunnel);
                Nfcapd.run(List.of(editcap.toString(), "-F", "pcap", "-C", "42", tunnel.toString(),
                        inner.toString()));
                List<byte[]> got = SflowExportTest.readPcap(inner);
                int last = -1;
                for (byte[] g : got) {
                    java.util.ArrayDeque<Integer> q = index.get(HexFormat.of().formatHex(g));
                    assertTrue(q != null && !q.isEmpty(), "a packet that was not in the input, or twice");
                    int at = q.poll();
                    assertTrue(at > last, "collector " + c.port + ": packet " + (at + 1) + " after " + (last + 1));
                    last = at;
                }
                total += got.size();
                // conversations (addresses, ports, protocol; both directions alike) as tshark reads them
                java.util.Set<String> conv = new java.util.HashSet<>();
                for (String line : Nfcapd.run(List.of(tshark.toString(), "-r", inner.toString(), "-T", "fields",
                        "-E", "separator=,", "-e", "ip.src", "-e", "ip.dst", "-e", "ipv6.src", "-e", "ipv6.dst",
                        "-e", "tcp.srcport", "-e", "tcp.dstport", "-e", "udp.srcport", "-e", "udp.dstport",
                        "-e", "ip.proto", "-e", "ipv6.nxt"))) {
                    String[] x = line.split(",", -1);
                    String s1 = x[0] + x[2] + ":" + x[4] + x[6];
                    String s2 = x[1] + x[3] + ":" + x[5] + x[7];
                    conv.add((s1.compareTo(s2) < 0 ? s1 + "|" + s2 : s2 + "|" + s1) + "|" + x[8] + x[9]);
                }
                keys.add(conv);
            }
        }
        assertEquals(in.size(), total, "every packet once");
        java.util.Set<String> both = new java.util.HashSet<>(keys.get(0));
        both.retainAll(keys.get(1));
        assertTrue(both.isEmpty(), both.size() + " conversations split across collectors, e.g. "
                + both.stream().limit(3).toList());
    }

    @Test
    void anUnreachableCollectorIsCountedNotFatal() throws Exception {
        input();
        int closed = Ports.freeUdp();
        ReplayCommand.Summary r = ReplayCommand.replay("--pcap", dir.resolve("in.pcap").toString(), "--config",
                config("udp", closed).toString(), "--plugins", NetflowExportTest.PLUGINS.toString(), "--no-count",
                "--rate", "40000");
        assertEquals(4, r.exitCode(), r.out() + r.err());
        long sent = r.counter("rawforward", "packets_sent");
        long lost = r.counter("rawforward", "packets_lost");
        long none = r.counter("rawforward", "packets_no_collector");
        assertEquals(r.plugin("rawforward").received(), sent + lost + none, "every packet accounted once: " + r.out());
        assertTrue(lost + none > 0, r.out());
    }

    private static long captured(Path tshark, Path file) {
        try {
            return Files.exists(file) ? Nfcapd.run(List.of(tshark.toString(), "-r", file.toString(), "-T", "fields",
                    "-e", "frame.number")).size() : 0;
        } catch (Exception e) {
            return 0; // still being written
        }
    }

    private static void assertInnerProtocols(Path tshark, Path file, List<String> decodeAs, String through)
            throws Exception {
        List<String> cmd = new ArrayList<>(List.of(tshark.toString(), "-r", file.toString()));
        cmd.addAll(decodeAs);
        cmd.addAll(List.of("-T", "fields", "-e", "frame.protocols", "-e", "_ws.malformed"));
        List<String> lines = Nfcapd.run(cmd);
        long tcp = 0;
        long udp = 0;
        long v6 = 0;
        for (String l : lines) {
            String[] f = l.split("\t", -1);
            assertTrue(f[0].contains(through), "not decoded through " + through + ": " + l);
            tcp += f[0].contains(":tcp") ? 1 : 0;
            udp += f[0].contains(through) && f[0].substring(f[0].indexOf(through)).contains(":udp") ? 1 : 0;
            v6 += f[0].contains(":ipv6") ? 1 : 0;
        }
        assertTrue(tcp > 0 && udp > 0 && v6 > 0, "inner TCP, UDP and IPv6 seen: tcp " + tcp + " udp " + udp
                + " ipv6 " + v6);
    }
}
