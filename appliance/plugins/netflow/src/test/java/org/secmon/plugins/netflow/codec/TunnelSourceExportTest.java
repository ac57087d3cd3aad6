package org.secmon.plugins.netflow.codec;

import java.lang.foreign.MemorySegment;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

import org.junit.jupiter.api.Test;
import org.secmon.dataplane.parse.Decap;
import org.secmon.dataplane.parse.PacketParser;
import org.secmon.dataplane.parse.ParsedPacket;
import org.secmon.plugin.Packet;
import org.secmon.plugins.netflow.cache.FlowCache;
import org.secmon.plugins.netflow.cache.FlowField;
import org.secmon.testkit.FrameBuilder;
import org.secmon.testkit.IpfixDecoder;
import org.secmon.testkit.RecordingSink;
import org.secmon.testkit.TunnelFrames;
import org.secmon.transport.Collector;
import org.secmon.transport.CollectorSet;
import org.secmon.transport.CollectorType;
import org.secmon.transport.LoadBalancer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The tunnel's outer source in IPFIX records (SecMon's tunnelSourceIPv4Address / tunnelSourceIPv6Address, ids 5
 * and 6 under the enterprise number): the same inner flow through the same tunnel id from two, then three tunnel
 * sources (IPv4 and IPv6) stays apart, and each record names its own source — decoded by {@link IpfixDecoder}
 * (written from the RFCs) by the numbers docs/netflow.md documents. NetFlow v9 carries no enterprise elements.
 */
class TunnelSourceExportTest {
    static final long S = 1_000_000_000L;
    static final long T0 = 1_700_000_000L * S;
    static final long PEN = 4_200_000_123L;
    static final String TUN_V4 = PEN + "/5";
    static final String TUN_V6 = PEN + "/6";
    static final byte[] INNER = FrameBuilder.tcp("192.168.7.1", "192.168.7.2", 40001, 443).flags(0x10).payload(50)
            .build();

    static Packet decap(byte[] frame, long ts) {
        ParsedPacket p = new ParsedPacket().wrap(MemorySegment.ofArray(frame), 0, frame.length, frame.length, ts, 0);
        assertEquals(PacketParser.OK, PacketParser.parse(p, Decap.auto()));
        return p;
    }

    static List<IpfixDecoder.Record> run(CollectorType type, Set<FlowField> match, List<Packet> packets) {
        CollectorSet set = CollectorSet.of(new Collector("c", "127.0.0.1", 2055, type, 1));
        RecordingSink sink = new RecordingSink(1);
        FlowExporter ex = new FlowExporter(set, FlowExporter.Settings.defaults()
                .withObservationPoint(match.contains(FlowField.OBSERVATION_POINT)).withEnterpriseNumber(PEN), sink,
                new LoadBalancer(set, 1000, 600 * S));
        FlowCache cache = new FlowCache(1000, match, EnumSet.noneOf(FlowField.class), 60 * S, 15 * S, S,
                FlowCache.FullPolicy.EVICT_OLDEST, ex);
        ex.boot(T0);
        for (Packet p : packets) {
            cache.update(p, p.timestampNanos());
        }
        cache.flush();
        ex.flush();
        List<IpfixDecoder.Record> out = new IpfixDecoder().decodeAll(sink.buffers(0));
        return out;
    }

    static Set<FlowField> withObservationPoint() {
        Set<FlowField> m = EnumSet.copyOf(FlowField.DEFAULT_MATCH);
        m.add(FlowField.OBSERVATION_POINT);
        return m;
    }

    /** VNI 100 from three VTEPs (two IPv4, one IPv6): 2 + 3 + 4 packets of one inner flow, and one plain packet. */
    static List<Packet> packets() {
        List<Packet> ps = new ArrayList<>();
        long t = T0;
        for (int i = 0; i < 4; i++) {
            if (i < 2) {
                ps.add(decap(TunnelFrames.vxlan("10.200.0.1", "10.99.0.1", 4789, 100, INNER), t += 1_000_000));
            }
            if (i < 3) {
                ps.add(decap(TunnelFrames.vxlan("10.200.0.2", "10.99.0.1", 4789, 100, INNER), t += 1_000_000));
            }
            ps.add(decap(TunnelFrames.vxlan("2001:db8:200::5", "2001:db8:99::1", 4789, 100, INNER), t += 1_000_000));
        }
        ps.add(decap(FrameBuilder.udp("10.0.0.1", "10.0.0.2", 5000, 6000).payload(10).build(), t + 1_000_000));
        return ps;
    }

    static byte[] addr(String a) throws Exception {
        return InetAddress.getByName(a).getAddress();
    }

    @Test
    void eachTunnelSourceIsItsOwnFlowAndItsRecordNamesIt() throws Exception {
        List<IpfixDecoder.Record> rs = run(CollectorType.IPFIX, withObservationPoint(), packets());
        assertEquals(4, rs.size(), "three tunnel sources of one inner flow, and one plain flow");
        int seen = 0;
        for (IpfixDecoder.Record r : rs) {
            assertEquals(4, r.values().get(TUN_V4).length);
            assertEquals(16, r.values().get(TUN_V6).length);
            long packets = r.number("2");
            if (r.number("7") == 5000) { // not through a tunnel: no source, observation point 0
                assertArrayEquals(new byte[4], r.values().get(TUN_V4));
                assertArrayEquals(new byte[16], r.values().get(TUN_V6));
                assertEquals(0, r.number("138"));
                continue;
            }
            assertEquals(100, r.number("138"), "observation point: the VNI");
            assertEquals(40001, r.number("7"));
            if (packets == 2) {
                assertArrayEquals(addr("10.200.0.1"), r.values().get(TUN_V4));
                assertArrayEquals(new byte[16], r.values().get(TUN_V6));
            } else if (packets == 3) {
                assertArrayEquals(addr("10.200.0.2"), r.values().get(TUN_V4));
                assertArrayEquals(new byte[16], r.values().get(TUN_V6));
            } else {
                assertEquals(4, packets);
                assertArrayEquals(new byte[4], r.values().get(TUN_V4));
                assertArrayEquals(addr("2001:db8:200::5"), r.values().get(TUN_V6));
            }
            seen++;
        }
        assertEquals(3, seen);
    }

    @Test
    void withoutTheObservationPointMatchedTheSourcesAreOneFlowAndNotExported() {
        List<IpfixDecoder.Record> rs = run(CollectorType.IPFIX, FlowField.DEFAULT_MATCH, packets());
        assertEquals(2, rs.size());
        IpfixDecoder.Record r = rs.stream().filter(x -> x.number("7") == 40001).findFirst().orElseThrow();
        assertEquals(9, r.number("2"), "one inner flow: every tunnel's packets");
        assertFalse(r.values().containsKey(TUN_V4));
        assertFalse(r.values().containsKey("138"));
    }

    @Test
    void netflowV9KeepsTheSourcesApartButHasNoElementForThem() {
        List<IpfixDecoder.Record> rs = run(CollectorType.NETFLOW, withObservationPoint(), packets());
        assertEquals(4, rs.size());
        for (IpfixDecoder.Record r : rs) {
            assertTrue(r.values().containsKey("138"));
            assertTrue(r.values().keySet().stream().noneMatch(k -> k.contains("/")), r.values().keySet().toString());
        }
    }

    @Test
    void anEnterpriseNumberOutOfRangeIsRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> FlowExporter.Settings.defaults().withEnterpriseNumber(0));
        assertTrue(e.getMessage().contains("enterprise_number"), e.getMessage());
    }
}
