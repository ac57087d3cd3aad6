package org.secmon.plugins.netflow.codec;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.secmon.plugin.Packet;
import org.secmon.plugins.netflow.cache.FlowCache;
import org.secmon.plugins.netflow.cache.FlowField;
import org.secmon.plugins.netflow.cache.Frames;
import org.secmon.testkit.FrameBuilder;
import org.secmon.testkit.IpfixDecoder;
import org.secmon.testkit.RecordingSink;
import org.secmon.transport.Collector;
import org.secmon.transport.CollectorSet;
import org.secmon.transport.CollectorType;
import org.secmon.transport.LoadBalancer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * RFC 5103 biflows: a biflow cache exporting to an IPFIX collector with biflows (one record per conversation, the
 * initiator as source, reverse counters under PEN 29305, biflowDirection 1) and, from the same cache, to a NetFlow v9
 * collector (a record per direction) — decoded by {@link IpfixDecoder}; the two agree.
 */
class BiflowExportTest {
    static final long S = 1_000_000_000L;
    static final long T0 = 1_700_000_000L * S;
    static final int SYN = 0x02, ACK = 0x10, PSH = 0x08, FIN = 0x01;

    static Packet tcp(String src, String dst, int sport, int dport, int flags, int payload, long ts) {
        return Frames.parse(FrameBuilder.tcp(src, dst, sport, dport).flags(flags).payload(payload).build(), ts);
    }

    static Packet udp(String src, String dst, int sport, int dport, int payload, long ts) {
        return Frames.parse(FrameBuilder.udp(src, dst, sport, dport).payload(payload).build(), ts);
    }

    /** A conversation the server side of which has the lower address, one seen from its SYN-ACK, UDP, ICMP. */
    static List<Packet> packets() {
        List<Packet> ps = new ArrayList<>();
        long t = T0;
        // 10.0.0.9:40000 -> 10.0.0.1:443: the key's source is the server (lower address), the initiator the client
        ps.add(tcp("10.0.0.9", "10.0.0.1", 40000, 443, SYN, 0, t += S / 100));
        ps.add(tcp("10.0.0.1", "10.0.0.9", 443, 40000, SYN | ACK, 0, t += S / 100));
        ps.add(tcp("10.0.0.9", "10.0.0.1", 40000, 443, ACK | PSH, 300, t += S / 100));
        ps.add(tcp("10.0.0.1", "10.0.0.9", 443, 40000, ACK | PSH, 1200, t += S / 100));
        ps.add(tcp("10.0.0.1", "10.0.0.9", 443, 40000, ACK | PSH, 1200, t += S / 100));
        ps.add(tcp("10.0.0.9", "10.0.0.1", 40000, 443, ACK | FIN, 0, t += S / 100));
        // capture started late: the SYN-ACK is the first packet; its receiver initiated
        ps.add(tcp("192.0.2.80", "10.0.0.5", 80, 51000, SYN | ACK, 0, t += S / 100));
        ps.add(tcp("10.0.0.5", "192.0.2.80", 51000, 80, ACK | PSH, 100, t += S / 100));
        // UDP both ways; ICMP stays one way
        ps.add(udp("2001:db8::5", "2001:db8::53", 33000, 53, 40, t += S / 100));
        ps.add(udp("2001:db8::53", "2001:db8::5", 53, 33000, 120, t += S / 100));
        ps.add(udp("2001:db8::53", "2001:db8::5", 53, 33000, 120, t += S / 100));
        return ps;
    }

    static Map<String, IpfixDecoder.Record> export(boolean[] biflow, int collector) {
        // one collector per run: an IPFIX collector with biflows, or a NetFlow v9 one
        CollectorSet one = CollectorSet.of(collector == 0
                ? new Collector("bi", "127.0.0.1", 4739, CollectorType.IPFIX, 1)
                : new Collector("v9", "127.0.0.1", 2055, CollectorType.NETFLOW, 1));
        RecordingSink sink = new RecordingSink(1);
        LoadBalancer lb = new LoadBalancer(one, 100, 600 * S);
        FlowExporter ex = new FlowExporter(one, FlowExporter.Settings.defaults(), sink, lb,
                Sequences.own(1), new boolean[] {biflow[collector]});
        FlowCache cache = new FlowCache(100, FlowField.DEFAULT_MATCH, EnumSet.noneOf(FlowField.class), 60 * S,
                15 * S, S, FlowCache.FullPolicy.EVICT_OLDEST, ex, null, true);
        ex.boot(T0);
        long last = T0;
        for (Packet p : packets()) {
            cache.update(p, p.timestampNanos());
            last = p.timestampNanos();
        }
        cache.expire(last); // the conversation that saw FIN ends now, the others at the flush
        cache.flush();
        ex.flush();
        Map<String, IpfixDecoder.Record> out = new HashMap<>();
        for (IpfixDecoder.Record r : new IpfixDecoder().decodeAll(sink.buffers(0))) {
            out.put(r.number("7") + ">" + r.number("11"), r);
        }
        return out;
    }

    @Test
    void oneRecordPerConversationWithReverseCounters() {
        Map<String, IpfixDecoder.Record> bi = export(new boolean[] {true, false}, 0);
        assertEquals(3, bi.size(), "TCP, TCP seen from its SYN-ACK, UDP: " + bi.keySet());
        IpfixDecoder.Record https = bi.get("40000>443");
        assertEquals("10.0.0.9", addr(https.values().get("8")), "the initiator is the source");
        assertEquals(3, https.number("2"));
        assertEquals(40 * 3 + 300, https.number("1"));
        assertEquals(3, https.number("29305/2"), "reversePacketDeltaCount");
        assertEquals(40 * 3 + 2400, https.number("29305/1"), "reverseOctetDeltaCount");
        assertEquals(SYN | ACK | PSH | FIN, https.number("6"));
        assertEquals(SYN | ACK | PSH, https.number("29305/6"), "reverseTcpControlBits");
        assertEquals(1, https.number("239"), "biflowDirection: initiator");
        assertEquals(3, https.number("136"), "ended by FIN");
        assertEquals(T0 / 1_000_000 + 10, https.number("152"), "the conversation's first packet");
        assertEquals(T0 / 1_000_000 + 60, https.number("153"), "... and its last");

        IpfixDecoder.Record late = bi.get("51000>80");
        assertEquals("10.0.0.5", addr(late.values().get("8")), "a SYN-ACK answers the initiator");
        assertEquals(1, late.number("2"));
        assertEquals(1, late.number("29305/2"));

        IpfixDecoder.Record dns = bi.get("33000>53");
        assertEquals(1, dns.number("2"));
        assertEquals(2, dns.number("29305/2"));
    }

    @Test
    void aUnidirectionalCollectorGetsARecordPerDirectionWithTheSameSums() {
        Map<String, IpfixDecoder.Record> bi = export(new boolean[] {true, false}, 0);
        Map<String, IpfixDecoder.Record> uni = export(new boolean[] {true, false}, 1);
        assertEquals(6, uni.size(), uni.keySet().toString());
        for (Map.Entry<String, IpfixDecoder.Record> e : bi.entrySet()) {
            String[] ports = e.getKey().split(">");
            IpfixDecoder.Record fwd = uni.get(e.getKey());
            IpfixDecoder.Record back = uni.get(ports[1] + ">" + ports[0]);
            assertEquals(e.getValue().number("2"), fwd.number("2"), e.getKey());
            assertEquals(e.getValue().number("1"), fwd.number("1"), e.getKey());
            assertEquals(e.getValue().number("29305/2"), back.number("2"), e.getKey());
            assertEquals(e.getValue().number("29305/1"), back.number("1"), e.getKey());
            assertEquals(e.getValue().number("29305/6"), back.number("6"), e.getKey());
        }
    }

    @Test
    void netflowV9CollectorsCannotHaveBiflows() {
        CollectorSet set = CollectorSet.of(new Collector("v9", "127.0.0.1", 2055, CollectorType.NETFLOW, 1));
        assertThrows(IllegalArgumentException.class, () -> new FlowExporter(set, FlowExporter.Settings.defaults(),
                new RecordingSink(1), new LoadBalancer(set, 10, S), Sequences.own(1), new boolean[] {true}));
    }

    private static String addr(byte[] b) {
        try {
            return java.net.InetAddress.getByAddress(b).getHostAddress();
        } catch (java.net.UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }
}
