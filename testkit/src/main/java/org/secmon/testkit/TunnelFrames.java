package org.secmon.testkit;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;

/**
 * Frames as tunnels deliver them, for tests and the bench: an inner frame (Ethernet, or an IP packet) wrapped in
 * ERSPAN I/II/III, GRE, VXLAN, GENEVE or GTP-U over an outer IPv4 or IPv6 packet built by {@link FrameBuilder}.
 * Written from the formats' specifications (draft-foschiano-erspan, RFC 2784/2890, RFC 7348, RFC 8926, 3GPP TS
 * 29.281), independently of the parser.
 */
public final class TunnelFrames {
    private TunnelFrames() {
    }

    /** The IP packet of an Ethernet frame built by {@code b} (no Ethernet header, no padding). */
    public static byte[] ipPacket(FrameBuilder b) {
        byte[] f = b.build();
        int l3 = 14 + 4 * b.vlans.length;
        byte[] ip = new byte[b.lastIpLength];
        System.arraycopy(f, l3, ip, 0, ip.length);
        return ip;
    }

    /** An outer frame from {@code outerSrc} to {@code outerDst} (IPv4 or IPv6 text) carrying {@code payload} as IP protocol {@code protocol}. */
    private static FrameBuilder outer(String outerSrc, String outerDst, int protocol, byte[] payload) {
        FrameBuilder o = FrameBuilder.udp(outerSrc, outerDst, 0, 0);
        o.protocol = protocol;
        o.payloadBytes = payload;
        o.dstMac = 0x0200_00aa_0002L;
        o.srcMac = 0x0200_00aa_0001L;
        return o;
    }

    /** VXLAN (UDP {@code port}) carrying an Ethernet frame. */
    public static byte[] vxlan(String outerSrc, String outerDst, int port, int vni, byte[] innerFrame) {
        ByteBuffer h = ByteBuffer.allocate(8 + innerFrame.length);
        h.put((byte) 0x08).put(new byte[3]).putInt(vni << 8).put(innerFrame);
        FrameBuilder o = FrameBuilder.udp(outerSrc, outerDst, 49152 + (vni & 0x3fff), port);
        o.payloadBytes = h.array();
        return o.build();
    }

    /**
     * GENEVE (UDP {@code port}) with {@code optionWords} 4-byte words of options, carrying {@code inner} of protocol
     * type {@code protocolType} (0x6558 Ethernet, 0x0800 IPv4, 0x86DD IPv6).
     */
    public static byte[] geneve(String outerSrc, String outerDst, int port, int vni, int optionWords,
                                int protocolType, byte[] inner) {
        ByteBuffer h = ByteBuffer.allocate(8 + 4 * optionWords + inner.length);
        h.put((byte) (optionWords & 0x3f)).put((byte) 0).putShort((short) protocolType).putInt(vni << 8);
        for (int i = 0; i < optionWords; i++) {
            h.putInt(i == 0 ? 0x0101_0000 | (optionWords - 1) : 0xabcd_ef01); // class 0x0101, type 0, length
        }
        h.put(inner);
        FrameBuilder o = FrameBuilder.udp(outerSrc, outerDst, 50000, port);
        o.payloadBytes = h.array();
        return o.build();
    }

    /** GRE (RFC 2890: optional key and sequence) carrying {@code inner} of protocol type {@code protocolType}. */
    public static byte[] gre(String outerSrc, String outerDst, Long key, Long sequence, int protocolType,
                             byte[] inner) {
        ByteArrayOutputStream h = new ByteArrayOutputStream();
        int flags = (key != null ? 0x2000 : 0) | (sequence != null ? 0x1000 : 0);
        put16(h, flags);
        put16(h, protocolType);
        if (key != null) {
            put32(h, key.intValue());
        }
        if (sequence != null) {
            put32(h, sequence.intValue());
        }
        h.writeBytes(inner);
        return outer(outerSrc, outerDst, 47, h.toByteArray()).build();
    }

    /** ERSPAN type I: GRE 0x88BE without sequence number, the mirrored frame right after. */
    public static byte[] erspanI(String outerSrc, String outerDst, byte[] innerFrame) {
        return gre(outerSrc, outerDst, null, null, 0x88BE, innerFrame);
    }

    /** ERSPAN type II: GRE 0x88BE with sequence number, an 8-byte header (version 1, VLAN, session id, index). */
    public static byte[] erspanII(String outerSrc, String outerDst, int session, int vlan, long seq,
                                  byte[] innerFrame) {
        ByteBuffer e = ByteBuffer.allocate(8 + innerFrame.length);
        e.putInt(1 << 28 | (vlan & 0xfff) << 16 | (session & 0x3ff)).putInt(0x12345).put(innerFrame);
        return gre(outerSrc, outerDst, null, seq, 0x88BE, e.array());
    }

    /**
     * ERSPAN type III: GRE 0x22EB with sequence number, a 12-byte header (version 2, session id, timestamp, hardware
     * id, direction bit: true = egress, frame type 0 Ethernet), plus the 8-byte platform sub-header when asked.
     */
    public static byte[] erspanIII(String outerSrc, String outerDst, int session, boolean egress, int hardwareId,
                                   boolean platformSubHeader, long seq, byte[] innerFrame) {
        ByteBuffer e = ByteBuffer.allocate(12 + (platformSubHeader ? 8 : 0) + innerFrame.length);
        e.putInt(2 << 28 | (session & 0x3ff));
        e.putInt(0x0bad_cafe); // timestamp
        e.putInt((hardwareId & 0x3f) << 4 | (egress ? 0x8 : 0) | (platformSubHeader ? 1 : 0));
        if (platformSubHeader) {
            e.putLong(0x1800_0000_0000_0000L); // platform id 3, no data
        }
        e.put(innerFrame);
        return gre(outerSrc, outerDst, null, seq, 0x22EB, e.array());
    }

    /**
     * GTPv1-U G-PDU (UDP 2152) carrying {@code innerIp}, with a sequence number and one PDU session container
     * extension header when {@code extension}.
     */
    public static byte[] gtpu(String outerSrc, String outerDst, long teid, boolean extension, byte[] innerIp) {
        return gtpuMessage(outerSrc, outerDst, 0xFF, teid, extension, innerIp);
    }

    /** Any GTPv1-U message (1 echo request, 26 error indication, 254 end marker, 255 G-PDU). */
    public static byte[] gtpuMessage(String outerSrc, String outerDst, int type, long teid, boolean extension,
                                     byte[] payload) {
        ByteArrayOutputStream h = new ByteArrayOutputStream();
        int optional = extension ? 4 + 4 : 0;
        h.write(0x30 | (extension ? 0x06 : 0)); // version 1, PT 1, E and S when extended
        h.write(type);
        put16(h, optional + payload.length);
        put32(h, (int) teid);
        if (extension) {
            put16(h, 0x4242); // sequence number
            h.write(0); // N-PDU number
            h.write(0x85); // next: PDU session container
            h.write(1); // length: 1 x 4 octets
            h.write(0x10); // PDU type 1 (UL)
            h.write(0x09); // QFI 9
            h.write(0); // no further extension
        }
        h.writeBytes(payload);
        FrameBuilder o = FrameBuilder.udp(outerSrc, outerDst, 2152, 2152);
        o.payloadBytes = h.toByteArray();
        return o.build();
    }

    private static void put16(ByteArrayOutputStream o, int v) {
        o.write(v >>> 8);
        o.write(v);
    }

    private static void put32(ByteArrayOutputStream o, int v) {
        put16(o, v >>> 16);
        put16(o, v);
    }
}
