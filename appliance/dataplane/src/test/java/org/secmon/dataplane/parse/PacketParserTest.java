package org.secmon.dataplane.parse;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;

import org.junit.jupiter.api.Test;
import org.secmon.plugin.Packet;
import org.secmon.plugin.PacketFormat;
import org.secmon.testkit.FrameBuilder;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PacketParserTest {
    private final ParsedPacket p = new ParsedPacket();

    private MalformedReason parse(byte[] frame) {
        return parse(frame, frame.length, frame.length);
    }

    private MalformedReason parse(byte[] frame, int cap, int wire) {
        MemorySegment seg = MemorySegment.ofArray(frame);
        p.wrap(seg, 0, cap, wire, 7, 3);
        return MalformedReason.of(PacketParser.parse(p));
    }

    @Test
    void ipv4Tcp() {
        FrameBuilder b = FrameBuilder.tcp("10.1.2.3", "192.168.0.9", 40000, 443).flags(0x12).payload(10);
        b.tos = 0x2e << 2;
        b.ttl = 33;
        assertEquals(MalformedReason.NONE, parse(b.build()));
        assertEquals(4, p.ipVersion());
        assertEquals("10.1.2.3", PacketFormat.srcAddress(p));
        assertEquals("192.168.0.9", PacketFormat.dstAddress(p));
        assertEquals(0x0a010203, p.srcIpv4());
        assertEquals(6, p.protocol());
        assertTrue(p.hasPorts());
        assertEquals(40000, p.srcPort());
        assertEquals(443, p.dstPort());
        assertEquals(0x12, p.tcpFlags());
        assertEquals(0xb8, p.tos());
        assertEquals(33, p.ttl());
        assertEquals(20 + 20 + 10, p.ipLength());
        assertEquals(14, p.l3Offset());
        assertEquals(34, p.l4Offset());
        assertEquals(54, p.payloadOffset());
        assertEquals(0x0200_0000_0001L, p.srcMac());
        assertEquals(0x0200_0000_0002L, p.dstMac());
        assertEquals(Packet.NO_VLAN, p.outerVlan());
        assertFalse(p.isFragment());
        assertEquals(7, p.timestampNanos());
        assertEquals(3, p.inputPort());
    }

    @Test
    void ipv4OptionsShiftTransport() {
        FrameBuilder b = FrameBuilder.udp("1.1.1.1", "2.2.2.2", 53, 5353);
        b.ipv4Options = new byte[] {1, 1, 1, 1, 1, 1, 1, 0};
        assertEquals(MalformedReason.NONE, parse(b.build()));
        assertEquals(14 + 28, p.l4Offset());
        assertEquals(53, p.srcPort());
        assertEquals(5353, p.dstPort());
    }

    @Test
    void vlanAndQinq() {
        assertEquals(MalformedReason.NONE, parse(FrameBuilder.tcp("10.0.0.1", "10.0.0.2", 1, 2).vlans(42).build()));
        assertEquals(1, p.vlanCount());
        assertEquals(42, p.outerVlan());
        assertEquals(18, p.l3Offset());
        assertEquals(2, p.dstPort());

        FrameBuilder q = FrameBuilder.udp("10.0.0.1", "10.0.0.2", 1, 2).vlans(100, 200);
        q.outerTpid = 0x88A8;
        assertEquals(MalformedReason.NONE, parse(q.build()));
        assertEquals(2, p.vlanCount());
        assertEquals(100, p.outerVlan());
        assertEquals(200, p.innerVlan());
        assertEquals(22, p.l3Offset());
        assertEquals(17, p.protocol());

        assertEquals(MalformedReason.VLAN_TOO_DEEP,
                parse(FrameBuilder.udp("10.0.0.1", "10.0.0.2", 1, 2).vlans(1, 2, 3, 4, 5).build()));
    }

    @Test
    void ipv4Fragments() {
        FrameBuilder first = FrameBuilder.udp("10.0.0.1", "10.0.0.2", 7, 9);
        first.moreFragments = true;
        first.payloadLength = 100;
        byte[] f = first.build();
        // the first fragment's UDP length covers the whole datagram: larger than this fragment, still good
        f[14 + 20 + 4] = 0x10;
        f[14 + 20 + 5] = 0;
        assertEquals(MalformedReason.NONE, parse(f));
        assertTrue(p.isFragment());
        assertTrue(p.moreFragments());
        assertEquals(0, p.fragmentOffset());
        assertTrue(p.hasPorts());
        assertEquals(9, p.dstPort());

        FrameBuilder later = FrameBuilder.udp("10.0.0.1", "10.0.0.2", 7, 9);
        later.fragmentOffset = 1480;
        assertEquals(MalformedReason.NONE, parse(later.build()));
        assertTrue(p.isFragment());
        assertEquals(1480, p.fragmentOffset());
        assertFalse(p.hasPorts());
        assertEquals(17, p.protocol());
        assertEquals(0, p.l4Offset());
    }

    @Test
    void ipv6WithExtensionHeaders() {
        FrameBuilder b = FrameBuilder.tcp("2001:db8::1", "2001:db8::2", 1000, 22);
        b.ipv6Extensions = new int[] {0, 43, 60, 51};
        b.tos = 0x28;
        assertEquals(MalformedReason.NONE, parse(b.build()));
        assertEquals(6, p.ipVersion());
        assertEquals("2001:db8:0:0:0:0:0:1", PacketFormat.srcAddress(p));
        assertEquals(6, p.protocol());
        assertEquals(14 + 40 + 8 + 8 + 8 + 24, p.l4Offset());
        assertEquals(22, p.dstPort());
        assertEquals(0x28, p.tos());
        assertEquals(0x12345, p.flowLabel());
    }

    @Test
    void ipv6Fragments() {
        FrameBuilder b = FrameBuilder.udp("2001:db8::1", "2001:db8::2", 5, 6);
        b.ipv6Fragment = true;
        b.moreFragments = true;
        assertEquals(MalformedReason.NONE, parse(b.build()));
        assertTrue(p.isFragment());
        assertTrue(p.hasPorts());
        assertEquals(0x1234, p.fragmentId());

        b.fragmentOffset = 64;
        assertEquals(MalformedReason.NONE, parse(b.build()));
        assertEquals(64, p.fragmentOffset());
        assertFalse(p.hasPorts());
        assertEquals(17, p.protocol());
    }

    @Test
    void icmpIcmpv6Sctp() {
        FrameBuilder icmp = FrameBuilder.tcp("10.0.0.1", "10.0.0.2", 0, 0);
        icmp.protocol = 1;
        icmp.icmpType = 3;
        icmp.icmpCode = 4;
        assertEquals(MalformedReason.NONE, parse(icmp.build()));
        assertEquals(3, p.icmpType());
        assertEquals(4, p.icmpCode());
        assertFalse(p.hasPorts());

        FrameBuilder icmp6 = FrameBuilder.tcp("::1", "::2", 0, 0);
        icmp6.protocol = 58;
        icmp6.icmpType = 135;
        assertEquals(MalformedReason.NONE, parse(icmp6.build()));
        assertEquals(135, p.icmpType());

        FrameBuilder sctp = FrameBuilder.tcp("10.0.0.1", "10.0.0.2", 2905, 2906);
        sctp.protocol = 132;
        assertEquals(MalformedReason.NONE, parse(sctp.build()));
        assertTrue(p.hasPorts());
        assertEquals(2905, p.srcPort());
        assertEquals(2906, p.dstPort());

        FrameBuilder gre = FrameBuilder.tcp("10.0.0.1", "10.0.0.2", 1, 1);
        gre.protocol = 47;
        assertEquals(MalformedReason.NONE, parse(gre.build()));
        assertEquals(47, p.protocol());
        assertFalse(p.hasPorts());
    }

    @Test
    void nonIpFrameIsGood() {
        FrameBuilder arp = FrameBuilder.tcp("10.0.0.1", "10.0.0.2", 1, 1);
        arp.etherType = 0x0806;
        assertEquals(MalformedReason.NONE, parse(arp.build()));
        assertEquals(0, p.ipVersion());
        assertEquals(0x0806, p.etherType());
    }

    @Test
    void malformedReasons() {
        byte[] good = FrameBuilder.tcp("10.0.0.1", "10.0.0.2", 1, 2).payload(20).build();
        assertEquals(MalformedReason.ETHERNET_TRUNCATED, parse(Arrays.copyOf(good, 13)));
        assertEquals(MalformedReason.IPV4_TRUNCATED, parse(Arrays.copyOf(good, 14 + 19)));

        byte[] v = good.clone();
        v[14] = 0x65;
        assertEquals(MalformedReason.IPV4_BAD_VERSION, parse(v));
        v = good.clone();
        v[14] = 0x44;
        assertEquals(MalformedReason.IPV4_BAD_HEADER_LENGTH, parse(v));
        v = good.clone();
        v[16] = 0x10;
        assertEquals(MalformedReason.IPV4_BAD_TOTAL_LENGTH, parse(v));
        v = good.clone();
        v[16] = 0;
        v[17] = 10;
        assertEquals(MalformedReason.IPV4_BAD_TOTAL_LENGTH, parse(v));
        v = good.clone();
        v[14 + 20 + 12] = 0x40;
        assertEquals(MalformedReason.TCP_BAD_DATA_OFFSET, parse(v));
        v = good.clone();
        v[14 + 20 + 12] = (byte) 0xf0; // 60-byte header beyond the 40-byte segment
        assertEquals(MalformedReason.TCP_BAD_DATA_OFFSET, parse(v));
        // IPv4 total length says only 10 bytes of TCP
        v = good.clone();
        v[16] = 0;
        v[17] = 30;
        assertEquals(MalformedReason.TCP_TRUNCATED, parse(v));

        byte[] udp = FrameBuilder.udp("10.0.0.1", "10.0.0.2", 1, 2).payload(20).build();
        v = udp.clone();
        v[14 + 20 + 5] = 7;
        assertEquals(MalformedReason.UDP_BAD_LENGTH, parse(v));
        v = udp.clone();
        v[14 + 20 + 4] = 1; // 256+ bytes, beyond the datagram
        assertEquals(MalformedReason.UDP_BAD_LENGTH, parse(v));
        v = udp.clone();
        v[17] = 24;
        assertEquals(MalformedReason.UDP_TRUNCATED, parse(v));

        FrameBuilder icmp = FrameBuilder.tcp("10.0.0.1", "10.0.0.2", 0, 0).payload(0);
        icmp.protocol = 1;
        v = icmp.build();
        v[17] = 22;
        assertEquals(MalformedReason.ICMP_TRUNCATED, parse(v));
        FrameBuilder sctp = FrameBuilder.tcp("10.0.0.1", "10.0.0.2", 0, 0).payload(0);
        sctp.protocol = 132;
        v = sctp.build();
        v[17] = 30;
        assertEquals(MalformedReason.SCTP_TRUNCATED, parse(v));

        byte[] v6 = FrameBuilder.tcp("2001:db8::1", "2001:db8::2", 1, 2).payload(0).build();
        assertEquals(MalformedReason.IPV6_TRUNCATED, parse(Arrays.copyOf(v6, 14 + 39)));
        v = v6.clone();
        v[14] = 0x40;
        assertEquals(MalformedReason.IPV6_BAD_VERSION, parse(v));
        v = v6.clone();
        v[14 + 4] = 0x10;
        assertEquals(MalformedReason.IPV6_BAD_PAYLOAD_LENGTH, parse(v));

        FrameBuilder ext = FrameBuilder.tcp("2001:db8::1", "2001:db8::2", 1, 2).payload(0);
        ext.ipv6Extensions = new int[] {0};
        v = ext.build();
        v[14 + 40 + 1] = 20; // hop-by-hop claims 168 bytes
        assertEquals(MalformedReason.IPV6_EXT_TRUNCATED, parse(v));
        FrameBuilder many = FrameBuilder.tcp("2001:db8::1", "2001:db8::2", 1, 2).payload(0);
        many.ipv6Extensions = new int[] {0, 60, 60, 60, 60, 60, 60, 60, 60, 60};
        assertEquals(MalformedReason.IPV6_EXT_TOO_MANY, parse(many.build()));

        byte[] vlan = FrameBuilder.tcp("10.0.0.1", "10.0.0.2", 1, 2).vlans(5).build();
        assertEquals(MalformedReason.VLAN_TRUNCATED, parse(Arrays.copyOf(vlan, 16)));
    }

    @Test
    void snaplenTruncatedRecords() {
        byte[] good = FrameBuilder.tcp("10.0.0.1", "10.0.0.2", 1, 2).payload(400).build();
        // headers all captured: good, with ipLength from the header
        assertEquals(MalformedReason.NONE, parse(good, 64, good.length));
        assertEquals(20 + 20 + 400, p.ipLength());
        assertEquals(2, p.dstPort());
        assertEquals(good.length, p.wireLength());
        // TCP header cut by the snap length: counted separately from malformed frames
        assertEquals(MalformedReason.SNAPLEN_TRUNCATED, parse(good, 40, good.length));
        assertEquals(MalformedReason.SNAPLEN_TRUNCATED, parse(good, 20, good.length));
        assertEquals(MalformedReason.SNAPLEN_TRUNCATED, parse(good, 10, good.length));
    }

    @Test
    void reusedPacketIsCleared() {
        parse(FrameBuilder.tcp("10.0.0.1", "10.0.0.2", 1, 2).vlans(9).build());
        FrameBuilder arp = FrameBuilder.tcp("10.0.0.1", "10.0.0.2", 1, 1);
        arp.etherType = 0x0806;
        parse(arp.build());
        assertEquals(0, p.ipVersion());
        assertFalse(p.hasPorts());
        assertEquals(0, p.vlanCount());
        assertEquals(0, p.srcPort());
    }
}
