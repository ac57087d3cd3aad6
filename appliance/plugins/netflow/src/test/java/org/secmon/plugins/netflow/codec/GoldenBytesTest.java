package org.secmon.plugins.netflow.codec;

import java.nio.file.Path;
import java.util.EnumSet;
import java.util.HexFormat;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.secmon.plugins.netflow.cache.FlowCache;
import org.secmon.plugins.netflow.cache.FlowField;
import org.secmon.plugins.netflow.cache.Frames;
import org.secmon.testkit.RecordingSink;
import org.secmon.testkit.Tshark;
import org.secmon.transport.Collector;
import org.secmon.transport.CollectorSet;
import org.secmon.transport.CollectorType;
import org.secmon.transport.LoadBalancer;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The exact bytes of a NetFlow v9 and an IPFIX export datagram for two known flows (an IPv4 TCP conversation of
 * three packets, one IPv6 UDP packet), without sockets. The expected values were decoded once by tshark 4.0 (its
 * cflow dissector: every template field, both data records, the options record) before they were written here;
 * {@link #tsharkReadsTheGoldenDatagramsAsExpected} repeats that check wherever tshark is installed. A change that
 * alters a byte of the encoding fails here first: if it is intended, decode the new bytes with tshark again.
 */
class GoldenBytesTest {
    static final long S = 1_000_000_000L;
    static final long MS = 1_000_000L;
    static final long T0 = 1_700_000_000L * S; // 2023-11-14T22:13:20Z

    /** The two flows through a cache and an exporter of the given type; the datagrams it sent. */
    static List<byte[]> export(CollectorType type) {
        CollectorSet set = CollectorSet.of(new Collector("c", "127.0.0.1", 2055, type, 1));
        RecordingSink sink = new RecordingSink(1);
        FlowExporter ex = new FlowExporter(set, new FlowExporter.Settings(7, 1400, 20, 600 * S, S, 1, false, false,
                4242, false), sink, new LoadBalancer(set, 1000, 600 * S));
        FlowCache cache = new FlowCache(1000, FlowField.DEFAULT_MATCH, EnumSet.noneOf(FlowField.class), 60 * S,
                15 * S, S, FlowCache.FullPolicy.EVICT_OLDEST, ex);
        ex.boot(T0);
        cache.update(Frames.tcp("10.0.0.1", "192.0.2.10", 40000, 443, 0x02, T0), T0);
        cache.update(Frames.udp("2001:db8::1", "2001:db8::2", 5353, 53, 40, T0 + 50 * MS), T0 + 50 * MS);
        cache.update(Frames.tcp("10.0.0.1", "192.0.2.10", 40000, 443, 0x10, 100, T0 + 100 * MS), T0 + 100 * MS);
        cache.update(Frames.tcp("10.0.0.1", "192.0.2.10", 40000, 443, 0x11, T0 + 200 * MS), T0 + 200 * MS);
        cache.flush();
        ex.flush();
        return sink.datagrams(0);
    }

    // NetFlow v9 (RFC 3954): header (count 6 = 2 templates + options template + options record + 2 data records,
    // sysUptime 1000 ms at unix_secs 1700000000, sequence 0, source id 7); template set 0 (256 IPv4, 257 IPv6:
    // 8/12 or 27/28 addresses, 7/11 ports, 4 protocol, 5 tos, 6 flags, 10 input, 61 direction, 2 packets, 1 octets,
    // 22/21 first/last switched, 32 icmpType); options template set 1 (258: scope System, 34 sampling interval,
    // 35 algorithm, 144 exporting process); options data (source 7, interval 1, algorithm 0, pid 4242); data sets
    // 256 (3 packets, 284 octets, flags 0x13, 1000..1200 ms) and 257 (1 packet, 88 octets, 1050 ms), padded to 4.
    static final String V9 =
            "00090006000003e86553f10000000000000000070000007c0100000e00080004000c000400070002000b000200040001"
            + "0005000100060001000a0004003d000100020008000100080016000400150004002000020101000e001b0010001c0010"
            + "00070002000b0002000400010005000100060001000a0004003d00010002000800010008001600040015000400200002"
            + "0001001c01020004000c0001000400220004002300010090000400000102001400000007000000010000001092000000"
            + "010000340a000001c000020a9c4001bb06001300000000000000000000000003000000000000011c000003e8000004b0"
            + "000000000101004c20010db800000000000000000000000120010db800000000000000000000000214e9003511000000"
            + "00000000000000000000000100000000000000580000041a0000041a00000000";

    // IPFIX (RFC 7011): header (version 10, length, export time 1700000000, sequence 0, domain 7); template set 2
    // (256, 257: as v9 but 152/153 flowStart/EndMilliseconds and 136 flowEndReason instead of the uptimes and
    // icmpType); no options (unsampled); data sets 256 and 257 with end reason 4 (forced end: the flush).
    static final String IPFIX =
            "000a011c6553f10000000000000000070002007c0100000e00080004000c000400070002000b00020004000100050001"
            + "00060001000a0004003d000100020008000100080098000800990008008800010101000e001b0010001c001000070002"
            + "000b0002000400010005000100060001000a0004003d000100020008000100080098000800990008008800010100003c"
            + "0a000001c000020a9c4001bb06001300000000000000000000000003000000000000011c0000018bcfe568000000018b"
            + "cfe568c8040000000101005420010db800000000000000000000000120010db800000000000000000000000214e90035"
            + "1100000000000000000000000000000100000000000000580000018bcfe568320000018bcfe5683204000000";

    @Test
    void netflowV9DatagramIsExactlyTheGoldenOne() {
        List<byte[]> d = export(CollectorType.NETFLOW);
        assertEquals(1, d.size(), "one datagram");
        assertEquals(V9, RecordingSink.hex(d.get(0)));
    }

    @Test
    void ipfixDatagramIsExactlyTheGoldenOne() {
        List<byte[]> d = export(CollectorType.IPFIX);
        assertEquals(1, d.size(), "one datagram");
        assertEquals(IPFIX, RecordingSink.hex(d.get(0)));
    }

    @Test
    void tsharkReadsTheGoldenDatagramsAsExpected(@TempDir Path dir) throws Exception {
        List<String> lines = Tshark.fields(dir, "cflow", List.of(
                        new Tshark.Datagram(2055, HexFormat.of().parseHex(V9)),
                        new Tshark.Datagram(4739, HexFormat.of().parseHex(IPFIX))),
                "cflow.version", "cflow.srcaddr", "cflow.srcaddrv6", "cflow.srcport", "cflow.dstport",
                "cflow.packets", "cflow.octets", "cflow.tcpflags", "cflow.flow_end_reason", "cflow.direction",
                "_ws.expert");
        assertEquals(2, lines.size(), String.join("\n", lines));
        // version | addresses of both records | ports | packets | octets | flags | end reason (IPFIX) | direction
        // (0 = ingress: the packets were received on the mirror port) | expert info (tshark's complaints about
        // malformed fields: none)
        assertEquals("9|10.0.0.1|2001:db8::1|40000,5353|443,53|3,1|284,88|0x13,0x00||0,0|", lines.get(0));
        assertEquals("10|10.0.0.1|2001:db8::1|40000,5353|443,53|3,1|284,88|0x13,0x00|4,4|0,0|", lines.get(1));
    }
}
