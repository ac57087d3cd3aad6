package org.secmon.dataplane.parse;

import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.secmon.dataplane.source.Burst;
import org.secmon.dataplane.source.CaptureFileSource;
import org.secmon.dataplane.source.CaptureFormatException;
import org.secmon.plugin.Packet;
import org.secmon.plugin.PacketFormat;
import org.secmon.testkit.CaptureWriter;
import org.secmon.testkit.FrameBuilder;
import org.secmon.testkit.TunnelFrames;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Every link type the parser reads, PPPoE and MPLS on Ethernet, and capture files of several link types. */
class LinkTypeTest {
    private final ParsedPacket p = new ParsedPacket();
    private static final FrameBuilder UDP = FrameBuilder.udp("10.9.8.7", "10.1.2.3", 5000, 53).payload(20);
    private static final byte[] IP = TunnelFrames.ipPacket(UDP);
    private static final byte[] IP6 = TunnelFrames.ipPacket(FrameBuilder.tcp("fd00::7", "fd00::8", 1, 2));

    private MalformedReason parse(byte[] frame, int linkType) {
        p.wrap(MemorySegment.ofArray(frame), 0, frame.length, frame.length, 0, 0, linkType);
        return MalformedReason.of(PacketParser.parse(p));
    }

    private void assertUdp() {
        assertEquals(4, p.ipVersion());
        assertEquals("10.9.8.7", PacketFormat.srcAddress(p));
        assertEquals(53, p.dstPort());
        assertEquals(IP.length, p.ipLength());
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] c = new byte[a.length + b.length];
        System.arraycopy(a, 0, c, 0, a.length);
        System.arraycopy(b, 0, c, a.length, b.length);
        return c;
    }

    @Test
    void rawIp() {
        assertEquals(MalformedReason.NONE, parse(IP, LinkTypes.RAW));
        assertUdp();
        assertEquals(0, p.l3Offset());
        assertEquals(MalformedReason.NONE, parse(IP6, LinkTypes.RAW_BSD_14));
        assertEquals(6, p.ipVersion());
        assertEquals(MalformedReason.NONE, parse(IP, LinkTypes.IPV4));
        assertUdp();
        assertEquals(MalformedReason.IPV6_BAD_VERSION, parse(IP, LinkTypes.IPV6));
    }

    @Test
    void linuxCookedV1AndV2() {
        ByteBuffer sll = ByteBuffer.allocate(16);
        sll.putShort((short) 4).putShort((short) 1).putShort((short) 6).put(new byte[] {2, 0, 0, 0, 0, 9, 0, 0})
                .putShort((short) 0x0800);
        assertEquals(MalformedReason.NONE, parse(concat(sll.array(), IP), LinkTypes.LINUX_SLL));
        assertUdp();
        assertEquals(16, p.l3Offset());
        assertEquals(Packet.DIRECTION_EGRESS, p.direction(), "packet type 4: sent by the capturing host");
        assertEquals(0x0200_0000_0009L, p.srcMac());

        ByteBuffer sll2 = ByteBuffer.allocate(20);
        sll2.putShort((short) 0x86DD).putShort((short) 0).putInt(3).putShort((short) 1).put((byte) 0)
                .put((byte) 6).put(new byte[8]);
        assertEquals(MalformedReason.NONE, parse(concat(sll2.array(), IP6), LinkTypes.LINUX_SLL2));
        assertEquals(6, p.ipVersion());
        assertEquals(20, p.l3Offset());
        assertEquals(Packet.DIRECTION_INGRESS, p.direction());
        assertEquals(MalformedReason.LINK_HEADER_TRUNCATED, parse(new byte[10], LinkTypes.LINUX_SLL2));
    }

    @Test
    void bsdLoopbackEitherByteOrder() {
        byte[] le = {2, 0, 0, 0};
        assertEquals(MalformedReason.NONE, parse(concat(le, IP), LinkTypes.NULL));
        assertUdp();
        byte[] be = {0, 0, 0, 2};
        assertEquals(MalformedReason.NONE, parse(concat(be, IP), LinkTypes.NULL));
        assertUdp();
        assertEquals(MalformedReason.NONE, parse(concat(be, IP), LinkTypes.LOOP));
        assertUdp();
        byte[] darwin6 = {30, 0, 0, 0};
        assertEquals(MalformedReason.NONE, parse(concat(darwin6, IP6), LinkTypes.NULL));
        assertEquals(6, p.ipVersion());
        byte[] other = {7, 0, 0, 0};
        assertEquals(MalformedReason.NONE, parse(concat(other, IP), LinkTypes.NULL));
        assertEquals(0, p.ipVersion(), "an unknown family is a frame without IP");
    }

    @Test
    void pppoeAndMplsOnEthernet() {
        ByteBuffer pppoe = ByteBuffer.allocate(14 + 8 + IP.length);
        pppoe.put(new byte[12]).putShort((short) 0x8864).put((byte) 0x11).put((byte) 0).putShort((short) 0x1234)
                .putShort((short) (IP.length + 2)).putShort((short) 0x0021).put(IP);
        assertEquals(MalformedReason.NONE, parse(pppoe.array(), LinkTypes.ETHERNET));
        assertUdp();
        assertEquals(22, p.l3Offset());

        ByteBuffer pfc = ByteBuffer.allocate(14 + 7 + IP.length); // protocol field compressed to one byte
        pfc.put(new byte[12]).putShort((short) 0x8864).put((byte) 0x11).put((byte) 0).putShort((short) 0x1234)
                .putShort((short) (IP.length + 1)).put((byte) 0x21).put(IP);
        assertEquals(MalformedReason.NONE, parse(pfc.array(), LinkTypes.ETHERNET));
        assertUdp();
        assertEquals(21, p.l3Offset());

        ByteBuffer mpls = ByteBuffer.allocate(14 + 8 + IP.length);
        mpls.put(new byte[12]).putShort((short) 0x8847).putInt(100 << 12 | 64).putInt(200 << 12 | 0x100 | 64)
                .put(IP);
        assertEquals(MalformedReason.NONE, parse(mpls.array(), LinkTypes.ETHERNET));
        assertUdp();
        assertEquals(22, p.l3Offset());

        ByteBuffer deep = ByteBuffer.allocate(14 + 40);
        deep.put(new byte[12]).putShort((short) 0x8847);
        for (int i = 0; i < 10; i++) {
            deep.putInt(i << 12);
        }
        assertEquals(MalformedReason.MPLS_TOO_DEEP, parse(deep.array(), LinkTypes.ETHERNET));
    }

    @Test
    void pcapngWithInterfacesOfSeveralLinkTypes(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("multi.pcapng");
        try (CaptureWriter w = new CaptureWriter(f, CaptureWriter.Format.PCAPNG_LE, 65535, 1, 101, 127)) {
            w.write(UDP.build(), 1_000, 0);
            w.write(IP, 2_000, 1);
            w.write(new byte[40], 3_000, 2); // radiotap: not decoded
            w.write(IP, 4_000, 1);
        }
        try (CaptureFileSource src = new CaptureFileSource(f)) {
            Burst b = new Burst(8);
            assertEquals(3, src.poll(b));
            assertEquals(LinkTypes.ETHERNET, b.linkType[0]);
            assertEquals(LinkTypes.RAW, b.linkType[1]);
            assertEquals(LinkTypes.RAW, b.linkType[2]);
            for (int i = 0; i < 3; i++) {
                p.wrap(b.segment, b.offset[i], b.captureLength[i], b.wireLength[i], 0, 0, b.linkType[i]);
                assertEquals(PacketParser.OK, PacketParser.parse(p));
                assertUdp();
            }
            assertEquals(1, src.skippedRecords());
            assertEquals(java.util.List.of("interface 2 (IEEE802_11_RADIOTAP, link type 127)"),
                    src.unsupportedInterfaces());
        }
    }

    @Test
    void classicPcapOfAnUnreadLinkTypeIsRefusedByName(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("wifi.pcap");
        try (CaptureWriter w = new CaptureWriter(f, CaptureWriter.Format.PCAP_LE_MICROS, 65535, 127)) {
            w.write(new byte[40], 1_000);
        }
        CaptureFormatException e = assertThrows(CaptureFormatException.class, () -> new CaptureFileSource(f));
        assertTrue(e.getMessage().contains("IEEE802_11_RADIOTAP (127) is not decoded"), e.getMessage());
        Path sll2 = dir.resolve("any.pcap");
        try (CaptureWriter w = new CaptureWriter(sll2, CaptureWriter.Format.PCAP_BE_NANOS, 65535, 276)) {
            w.write(new byte[40], 1_000);
        }
        try (CaptureFileSource src = new CaptureFileSource(sll2)) {
            Burst b = new Burst(8);
            assertEquals(1, src.poll(b));
            assertEquals(LinkTypes.LINUX_SLL2, b.linkType[0]);
        }
        assertTrue(Files.size(sll2) > 0);
    }
}
