package org.secmon.tools.replay;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.secmon.testkit.CaptureWriter;
import org.secmon.testkit.FrameBuilder;
import org.secmon.testkit.Nfcapd;
import org.secmon.testkit.Tools;
import org.secmon.testkit.TunnelFrames;
import org.secmon.testkit.UdpCapture;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Mirrored traffic as clouds deliver it, through {@code secmon replay --decap} into a real nfcapd: tunnels encoded by
 * Scapy (ERSPAN I/II/III, GRE with IP and Ethernet over IPv4 and IPv6, VXLAN, GENEVE, GTP-U) must give, in nfdump,
 * exactly the inner flows tshark decodes from the same capture, each with its tunnel's id as observation point and
 * ERSPAN III's direction; deduplication of both ends mirrored.
 */
class TunnelIngestTest {
    static final Path PLUGINS = Path.of("target/plugins");
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    /** Flows as tshark decodes the innermost IP packet of each frame: key -> {packets, bytes}. */
    static Map<String, long[]> tsharkFlows(Path pcap, int minIpLayers) throws Exception {
        Path tshark = Tools.require("tshark");
        Tools.Result r = Tools.exec(List.of(tshark.toString(), "-r", pcap.toString(), "-T", "fields",
                "-E", "occurrence=l", "-E", "separator=|", "-e", "frame.protocols", "-e", "ip.src", "-e", "ip.dst",
                "-e", "ip.len", "-e", "ip.proto", "-e", "ipv6.src", "-e", "ipv6.dst", "-e", "ipv6.plen",
                "-e", "ipv6.nxt", "-e", "tcp.srcport", "-e", "tcp.dstport", "-e", "udp.srcport", "-e", "udp.dstport"),
                120);
        assertEquals(0, r.exitCode(), r.err());
        Map<String, long[]> flows = new TreeMap<>();
        for (String line : r.lines()) {
            String[] f = line.split("\\|", -1);
            List<String> layers = List.of(f[0].split(":"));
            int ipLayers = (int) layers.stream().filter(l -> l.equals("ip") || l.equals("ipv6")).count();
            if (ipLayers < minIpLayers) {
                continue; // not a tunnelled packet (signalling)
            }
            boolean v6 = layers.lastIndexOf("ipv6") > layers.lastIndexOf("ip");
            String src = Nfcapd.canonical(v6 ? f[5] : f[1]);
            String dst = Nfcapd.canonical(v6 ? f[6] : f[2]);
            long len = v6 ? 40 + Long.parseLong(f[7]) : Long.parseLong(f[3]);
            int proto = Integer.parseInt(v6 ? f[8] : f[4]);
            String sport = !f[9].isEmpty() ? f[9] : f[11];
            String dport = !f[10].isEmpty() ? f[10] : f[12];
            String key = (v6 ? 6 : 4) + "|" + proto + "|" + src + "|" + sport + "|" + dst + "|" + dport;
            long[] v = flows.computeIfAbsent(key, k -> new long[2]);
            v[0]++;
            v[1] += len;
        }
        return flows;
    }

    /** Only the TCP and UDP flows (tshark reads an ICMP error's quoted ports as the packet's own). */
    static Map<String, long[]> transport(Map<String, long[]> flows) {
        Map<String, long[]> out = new TreeMap<>();
        flows.forEach((k, v) -> {
            String proto = k.split("\\|")[1];
            if (proto.equals("6") || proto.equals("17")) {
                out.put(k, v);
            }
        });
        return out;
    }

    /** nfdump's records as JSON objects. */
    static List<JsonNode> nfdumpRecords(Path file) throws Exception {
        Tools.Result r = Tools.exec(List.of("nfdump", "-r", file.toString(), "-o", "json"), 60);
        assertEquals(0, r.exitCode(), r.err());
        List<JsonNode> out = new ArrayList<>();
        JSON.readTree(r.out()).forEach(out::add);
        return out;
    }

    static String key(JsonNode n) throws Exception {
        boolean v6 = n.has("src6_addr");
        return (v6 ? 6 : 4) + "|" + n.get("proto").asInt() + "|"
                + Nfcapd.canonical(n.get(v6 ? "src6_addr" : "src4_addr").asText()) + "|" + n.get("src_port").asInt()
                + "|" + Nfcapd.canonical(n.get(v6 ? "dst6_addr" : "dst4_addr").asText()) + "|"
                + n.get("dst_port").asInt();
    }

    /** Replays {@code pcap} with {@code args} into a fresh nfcapd; returns the summary and nfdump's records. */
    record Run(ReplayCommand.Summary summary, List<JsonNode> records, Path export, int exportPort) {
        /**
         * Per exported record, by tshark (an independent decoder, and the only one here that reads IE 138 in NetFlow
         * v9: nfdump 1.7 reads it in IPFIX only): source port -> {observation point id, direction}.
         */
        Map<Integer, long[]> tsharkPointsBySourcePort() throws Exception {
            Tools.Result r = Tools.exec(List.of(Tools.require("tshark").toString(), "-r", export.toString(), "-d",
                    "udp.port==" + exportPort + ",cflow", "-T", "fields", "-E", "separator=|", "-e", "cflow.srcport",
                    "-e", "cflow.observation_point_id", "-e", "cflow.direction", "-e", "cflow.layer2_segment_id"), 60);
            assertEquals(0, r.exitCode(), r.err());
            Map<Integer, long[]> out = new TreeMap<>();
            for (String line : r.lines()) {
                String[] f = line.split("\\|", -1);
                if (f[0].isEmpty()) {
                    continue; // a template-only packet
                }
                String[] ports = f[0].split(",");
                String[] points = f[1].split(",");
                String[] dirs = f[2].split(",");
                String[] segments = f[3].split(",");
                assertEquals(ports.length, points.length, "every record has an observation point: " + line);
                assertEquals(ports.length, segments.length, "every record has a layer 2 segment: " + line);
                for (int i = 0; i < ports.length; i++) {
                    out.put(Integer.parseInt(ports[i]), new long[] {Long.parseLong(points[i]),
                        Long.parseLong(dirs[i]), Long.decode(segments[i])});
                }
            }
            return out;
        }
        /**
         * IPFIX: per exported record, by tshark: its port ({@code portField}: cflow.srcport or cflow.dstport) ->
         * the tunnel's outer source ("" for none; the records of one port must agree), from SecMon's
         * tunnelSourceIPv4Address / tunnelSourceIPv6Address (enterprise 32473, ids 5 and 6: tshark shows each as an
         * enterprise entry's bytes, the two of a record in template order).
         */
        Map<Integer, String> tsharkTunnelSources(String portField) throws Exception {
            Tools.Result r = Tools.exec(List.of(Tools.require("tshark").toString(), "-r", export.toString(), "-d",
                    "udp.port==" + exportPort + ",cflow", "-T", "fields", "-E", "separator=|", "-e", portField,
                    "-e", "cflow.enterprise_private_entry"), 60);
            assertEquals(0, r.exitCode(), r.err());
            Map<Integer, String> out = new TreeMap<>();
            for (String line : r.lines()) {
                String[] f = line.split("\\|", -1);
                if (f[0].isEmpty()) {
                    continue;
                }
                String[] ports = f[0].split(",");
                String[] entries = f[1].split(",");
                assertEquals(2 * ports.length, entries.length, "two tunnel source elements per record: " + line);
                for (int i = 0; i < ports.length; i++) {
                    String v4 = entries[2 * i];
                    String v6 = entries[2 * i + 1];
                    assertEquals(8, v4.length(), line);
                    assertEquals(32, v6.length(), line);
                    String a = !v4.equals("00000000") ? java.net.InetAddress.getByAddress(java.util.HexFormat.of()
                            .parseHex(v4)).getHostAddress() : !v6.equals("0".repeat(32))
                            ? java.net.InetAddress.getByAddress(java.util.HexFormat.of().parseHex(v6)).getHostAddress()
                            : "";
                    String before = out.put(Integer.parseInt(ports[i]), a);
                    assertTrue(before == null || before.equals(a), "records of port " + ports[i] + " from " + before
                            + " and " + a);
                }
            }
            return out;
        }
    }

    private Run replayInto(Path pcap, String format, String... args) throws Exception {
        return replayInto(dir, pcap, format, args);
    }

    /**
     * {@code secmon replay --FORMAT} of {@code pcap} (with {@code args}) into a fresh nfcapd under {@code dir}: the
     * replay's summary (exit 0, nothing lost), nfdump's records, and the export datagrams as nfcapd repeated them.
     */
    static Run replayInto(Path dir, Path pcap, String format, String... args) throws Exception {
        try (UdpCapture copy = new UdpCapture();
             Nfcapd nfcapd = new Nfcapd(Files.createTempDirectory(dir, "flows-" + format), copy.port)) {
            List<String> a = new ArrayList<>(List.of("--pcap", pcap.toString(), "--" + format,
                    "127.0.0.1:" + nfcapd.port, "--plugins", PLUGINS.toString(), "--no-count"));
            a.addAll(List.of(args));
            ReplayCommand.Summary s = ReplayCommand.replay(a.toArray(String[]::new));
            assertEquals(0, s.exitCode(), s.out() + s.err());
            assertEquals(0, s.counter("netflow", "records_lost"), s.out());
            long sent = s.plugin("netflow").collectorCounter("datagrams");
            assertEquals(sent, copy.await((int) sent, 10_000), "datagrams repeated by nfcapd: all received");
            nfcapd.drain(copy);
            Path export = Files.createTempFile(dir, "export-" + format, ".pcap");
            copy.writePcap(export);
            return new Run(s, nfdumpRecords(nfcapd.stop()), export, copy.port);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"ipfix", "netflow"})
    void scapyTunnelsGiveExactlyTheInnerFlowsTsharkSeesWithTheirObservationPoints(String format) throws Exception {
        Path python = Tools.requirePython("scapy");
        Tools.require("nfdump");
        Path pcap = dir.resolve("tunnels.pcap");
        Tools.Result gen = Tools.exec(List.of(python.toString(), Path.of("src/test/resources/scapy/tunnels.py")
                .toAbsolutePath().toString(), pcap.toString()), 120);
        assertEquals(0, gen.exitCode(), gen.err());
        Map<String, long[]> want = tsharkFlows(pcap, 2);
        assertEquals(8, want.size(), "tshark sees the 8 inner flows: " + want.keySet());

        // ERSPAN II session 11 and VXLAN VNI 15 numbered as interfaces 101 and 105: their flows' ingressInterface
        Run run = replayInto(pcap, format, "--decap", "auto", "--tunnel-interface", "11=101", "--tunnel-interface",
                "15=105");
        ReplayCommand.Summary s = run.summary();
        assertEquals(0, s.malformed(), s.out());
        assertEquals(1, s.skipped(), "the GTP-U echo request is counted, not decoded: " + s.out());
        assertEquals(8, s.observationPoints().size(), s.out());

        Map<String, long[]> got = new TreeMap<>();
        Map<Integer, long[]> byTshark = run.tsharkPointsBySourcePort();
        Map<String, Long> points = new TreeMap<>();
        Map<String, Integer> directions = new TreeMap<>();
        for (JsonNode n : run.records()) {
            long[] v = got.computeIfAbsent(key(n), k -> new long[2]);
            v[0] += n.get("in_packets").asLong();
            v[1] += n.get("in_bytes").asLong();
            long[] pd = byTshark.get(n.get("src_port").asInt());
            points.put(key(n), pd == null ? -1 : pd[0]);
            directions.put(key(n), n.path("direction").asInt(-1));
            String src = key(n).split("\\|")[2];
            assertEquals(src.equals("192.168.1.1") ? 101 : src.equals("192.168.6.1") ? 105 : 0,
                    n.path("input_snmp").asInt(-1), "ingressInterface of " + key(n));
            assertEquals(pd == null ? -1 : pd[1], n.path("direction").asInt(-1), "tshark and nfdump: direction");
            if (format.equals("ipfix")) {
                assertEquals(pd == null ? -1 : pd[0], n.path("observationPointID").asLong(-1),
                        "tshark and nfdump: observation point");
            }
        }
        assertEquals(want.keySet(), got.keySet(), "nfdump's flows are the inner flows tshark decodes");
        // layer2SegmentId: VXLAN (type 0x01 in the top byte) with its VNI for the VXLAN flow, 0 for the others
        for (Map.Entry<Integer, long[]> e : byTshark.entrySet()) {
            assertEquals(e.getKey() == 2006 ? 0x01L << 56 | 15 : 0, e.getValue()[2], "segment of port " + e.getKey());
        }
        for (String k : want.keySet()) {
            assertEquals(want.get(k)[0], got.get(k)[0], "packets of " + k);
            assertEquals(want.get(k)[1], got.get(k)[1], "bytes of " + k);
        }
        // each inner flow k came through the tunnel whose id the generator gave it
        Map<String, Long> tunnelIdBySource = Map.of("192.168.1.1", 11L, "192.168.2.1", 12L, "192.168.3.1", 0L,
                "192.168.4.1", 13L, "fd00:5:0:0:0:0:0:1", 14L, "192.168.6.1", 15L, "192.168.7.1", 16L,
                "192.168.8.1", 17L);
        for (Map.Entry<String, Long> e : points.entrySet()) {
            String src = e.getKey().split("\\|")[2];
            assertEquals(tunnelIdBySource.get(src), e.getValue(), "observation point of " + e.getKey());
            // ERSPAN III's direction bit says egress for flow 2; everything else was received (ingress)
            assertEquals(src.equals("192.168.2.1") ? 1 : 0, directions.get(e.getKey()), "direction of " + e.getKey());
        }

        // IPFIX: each record names its tunnel's outer source (SecMon's elements, decoded by tshark), as the
        // generator sent it: inner flow k from 10.200.0.k, flow 5 over IPv6 from 2001:db8:200::5
        if (format.equals("ipfix")) {
            Map<Integer, String> sources = run.tsharkTunnelSources("cflow.srcport");
            assertEquals(byTshark.keySet(), sources.keySet(), "every record has a tunnel source");
            for (Map.Entry<Integer, String> e : sources.entrySet()) {
                int k = e.getKey() % 1000;
                assertEquals(k == 5 ? "2001:db8:200:0:0:0:0:5" : "10.200.0." + k, e.getValue(),
                        "tunnel source of port " + e.getKey());
            }
        }

        // without decap the same capture is tunnel traffic: outer flows, none of the inner ones
        Run outer = replayInto(pcap, format);
        for (JsonNode n : outer.records()) {
            assertTrue(!want.containsKey(key(n)), "no inner flow without --decap: " + key(n));
        }
    }

    @Test
    void sflowSamplesAndRawForwardCarryTheInnerPacket() throws Exception {
        Path python = Tools.requirePython("scapy");
        Path tshark = Tools.require("tshark");
        Path pcap = dir.resolve("tunnels.pcap");
        Tools.Result gen = Tools.exec(List.of(python.toString(), Path.of("src/test/resources/scapy/tunnels.py")
                .toAbsolutePath().toString(), pcap.toString()), 120);
        assertEquals(0, gen.exitCode(), gen.err());
        Path sflowPcap = dir.resolve("sflow.pcap");
        Path rawPcap = dir.resolve("raw.pcap");
        int sflowPort;
        int rawPort;
        try (UdpCapture sflow = new UdpCapture(); UdpCapture raw = new UdpCapture()) {
            sflowPort = sflow.port;
            rawPort = raw.port;
            ReplayCommand.Summary s = ReplayCommand.replay("--pcap", pcap.toString(), "--decap", "auto",
                    "--sflow", "127.0.0.1:" + sflow.port, "--sampling", "1", "--polling-interval", "0",
                    "--rawforward", "127.0.0.1:" + raw.port, "--encap", "vxlan", "--plugins", PLUGINS.toString(),
                    "--no-count");
            assertEquals(0, s.exitCode(), s.out() + s.err());
            assertEquals(40, s.plugin("rawforward").received(), s.out());
            long forwarded = s.plugin("rawforward").collectorCounter("datagrams");
            assertEquals(40, raw.await(40, 10_000), "every inner packet forwarded");
            assertEquals(40, forwarded);
            long datagrams = s.plugin("sflow").collectorCounter("datagrams");
            sflow.await((int) datagrams, 10_000);
            sflow.writePcap(sflowPcap);
            raw.writePcap(rawPcap);
        }
        // sFlow: every sample is an inner packet — Ethernet, or IPv4 (header protocol 11) for the IP-only tunnels —
        // with the tunnel id as input interface
        Tools.Result r = Tools.exec(List.of(tshark.toString(), "-r", sflowPcap.toString(), "-d", "udp.port=="
                + sflowPort + ",sflow", "-T", "fields", "-E", "separator=|", "-E", "occurrence=a", "-e",
                "sflow_245.header_protocol", "-e", "sflow.flow_sample.input_interface"), 60);
        assertEquals(0, r.exitCode(), r.err());
        Map<String, String> protocolByInput = new TreeMap<>();
        int samples = 0;
        for (String line : r.lines()) {
            String[] f = line.split("\\|", -1);
            String[] protocols = f[0].split(",");
            String[] inputs = f[1].split(",");
            assertEquals(protocols.length, inputs.length, "a protocol and an input per sample: " + line);
            for (int i = 0; i < protocols.length && !protocols[i].isEmpty(); i++) {
                samples++;
                String was = protocolByInput.put(inputs[i], protocols[i]);
                assertTrue(was == null || was.equals(protocols[i]), line);
            }
        }
        assertEquals(40, samples, "one sample per inner packet (1 in 1)");
        // the tunnel id as input interface; an IPv4 header sample (11) for the tunnels that carry IP without
        // Ethernet (GRE key 13, GTP-U TEID 17), an Ethernet one (1) for the others
        assertEquals(Map.of("0", "1", "11", "1", "12", "1", "13", "11", "14", "1", "15", "1", "16", "1", "17", "11"),
                protocolByInput);

        // raw forward: every forwarded frame is the inner packet in an Ethernet frame (made for the IP-only ones)
        Tools.Result v = Tools.exec(List.of(tshark.toString(), "-r", rawPcap.toString(), "-d", "udp.port=="
                + rawPort + ",vxlan", "-T", "fields", "-E", "occurrence=l", "-e", "frame.protocols"), 60);
        assertEquals(40, v.lines().size());
        for (String line : v.lines()) {
            assertTrue(line.startsWith("eth:ethertype:ip:udp:vxlan:eth:ethertype:ip") && !line.contains("gre")
                    && !line.contains("gtp") && !line.contains("geneve") && !line.contains("erspan"),
                    "an inner frame in VXLAN: " + line);
        }
    }

    @Test
    void bothEndsMirroredAreCountedOnceAndNothingElseIsDropped() throws Exception {
        Tools.require("nfdump");
        Path pcap = dir.resolve("both-ends.pcap");
        long t = 1_700_000_000_000_000_000L;
        int flows = 40;
        int perFlow = 8;
        long retransmits = 0;
        try (CaptureWriter w = new CaptureWriter(pcap, CaptureWriter.Format.PCAP_LE_NANOS, 65535)) {
            for (int n = 0; n < perFlow; n++) {
                for (int k = 0; k < flows; k++) {
                    FrameBuilder a = FrameBuilder.tcp("192.168.50." + (k + 1), "192.168.60.1", 20000 + k, 443)
                            .flags(0x10).payload(20 + n);
                    a.fragmentId = n + 1;
                    a.ttl = 64;
                    FrameBuilder b = FrameBuilder.tcp("192.168.50." + (k + 1), "192.168.60.1", 20000 + k, 443)
                            .flags(0x10).payload(20 + n);
                    b.fragmentId = n + 1;
                    b.ttl = 62; // seen two hops later, at the other end
                    // the source end's hypervisor, then the destination end's, 2 ms later, through other tunnels
                    w.write(TunnelFrames.erspanII("10.0.0.1", "10.99.0.1", 1, 0, n, a.build()), t);
                    w.write(TunnelFrames.vxlan("10.0.0.2", "10.99.0.1", 4789, 2, b.build()), t + 2_000_000);
                    if (k % 5 == 0) {
                        // a retransmission, identical, but 300 ms later: outside the window, a packet of its own
                        w.write(TunnelFrames.erspanII("10.0.0.1", "10.99.0.1", 1, 0, n, a.build()), t + 300_000_000);
                        retransmits++;
                    }
                    t += 1_000_000;
                }
                t += 500_000_000;
            }
        }
        Run run = replayInto(pcap, "ipfix", "--decap", "auto", "--dedup", "50");
        ReplayCommand.Summary s = run.summary();
        assertEquals((long) flows * perFlow, s.duplicates(), "every copy from the far end dropped: " + s.out());
        assertEquals((long) flows * perFlow + retransmits, s.packets(), "every packet counted once: " + s.out());
        long packets = 0;
        for (JsonNode n : run.records()) {
            packets += n.get("in_packets").asLong();
            assertEquals(1, n.get("observationPointID").asLong(), "kept the first copy's tunnel: " + key(n));
        }
        assertEquals((long) flows * perFlow + retransmits, packets, "nfdump's packets");
        assertEquals(flows, run.records().stream().map(n -> {
            try {
                return key(n);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }).distinct().count());

        // without dedup: every copy counted, on two observation points
        Run all = replayInto(pcap, "ipfix", "--decap", "auto");
        assertEquals(2L * flows * perFlow + retransmits, all.summary().packets());
        assertEquals(0, all.summary().duplicates());
        assertTrue(Files.exists(pcap));
    }
}
