package org.secmon.dataplane.parse;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.secmon.plugin.Packet;
import org.secmon.plugin.PacketFormat;
import org.secmon.testkit.FrameBuilder;
import org.secmon.testkit.TunnelFrames;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TunnelTest {
    private final ParsedPacket p = new ParsedPacket();
    private static final FrameBuilder INNER = FrameBuilder.tcp("192.168.7.1", "192.168.7.2", 40001, 443)
            .flags(0x02).payload(100);
    private static final byte[] INNER_FRAME = INNER.build();
    private static final int INNER_IP_LENGTH = INNER.lastIpLength;

    private MalformedReason parse(byte[] frame, Decap decap) {
        return parse(frame, frame.length, decap);
    }

    private MalformedReason parse(byte[] frame, int cap, Decap decap) {
        // a segment exactly as long as the capture: a read beyond it throws
        p.wrap(MemorySegment.ofArray(Arrays.copyOf(frame, cap)), 0, cap, frame.length, 5, 2);
        return MalformedReason.of(PacketParser.parse(p, decap));
    }

    private void assertInnerTcp() {
        assertEquals(4, p.ipVersion());
        assertEquals("192.168.7.1", PacketFormat.srcAddress(p));
        assertEquals("192.168.7.2", PacketFormat.dstAddress(p));
        assertEquals(6, p.protocol());
        assertEquals(40001, p.srcPort());
        assertEquals(443, p.dstPort());
        assertEquals(0x02, p.tcpFlags());
        assertEquals(INNER_IP_LENGTH, p.ipLength());
        assertEquals(5, p.timestampNanos());
        assertEquals(2, p.inputPort());
    }

    private void assertTunnel(int type, String outerSrc, long id) {
        assertEquals(type, p.tunnelType(), PacketFormat.tunnelName(p.tunnelType()));
        assertEquals(outerSrc, PacketFormat.address(p.tunnelSrcHi(), p.tunnelSrcLo(), outerSrc.contains(":") ? 6 : 4));
        assertEquals(id, p.tunnelId());
        assertEquals(1, p.tunnelDepth());
    }

    @Test
    void vxlanInnerFrameIsWhatIsParsed() {
        byte[] f = TunnelFrames.vxlan("10.0.0.1", "10.0.0.2", 4789, 0xabcdef, INNER_FRAME);
        assertEquals(MalformedReason.NONE, parse(f, Decap.auto()));
        assertInnerTcp();
        assertTunnel(Packet.TUNNEL_VXLAN, "10.0.0.1", 0xabcdef);
        assertEquals(Packet.LINK_ETHERNET, p.linkType());
        assertEquals(0x0200_0000_0001L, p.srcMac(), "the inner frame's MACs");
        assertEquals(14 + 20 + 8 + 8, p.offset(), "the frame now starts at the inner Ethernet header");
        assertEquals(INNER_FRAME.length, p.captureLength());
        assertEquals(14, p.l3Offset());
        assertTrue(p.toString().endsWith("via vxlan 10.0.0.1 vni 11259375"), p.toString());
    }

    @Test
    void withoutDecapTheOuterPacketIsParsed() {
        byte[] f = TunnelFrames.vxlan("10.0.0.1", "10.0.0.2", 4789, 7, INNER_FRAME);
        assertEquals(MalformedReason.NONE, parse(f, Decap.NONE));
        assertEquals("10.0.0.1", PacketFormat.srcAddress(p));
        assertEquals(4789, p.dstPort());
        assertEquals(Packet.TUNNEL_NONE, p.tunnelType());
        // only the kinds asked for: GENEVE only leaves VXLAN alone
        assertEquals(MalformedReason.NONE, parse(f, Decap.parse("geneve", 2)));
        assertEquals(4789, p.dstPort());
        // a port given replaces the well-known ones
        assertEquals(MalformedReason.NONE, parse(f, Decap.parse("vxlan=8472", 2)));
        assertEquals(4789, p.dstPort());
        assertEquals(MalformedReason.NONE, parse(f, Decap.parse("vxlan=4789/8472", 2)));
        assertInnerTcp();
    }

    @Test
    void vxlanOverIpv6AndLinuxPort() {
        byte[] f = TunnelFrames.vxlan("2001:db8::1", "2001:db8::2", 8472, 100, INNER_FRAME);
        assertEquals(MalformedReason.NONE, parse(f, Decap.auto()));
        assertInnerTcp();
        assertTunnel(Packet.TUNNEL_VXLAN, "2001:db8:0:0:0:0:0:1", 100);
    }

    @Test
    void erspanTypes() {
        assertEquals(MalformedReason.NONE, parse(TunnelFrames.erspanI("10.1.1.1", "10.9.9.9", INNER_FRAME),
                Decap.auto()));
        assertInnerTcp();
        assertTunnel(Packet.TUNNEL_ERSPAN_I, "10.1.1.1", 0);

        assertEquals(MalformedReason.NONE, parse(TunnelFrames.erspanII("10.1.1.2", "10.9.9.9", 1023, 12, 77,
                INNER_FRAME), Decap.parse("erspan", 2)));
        assertInnerTcp();
        assertTunnel(Packet.TUNNEL_ERSPAN_II, "10.1.1.2", 1023);
        assertEquals(Packet.DIRECTION_INGRESS, p.direction());

        assertEquals(MalformedReason.NONE, parse(TunnelFrames.erspanIII("10.1.1.3", "10.9.9.9", 5, true, 9, false, 1,
                INNER_FRAME), Decap.auto()));
        assertInnerTcp();
        assertTunnel(Packet.TUNNEL_ERSPAN_III, "10.1.1.3", 5);
        assertEquals(Packet.DIRECTION_EGRESS, p.direction(), "ERSPAN III's direction bit");

        assertEquals(MalformedReason.NONE, parse(TunnelFrames.erspanIII("10.1.1.3", "10.9.9.9", 6, false, 9, true, 1,
                INNER_FRAME), Decap.auto()));
        assertInnerTcp();
        assertEquals(6, p.tunnelId());
        assertEquals(Packet.DIRECTION_INGRESS, p.direction());

        // GRE-only decap leaves ERSPAN alone
        assertEquals(MalformedReason.NONE, parse(TunnelFrames.erspanI("10.1.1.1", "10.9.9.9", INNER_FRAME),
                Decap.parse("gre", 2)));
        assertEquals(47, p.protocol());
    }

    @Test
    void greWithKeyCarryingIpOrEthernet() {
        byte[] ip = TunnelFrames.ipPacket(INNER);
        assertEquals(MalformedReason.NONE, parse(TunnelFrames.gre("10.2.0.1", "10.2.0.2", 0xfeedL, 3L, 0x0800, ip),
                Decap.parse("gre", 2)));
        assertInnerTcp();
        assertTunnel(Packet.TUNNEL_GRE, "10.2.0.1", 0xfeed);
        assertEquals(0, p.l3Offset(), "raw IP: no link header");

        assertEquals(MalformedReason.NONE, parse(TunnelFrames.gre("10.2.0.1", "10.2.0.2", null, null, 0x6558,
                INNER_FRAME), Decap.auto()));
        assertInnerTcp();
        assertTunnel(Packet.TUNNEL_GRE, "10.2.0.1", 0);

        // GRE carrying something else is plain GRE traffic
        assertEquals(MalformedReason.NONE, parse(TunnelFrames.gre("10.2.0.1", "10.2.0.2", null, null, 0x880B,
                ip), Decap.auto()));
        assertEquals(47, p.protocol());
        assertEquals(Packet.TUNNEL_NONE, p.tunnelType());
    }

    @Test
    void geneveSkipsOptions() {
        byte[] f = TunnelFrames.geneve("10.3.0.1", "10.3.0.2", 6081, 4242, 3, 0x6558, INNER_FRAME);
        assertEquals(MalformedReason.NONE, parse(f, Decap.auto()));
        assertInnerTcp();
        assertTunnel(Packet.TUNNEL_GENEVE, "10.3.0.1", 4242);

        byte[] ip6 = TunnelFrames.ipPacket(FrameBuilder.udp("fd00::1", "fd00::2", 53, 5353));
        assertEquals(MalformedReason.NONE, parse(TunnelFrames.geneve("10.3.0.1", "10.3.0.2", 6081, 1, 0, 0x86DD,
                ip6), Decap.auto()));
        assertEquals(6, p.ipVersion());
        assertEquals(5353, p.dstPort());

        assertEquals(MalformedReason.TUNNEL_PAYLOAD_UNSUPPORTED, parse(TunnelFrames.geneve("10.3.0.1", "10.3.0.2",
                6081, 1, 0, 0x1234, ip6), Decap.auto()));
    }

    @Test
    void gtpuGpduWithExtensionHeaders() {
        byte[] ip = TunnelFrames.ipPacket(INNER);
        assertEquals(MalformedReason.NONE, parse(TunnelFrames.gtpu("10.4.0.1", "10.4.0.2", 0x11223344L, true, ip),
                Decap.auto()));
        assertInnerTcp();
        assertTunnel(Packet.TUNNEL_GTPU, "10.4.0.1", 0x11223344L);
        assertEquals(MalformedReason.NONE, parse(TunnelFrames.gtpu("10.4.0.1", "10.4.0.2", 1, false, ip),
                Decap.auto()));
        assertInnerTcp();
        // signalling is counted, not decoded
        assertEquals(MalformedReason.GTPU_NOT_GPDU, parse(TunnelFrames.gtpuMessage("10.4.0.1", "10.4.0.2", 1, 0,
                false, new byte[4]), Decap.auto()));
        assertEquals(false, MalformedReason.GTPU_NOT_GPDU.malformed());
    }

    @Test
    void nestedTunnelsUpToTheDepth() {
        byte[] vx = TunnelFrames.vxlan("172.16.0.1", "172.16.0.2", 4789, 300, INNER_FRAME);
        byte[] f = TunnelFrames.erspanII("10.5.0.1", "10.5.0.2", 3, 0, 1, vx);
        assertEquals(MalformedReason.NONE, parse(f, Decap.auto()));
        assertInnerTcp();
        assertEquals(2, p.tunnelDepth());
        assertEquals(Packet.TUNNEL_ERSPAN_II, p.tunnelType(), "the outermost tunnel is the observation point");
        assertEquals(3, p.tunnelId());
        assertEquals(MalformedReason.TUNNEL_TOO_DEEP, parse(f, Decap.parse("auto", 1)));
    }

    @Test
    void malformedTunnelsAreCountedPerReasonAndTruncationNeverReadsBeyond() {
        byte[] vx = TunnelFrames.vxlan("10.0.0.1", "10.0.0.2", 4789, 1, INNER_FRAME);
        byte[] badFlags = vx.clone();
        badFlags[14 + 20 + 8] = 0;
        assertEquals(MalformedReason.VXLAN_BAD_FLAGS, parse(badFlags, Decap.auto()));
        byte[] gtp = TunnelFrames.gtpu("10.4.0.1", "10.4.0.2", 1, false, TunnelFrames.ipPacket(INNER));
        byte[] v2 = gtp.clone();
        v2[14 + 20 + 8] = 0x48; // GTPv2-C header on the GTP-U port
        assertEquals(MalformedReason.GTPU_BAD_HEADER, parse(v2, Decap.auto()));
        // every snap length: a clean status, never an exception or a read beyond the capture
        for (byte[] f : new byte[][] {vx, gtp, TunnelFrames.erspanIII("10.1.1.3", "10.9.9.9", 6, false, 9, true, 1,
                INNER_FRAME), TunnelFrames.geneve("10.3.0.1", "10.3.0.2", 6081, 4242, 3, 0x6558, INNER_FRAME)}) {
            for (int cap = 0; cap < f.length; cap++) {
                MalformedReason r = parse(f, cap, Decap.auto());
                assertTrue(r == MalformedReason.SNAPLEN_TRUNCATED || r == MalformedReason.NONE, cap + ": " + r);
            }
        }
    }

    @Test
    void outerFragmentsAreCountedNotDecoded() {
        FrameBuilder o = FrameBuilder.udp("10.0.0.1", "10.0.0.2", 1000, 4789);
        o.payloadBytes = new byte[64];
        o.payloadBytes[0] = 8;
        o.moreFragments = true;
        assertEquals(MalformedReason.TUNNEL_OUTER_FRAGMENT, parse(o.build(), Decap.auto()));
        assertEquals(false, MalformedReason.TUNNEL_OUTER_FRAGMENT.malformed());
    }

    @Test
    void decapSpecs() {
        assertEquals("none", Decap.parse("none", 2).describe());
        assertEquals("erspan,gre,vxlan=4789/8472,geneve=6081,gtpu=2152 depth 2", Decap.parse("auto", 2).describe());
        assertEquals("vxlan=4790 depth 3", Decap.parse("vxlan=4790", 3).describe());
        assertEquals(EnumSet.of(Decap.Kind.ERSPAN, Decap.Kind.GTPU), Decap.parse("erspan, gtp-u", 2).kinds());
        assertThrows(IllegalArgumentException.class, () -> Decap.parse("mpls", 2));
        assertThrows(IllegalArgumentException.class, () -> Decap.parse("vxlan=x", 2));
        assertThrows(IllegalArgumentException.class, () -> Decap.parse("gre=47", 2));
        assertThrows(IllegalArgumentException.class, () -> Decap.parse("vxlan=6081,geneve", 2));
        assertThrows(IllegalArgumentException.class, () -> Decap.parse("auto", 9));
        assertThrows(IllegalArgumentException.class, () -> Decap.of(EnumSet.of(Decap.Kind.VXLAN),
                Map.of(Decap.Kind.VXLAN, new int[] {0}), 2));
    }
}
