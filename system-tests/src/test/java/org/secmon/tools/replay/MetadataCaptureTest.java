package org.secmon.tools.replay;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.secmon.testkit.IpfixDecoder;
import org.secmon.testkit.Ports;
import org.secmon.testkit.Tools;
import org.secmon.testkit.UdpCapture;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Layer-7 metadata from real traffic: openssl s_client against s_server (TLS 1.3 and 1.2, with and without a server
 * name, ALPN) and curl against python's http.server, captured on loopback by tcpdump; DNS over UDP and TCP and a
 * ClientHello split over two segments written by Scapy. {@code secmon replay --metadata all} exports IPFIX (and
 * NetFlow v9); the values must be exactly those tshark decodes from the capture — read back from the export by tshark
 * (IANA HTTP elements, ntop's server name and DNS elements) and by {@link IpfixDecoder} for SecMon's own (ALPN, JA4,
 * TLS version). JA4 is computed here from tshark's decoding of each ClientHello (FoxIO's algorithm, written again in
 * this test: tshark 4.0 has no JA4).
 */
class MetadataCaptureTest {
    static final Path PLUGINS = Path.of("target/plugins");
    static final String SECMON_PEN = "32473";
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path dir;
    static Path capture;
    /** What tshark decodes from the capture, by flow "sport>dport": field -> value. */
    static Map<String, Map<String, String>> truth;

    @BeforeAll
    static void captureRealTraffic() throws Exception {
        for (String t : List.of("tcpdump", "openssl", "curl", "mergecap", "tshark")) {
            Tools.require(t);
        }
        Path python = Tools.requirePython("scapy");
        Path live = dir.resolve("live.pcap");
        Tools.Result r = Tools.exec(List.of("bash", Path.of("src/test/resources/metadata/traffic.sh").toAbsolutePath()
                .toString(), live.toString(), Integer.toString(Ports.freeTcp()), Integer.toString(Ports.freeTcp())),
                120);
        assertEquals(0, r.exitCode(), r.out() + r.err());
        Path scapy = dir.resolve("scapy.pcap");
        r = Tools.exec(List.of(python.toString(), Path.of("src/test/resources/metadata/dns.py").toAbsolutePath()
                .toString(), scapy.toString()), 120);
        assertEquals(0, r.exitCode(), r.err());
        Path quic = dir.resolve("quic.pcap");
        r = Tools.exec(List.of(Tools.requirePython("cryptography").toString(), Path.of(
                "src/test/resources/metadata/quic.py").toAbsolutePath().toString(), quic.toString()), 120);
        assertEquals(0, r.exitCode(), r.err());
        capture = dir.resolve("all.pcap");
        r = Tools.exec(List.of("mergecap", "-F", "pcap", "-w", capture.toString(), live.toString(), scapy.toString(),
                quic.toString()), 60);
        assertEquals(0, r.exitCode(), r.err());
        truth = tshark(capture);
    }

    static final List<String> FIELDS = List.of("tls.handshake.extensions_server_name",
            "tls.handshake.extensions_alpn_str", "tls.handshake.ciphersuite", "tls.handshake.extension.type",
            "tls.handshake.sig_hash_alg", "tls.handshake.extensions.supported_version", "tls.handshake.version",
            "http.host", "http.request.method", "http.user_agent", "dns.qry.name", "dns.qry.type", "dns.flags.response",
            "dns.flags.rcode", "dns.a", "dns.aaaa", "quic.version");

    static Map<String, Map<String, String>> tshark(Path pcap) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(Tools.require("tshark").toString(), "-r", pcap.toString(),
                "-Y", "tls.handshake.type == 1 or http.request or dns", "-T", "fields", "-E", "separator=|",
                "-E", "aggregator=;", "-e", "tcp.srcport", "-e", "tcp.dstport", "-e", "udp.srcport",
                "-e", "udp.dstport", "-e", "frame.number"));
        for (String f : FIELDS) {
            cmd.addAll(List.of("-e", f));
        }
        Tools.Result r = Tools.exec(cmd, 120);
        assertEquals(0, r.exitCode(), r.err());
        Map<String, Map<String, String>> out = new TreeMap<>();
        for (String line : r.lines()) {
            String[] v = line.split("\\|", -1);
            String key = (v[0].isEmpty() ? v[2] : v[0]) + ">" + (v[1].isEmpty() ? v[3] : v[1]);
            Map<String, String> m = new HashMap<>();
            m.put("transport", v[0].isEmpty() ? "udp" : "tcp");
            for (int i = 0; i < FIELDS.size(); i++) {
                m.put(FIELDS.get(i), v[5 + i]);
            }
            out.putIfAbsent(key, m); // a flow's first
        }
        return out;
    }

    /** JA4 of a ClientHello as tshark decoded it (FoxIO's technical_details/JA4.md). */
    static String ja4(Map<String, String> t) throws Exception {
        List<Integer> ciphers = ints(t.get("tls.handshake.ciphersuite"));
        List<Integer> exts = ints(t.get("tls.handshake.extension.type"));
        List<Integer> sigs = ints(t.get("tls.handshake.sig_hash_alg"));
        List<Integer> versions = ints(t.get("tls.handshake.extensions.supported_version"));
        int version = versions.isEmpty() ? Integer.decode(t.get("tls.handshake.version"))
                : versions.stream().max(Integer::compare).orElseThrow();
        String v = switch (version) {
            case 0x0304 -> "13";
            case 0x0303 -> "12";
            case 0x0302 -> "11";
            case 0x0301 -> "10";
            default -> "00";
        };
        String alpn = t.get("tls.handshake.extensions_alpn_str").split(";")[0];
        String a = alpn.isEmpty() ? "00" : "" + alpn.charAt(0) + alpn.charAt(alpn.length() - 1);
        String head = (t.get("transport").equals("udp") ? "q" : "t") + v + (exts.contains(0) ? "d" : "i") + String.format("%02d%02d", Math.min(99,
                ciphers.size()), Math.min(99, exts.size())) + a;
        String c = hash(ciphers.stream().sorted().map(MetadataCaptureTest::hex4).toList(), "");
        List<String> e = exts.stream().filter(x -> x != 0 && x != 0x10).sorted().map(MetadataCaptureTest::hex4)
                .toList();
        String s = sigs.isEmpty() ? "" : "_" + String.join(",", sigs.stream().map(MetadataCaptureTest::hex4)
                .toList());
        return head + "_" + c + "_" + hash(e, s);
    }

    private static String hash(List<String> list, String suffix) throws Exception {
        if (list.isEmpty()) {
            return "000000000000";
        }
        byte[] d = MessageDigest.getInstance("SHA-256").digest((String.join(",", list) + suffix)
                .getBytes(StandardCharsets.US_ASCII));
        return HexFormat.of().formatHex(d).substring(0, 12);
    }

    private static String hex4(int v) {
        return String.format("%04x", v);
    }

    /** tshark's ;-separated numbers, GREASE left out. */
    private static List<Integer> ints(String s) {
        List<Integer> out = new ArrayList<>();
        for (String x : s.split(";")) {
            if (!x.isEmpty()) {
                int v = Integer.decode(x);
                if ((v & 0x0f0f) != 0x0a0a || (v >>> 8) != (v & 0xff)) {
                    out.add(v);
                }
            }
        }
        return out;
    }

    /** An export: tshark's view of each record and our decoder's, by flow "sport>dport". */
    record Export(Map<String, JsonNode> tshark, Map<String, IpfixDecoder.Record> decoded, ReplayCommand.Summary summary) {
    }

    static Export replay(String format, String... args) throws Exception {
        try (UdpCapture c = new UdpCapture()) {
            List<String> a = new ArrayList<>(List.of("--pcap", capture.toString(), "--" + format,
                    "127.0.0.1:" + c.port, "--plugins", PLUGINS.toString(), "--no-count", "--metadata", "all"));
            a.addAll(List.of(args));
            ReplayCommand.Summary s = ReplayCommand.replay(a.toArray(String[]::new));
            assertEquals(0, s.exitCode(), s.out() + s.err());
            long sent = s.plugin("netflow").collectorCounter("datagrams");
            assertEquals(sent, c.await((int) sent, 10_000));
            Path pcap = Files.createTempFile(dir, "export", ".pcap");
            c.writePcap(pcap);
            Tools.Result r = Tools.exec(List.of(Tools.require("tshark").toString(), "-r", pcap.toString(), "-d",
                    "udp.port==" + c.port + ",cflow", "-T", "json"), 120);
            assertEquals(0, r.exitCode(), r.err());
            Map<String, JsonNode> byTshark = new TreeMap<>();
            for (JsonNode frame : JSON.readTree(r.out())) {
                collectFlows(frame, byTshark);
            }
            IpfixDecoder d = new IpfixDecoder();
            Map<String, IpfixDecoder.Record> decoded = new TreeMap<>();
            for (byte[] b : c.datagrams()) {
                for (IpfixDecoder.Record rec : d.decode(ByteBuffer.wrap(b))) {
                    decoded.putIfAbsent(rec.number("7") + ">" + rec.number("11"), rec); // see collectFlows
                }
            }
            return new Export(byTshark, decoded, s);
        }
    }

    /**
     * Every "Flow N" object under the frame, by its ports; the first of a key. A TCP flow that ended at its FIN is
     * exported, and the ACK after it, if it comes after the next expiry, starts a new flow of the same key (without
     * metadata: its first packet was the last ACK): the conversation's record is the first.
     */
    private static void collectFlows(JsonNode n, Map<String, JsonNode> out) {
        n.properties().forEach(e -> {
            if (e.getKey().startsWith("Flow ") && e.getValue().has("cflow.srcport")) {
                JsonNode f = e.getValue();
                out.putIfAbsent(f.get("cflow.srcport").asText() + ">" + f.get("cflow.dstport").asText(), f);
            } else if (e.getValue().isContainerNode()) {
                collectFlows(e.getValue(), out);
            }
        });
    }

    private static String text(JsonNode flow, String field) {
        JsonNode v = flow.get(field);
        return v == null ? "" : v.asText();
    }

    /** applicationId as tshark reads it: classification engine 3 (IANA-L4) and the service port as selector. */
    private static void assertApplication(JsonNode flow, String port, String where) {
        assertEquals("3", text(flow, "cflow.appl_id.classification_engine_id"), "engine IANA-L4: " + where);
        assertEquals(port, text(flow, "cflow.appl_id.selector_id"), "selector: " + where);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "--cache-thread", "--queues=2"})
    void ipfixCarriesWhatTsharkSeesInTheCapture(String option) throws Exception {
        Export x = option.isEmpty() ? replay("ipfix") : replay("ipfix", option);
        int tls = 0, http = 0, dns = 0, quic = 0;
        for (Map.Entry<String, Map<String, String>> e : truth.entrySet()) {
            Map<String, String> t = e.getValue();
            JsonNode flow = x.tshark().get(e.getKey());
            IpfixDecoder.Record rec = x.decoded().get(e.getKey());
            assertTrue(flow != null && rec != null, "a record for " + e.getKey() + ": " + x.tshark().keySet());
            String where = e.getKey() + " " + option;
            if (!t.get("tls.handshake.ciphersuite").isEmpty()) {
                if (e.getKey().startsWith("33005>") || e.getKey().startsWith("50003>")) {
                    // split over two TCP segments / two QUIC Initials: counted, not reassembled
                    assertEquals("", text(flow, "cflow.pie.ntop.ssl_server_name"), where);
                    continue;
                }
                tls++;
                assertEquals(t.get("tls.handshake.extensions_server_name"), text(flow,
                        "cflow.pie.ntop.ssl_server_name"), where);
                assertEquals(t.get("tls.handshake.extensions_alpn_str").split(";")[0], rec.string(SECMON_PEN + "/1"),
                        where);
                assertEquals(ja4(t), rec.string(SECMON_PEN + "/2"), where);
                List<Integer> versions = ints(t.get("tls.handshake.extensions.supported_version"));
                assertEquals(versions.isEmpty() ? Integer.decode(t.get("tls.handshake.version")) : versions.stream()
                        .max(Integer::compare).orElseThrow(), (int) rec.number(SECMON_PEN + "/3"), where);
                assertApplication(flow, "01:bb", where);
                if (t.get("transport").equals("udp")) {
                    quic++;
                    assertEquals(Long.decode(t.get("quic.version")), rec.number(SECMON_PEN + "/4"), where);
                }
            } else if (!t.get("http.host").isEmpty()) {
                http++;
                assertEquals(t.get("http.host"), text(flow, "cflow.http_request_host"), where);
                assertEquals(t.get("http.request.method"), text(flow, "cflow.http_request_method"), where);
                assertEquals(t.get("http.user_agent"), text(flow, "cflow.http_user_agent"), where);
                assertApplication(flow, "00:50", where);
            } else if (!t.get("dns.qry.name").isEmpty()) {
                dns++;
                assertEquals(t.get("dns.qry.name"), text(flow, "cflow.pie.ntop.dns_query"), where);
                assertEquals(t.get("dns.qry.type"), text(flow, "cflow.pie.ntop.dns_query_type"), where);
                assertApplication(flow, "00:35", where);
                if (t.get("dns.flags.response").equals("1") || t.get("dns.flags.response").equals("True")) {
                    assertEquals(t.get("dns.flags.rcode"), text(flow, "cflow.pie.ntop.dns_ret_code"), where);
                    String answers = String.join(",", List.of(t.get("dns.a"), t.get("dns.aaaa")).stream()
                            .filter(s -> !s.isEmpty()).map(s -> s.replace(';', ',')).toList());
                    assertEquals(answers, text(flow, "cflow.pie.ntop.dns_response"), where);
                }
            }
        }
        assertEquals(5, tls, "openssl's three ClientHellos and two QUIC Initials': " + truth.keySet());
        assertEquals(2, quic, "QUIC v1 and v2");
        assertEquals(2, http, "curl's two requests");
        assertEquals(8, dns, "Scapy's DNS messages: 6 over UDP, 2 over TCP");
        ReplayCommand.Summary s = x.summary();
        assertEquals(1, s.counter("netflow", "metadata_tls_truncated"), s.out());
        assertEquals(15, s.counter("netflow", "metadata_flows"), s.out());
        assertEquals(2, s.counter("netflow", "metadata_quic_initials"), s.out());
        assertEquals(2, s.counter("netflow", "metadata_quic_truncated"), "both Initials of the split hello: "
                + s.out());
        assertEquals(1, s.counter("netflow", "metadata_quic_other"), "the server's Initial: " + s.out());
        assertEquals(0, s.counter("netflow", "metadata_no_room"), s.out());
    }

    /**
     * RFC 5103 biflows of the same capture in a real nfcapd (nfdump 1.7 reads the reverse elements as out_packets /
     * out_bytes): one record per conversation, its forward and reverse counters equal to the sums of the
     * unidirectional records of its two directions (a replay without --biflow into another nfcapd).
     */
    @ParameterizedTest
    @ValueSource(strings = {"--queues=1", "--queues=2"})
    void biflowsInNfcapdEqualTheUnidirectionalRecords(String queues) throws Exception {
        TunnelIngestTest.Run bi = TunnelIngestTest.replayInto(dir, capture, "ipfix", "--biflow", queues);
        TunnelIngestTest.Run uni = TunnelIngestTest.replayInto(dir, capture, "ipfix");
        Map<String, long[]> one = new TreeMap<>();
        for (JsonNode n : uni.records()) {
            long[] v = one.computeIfAbsent(TunnelIngestTest.key(n), k -> new long[2]);
            v[0] += n.get("in_packets").asLong();
            v[1] += n.get("in_bytes").asLong();
        }
        long conversations = 0;
        Map<String, long[]> seen = new TreeMap<>();
        for (JsonNode n : bi.records()) {
            String key = TunnelIngestTest.key(n);
            String[] k = key.split("\\|");
            String back = k[0] + "|" + k[1] + "|" + k[4] + "|" + k[5] + "|" + k[2] + "|" + k[3];
            long[] fwd = seen.computeIfAbsent(key, x -> new long[2]);
            fwd[0] += n.get("in_packets").asLong();
            fwd[1] += n.get("in_bytes").asLong();
            long[] rev = seen.computeIfAbsent(back, x -> new long[2]);
            rev[0] += n.path("out_packets").asLong();
            rev[1] += n.path("out_bytes").asLong();
            if (n.path("out_packets").asLong() > 0) {
                conversations++;
            }
        }
        seen.values().removeIf(v -> v[0] == 0);
        assertEquals(one.keySet(), seen.keySet(), "every direction of every flow, in one biflow record or another");
        for (Map.Entry<String, long[]> e : one.entrySet()) {
            assertEquals(Arrays.toString(e.getValue()), Arrays.toString(seen.get(e.getKey())), e.getKey());
        }
        assertTrue(conversations >= 5 + 2 + 8 / 2, "the TLS, HTTP and DNS conversations are biflows: " + conversations);
        assertTrue(bi.records().size() < uni.records().size(), bi.records().size() + " biflow records, "
                + uni.records().size() + " unidirectional");
    }

    @Test
    void netflowV9CarriesNprobesFields() throws Exception {
        Export x = replay("netflow");
        int checked = 0;
        for (Map.Entry<String, Map<String, String>> e : truth.entrySet()) {
            Map<String, String> t = e.getValue();
            JsonNode flow = x.tshark().get(e.getKey());
            if (!t.get("tls.handshake.extensions_server_name").isEmpty() && !e.getKey().startsWith("33005>")
                    && !e.getKey().startsWith("50003>")) {
                assertEquals(t.get("tls.handshake.extensions_server_name"), text(flow,
                        "cflow.pie.ntop.ssl_server_name").replace("\u0000", ""), e.getKey());
                checked++;
            } else if (!t.get("http.host").isEmpty()) {
                assertEquals(t.get("http.host"), text(flow, "cflow.pie.ntop.http_host").replace("\u0000", ""));
                checked++;
            } else if (!t.get("dns.qry.name").isEmpty()) {
                assertEquals(t.get("dns.qry.name"), text(flow, "cflow.pie.ntop.dns_query").replace("\u0000", ""));
                checked++;
            }
        }
        assertEquals(4 + 2 + 8, checked, "four server names (two over QUIC), two hosts, eight DNS names");
    }
}
