package org.secmon.plugins.netflow.codec;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.secmon.plugin.Packet;
import org.secmon.plugins.netflow.cache.FlowCache;
import org.secmon.plugins.netflow.cache.FlowField;
import org.secmon.plugins.netflow.cache.Frames;
import org.secmon.plugins.netflow.meta.Dns;
import org.secmon.plugins.netflow.meta.MetaField;
import org.secmon.testkit.FrameBuilder;
import org.secmon.testkit.IpfixDecoder;
import org.secmon.testkit.RecordingSink;
import org.secmon.transport.Collector;
import org.secmon.transport.CollectorSet;
import org.secmon.transport.CollectorType;
import org.secmon.transport.LoadBalancer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Flows with a ClientHello, an HTTP request, DNS over UDP and TCP, through a flow cache that extracts metadata and an
 * exporter, decoded by {@link IpfixDecoder} (written from the RFCs) by the element numbers docs/netflow.md
 * documents.
 */
class MetadataExportTest {
    static final long S = 1_000_000_000L;
    static final long T0 = 1_700_000_000L * S;
    static final long PEN = 32473;
    static final String SNI = "35632/188";
    static final String DNS_QUERY = "35632/205";
    static final String DNS_QTYPE = "35632/207";
    static final String DNS_RCODE = "35632/208";
    static final String DNS_ANSWERS = "35632/398";
    static final String ALPN = PEN + "/1";
    static final String JA4 = PEN + "/2";
    static final String TLS_VERSION = PEN + "/3";

    static Packet tcp(String src, String dst, int sport, int dport, byte[] payload, long ts) {
        FrameBuilder b = FrameBuilder.tcp(src, dst, sport, dport).flags(0x18);
        b.payloadBytes = payload;
        return Frames.parse(b.build(), ts);
    }

    static Packet udp(String src, String dst, int sport, int dport, byte[] payload, long ts) {
        FrameBuilder b = FrameBuilder.udp(src, dst, sport, dport);
        b.payloadBytes = payload;
        return Frames.parse(b.build(), ts);
    }

    static byte[] hello(String sni) {
        return org.secmon.plugins.netflow.meta.TlsClientHelloTest.chromeHello(sni);
    }

    /** The packets of the scenario, at T0 + i ms. */
    static List<Packet> scenario() {
        List<Packet> ps = new ArrayList<>();
        long t = T0;
        ps.add(tcp("10.0.0.1", "192.0.2.10", 40001, 443, hello("www.example.org"), t += 1_000_000));
        ps.add(tcp("10.0.0.1", "192.0.2.10", 40001, 443, new byte[] {23, 3, 3, 0, 1, 0}, t += 1_000_000));
        ps.add(tcp("2001:db8::1", "2001:db8::2", 40002, 80, HttpRequestText.get("shop.example.com", "curl/7.88.1"),
                t += 1_000_000));
        ps.add(udp("10.0.0.1", "10.0.0.53", 5353, 53, Dns.query(7, "mail.example.com", 1), t += 1_000_000));
        ps.add(udp("10.0.0.53", "10.0.0.1", 53, 5353, Dns.response(7, "mail.example.com", 1, 0, "192.0.2.25",
                "192.0.2.26"), t += 1_000_000));
        ps.add(tcp("10.0.0.1", "10.0.0.53", 40003, 53, Dns.tcp(Dns.query(8, "big.example.net", 28)),
                t += 1_000_000));
        ps.add(udp("10.0.0.1", "192.0.2.99", 5000, 6000, new byte[40], t += 1_000_000)); // nothing to see
        return ps;
    }

    static List<IpfixDecoder.Record> run(CollectorType type, Set<MetaField> fields, int maxBytes, int metaFlows,
                                            List<Packet> packets, boolean pipe) {
        CollectorSet set = CollectorSet.of(new Collector("c", "127.0.0.1", 2055, type, 1));
        RecordingSink sink = new RecordingSink(1);
        FlowExporter ex = new FlowExporter(set, FlowExporter.Settings.defaults().withEnterpriseNumber(PEN)
                .withMetadata(new FlowExporter.MetaExport(fields, maxBytes)), sink,
                new LoadBalancer(set, 1000, 600 * S));
        FlowCache cache = new FlowCache(1000, FlowField.DEFAULT_MATCH, EnumSet.noneOf(FlowField.class), 60 * S,
                15 * S, S, FlowCache.FullPolicy.EVICT_OLDEST, ex, new FlowCache.Metadata(fields, maxBytes, metaFlows));
        ex.boot(T0);
        for (Packet p : packets) {
            if (pipe) {
                cache.stage(p, p.timestampNanos());
            } else {
                cache.update(p, p.timestampNanos());
            }
        }
        cache.drain();
        cache.flush();
        ex.flush();
        List<IpfixDecoder.Record> out = new IpfixDecoder().decodeAll(sink.buffers(0));
        lastCache = cache;
        return out;
    }

    static FlowCache lastCache;

    static IpfixDecoder.Record byPort(List<IpfixDecoder.Record> rs, int sport) {
        return rs.stream().filter(r -> r.number("7") == sport).findFirst().orElseThrow(() ->
                new AssertionError("no record from port " + sport + " in " + rs.size()));
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void ipfixCarriesEveryField(boolean staged) {
        List<IpfixDecoder.Record> rs = run(CollectorType.IPFIX, EnumSet.allOf(MetaField.class), 64, 1000,
                scenario(), staged);
        assertEquals(6, rs.size());
        IpfixDecoder.Record tls = byPort(rs, 40001);
        assertEquals(FlowExporter.TEMPLATE_V4_META, tls.template());
        assertEquals("www.example.org", tls.string(SNI));
        assertEquals("h2", tls.string(ALPN));
        assertEquals(0x0304, tls.number(TLS_VERSION));
        assertEquals(org.secmon.plugins.netflow.meta.TlsClientHelloTest.CHROME_JA4, tls.string(JA4));
        assertEquals(2, tls.number("2"), "both packets counted in the record");
        assertEquals("", tls.string("460"), "no HTTP host: an empty string");
        assertEquals(3L << 16 | 443, tls.number("95"), "applicationId: IANA-L4 (engine 3), https");
        assertEquals(3L << 16 | 53, byPort(rs, 5353).number("95"), "... domain");

        IpfixDecoder.Record http = byPort(rs, 40002);
        assertEquals(FlowExporter.TEMPLATE_V6_META, http.template());
        assertEquals("shop.example.com", http.string("460"));
        assertEquals("GET", http.string("459"));
        assertEquals("curl/7.88.1", http.string("468"));
        assertEquals(3L << 16 | 80, http.number("95"), "applicationId http");
        assertEquals("", http.string(SNI));

        IpfixDecoder.Record query = byPort(rs, 5353);
        assertEquals("mail.example.com", query.string(DNS_QUERY));
        assertEquals(1, query.number(DNS_QTYPE));
        assertEquals("", query.string(DNS_ANSWERS));
        IpfixDecoder.Record answer = byPort(rs, 53);
        assertEquals("mail.example.com", answer.string(DNS_QUERY));
        assertEquals(0, answer.number(DNS_RCODE));
        assertEquals("192.0.2.25,192.0.2.26", answer.string(DNS_ANSWERS));
        IpfixDecoder.Record overTcp = byPort(rs, 40003);
        assertEquals("big.example.net", overTcp.string(DNS_QUERY));
        assertEquals(28, overTcp.number(DNS_QTYPE));

        IpfixDecoder.Record plain = byPort(rs, 5000);
        assertEquals(FlowExporter.TEMPLATE_V4, plain.template(), "a flow without metadata: the plain template");
        assertEquals(5, lastCache.metaKept());
        assertEquals(0, lastCache.metaStore().inUse(), "every slot back after the flush");
    }

    @Test
    void netflowV9CarriesNprobesFieldsAtFixedLengths() {
        List<IpfixDecoder.Record> rs = run(CollectorType.NETFLOW, EnumSet.allOf(MetaField.class), 32, 1000,
                scenario(), true);
        IpfixDecoder.Record tls = byPort(rs, 40001);
        assertEquals(32, tls.values().get("57660").length);
        assertEquals("www.example.org", tls.string("57660"));
        assertTrue(tls.values().keySet().stream().noneMatch(k -> k.contains("/")), "no enterprise numbers in v9");
        assertNull(tls.values().get("2" + "/2"));
        IpfixDecoder.Record http = byPort(rs, 40002);
        assertEquals("shop.example.com", http.string("57659"));
        assertEquals("GET", http.string("57832"));
        assertEquals("mail.example.com", byPort(rs, 53).string("57677"));
        assertEquals("192.0.2.25,192.0.2.26", byPort(rs, 53).string("57870"));
    }

    @Test
    void onlyTheFieldsAskedFor() {
        List<IpfixDecoder.Record> rs = run(CollectorType.IPFIX, MetaField.parseAll(List.of("tls_sni", "dns")),
                64, 1000, scenario(), false);
        IpfixDecoder.Record tls = byPort(rs, 40001);
        assertEquals("www.example.org", tls.string(SNI));
        assertNull(tls.values().get(JA4));
        assertNull(tls.values().get("460"));
        assertEquals(FlowExporter.TEMPLATE_V6, byPort(rs, 40002).template(), "http not asked for: no metadata");
    }

    @Test
    void hostileValuesAreCutAndCleaned() {
        List<Packet> ps = List.of(tcp("10.0.0.1", "192.0.2.10", 40001, 443, hello("evil\u001b[2J" + "x".repeat(300)),
                T0), tcp("10.0.0.2", "192.0.2.10", 40002, 80, HttpRequestText.get("h\u0000st", "ua\r"), T0));
        List<IpfixDecoder.Record> rs = run(CollectorType.IPFIX, EnumSet.allOf(MetaField.class), 20, 1000, ps,
                false);
        assertEquals("evil?[2Jxxxxxxxxxxxx", byPort(rs, 40001).string(SNI), "20 bytes, no escape character");
        assertEquals("h?st", byPort(rs, 40002).string("460"));
    }

    @Test
    void aFullStoreIsCountedAndTheFlowsStillExported() {
        List<IpfixDecoder.Record> rs = run(CollectorType.IPFIX, EnumSet.allOf(MetaField.class), 64, 2,
                scenario(), false);
        assertEquals(6, rs.size(), "every flow exported");
        assertEquals(2, rs.stream().filter(r -> r.template() >= FlowExporter.TEMPLATE_V4_META).count());
        assertEquals(3, lastCache.metaStore().noRoom());
    }

    @Test
    void truncatedHellosAreCountedNotDecoded() {
        byte[] h = hello("www.example.org");
        List<Packet> ps = List.of(tcp("10.0.0.1", "192.0.2.10", 40001, 443, java.util.Arrays.copyOf(h, h.length / 2),
                T0));
        List<IpfixDecoder.Record> rs = run(CollectorType.IPFIX, EnumSet.allOf(MetaField.class), 64, 10, ps, false);
        assertEquals(FlowExporter.TEMPLATE_V4, rs.get(0).template());
        assertEquals(1, lastCache.metadata().tlsTruncated);
    }

    @Test
    void anMtuTooSmallForTheTemplatesIsRefused() {
        CollectorSet set = CollectorSet.of(new Collector("c", "127.0.0.1", 2055, CollectorType.IPFIX, 1));
        FlowExporter.Settings s = FlowExporter.Settings.withThisProcess(0, 400, 20, 60 * S, S, 1, false, false)
                .withEnterpriseNumber(PEN)
                .withMetadata(new FlowExporter.MetaExport(EnumSet.allOf(MetaField.class), 254));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new FlowExporter(set, s,
                new RecordingSink(1), new LoadBalancer(set, 10, S)));
        assertTrue(e.getMessage().contains("metadata_max_bytes"), e.getMessage());
    }

    /** HTTP/1.1 request heads. */
    static final class HttpRequestText {
        static byte[] get(String host, String agent) {
            return ("GET /index.html HTTP/1.1\r\nHost: " + host + "\r\nUser-Agent: " + agent + "\r\nAccept: */*\r\n\r\n")
                    .getBytes(StandardCharsets.ISO_8859_1);
        }
    }
}
