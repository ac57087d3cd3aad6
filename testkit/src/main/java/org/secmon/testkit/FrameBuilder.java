package org.secmon.testkit;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;

/**
 * Builds Ethernet frames byte by byte for tests and generated captures: VLAN/QinQ tags, IPv4 (options, fragments,
 * checksum) or IPv6 (extension headers), TCP/UDP/ICMP/ICMPv6/SCTP, payload. Fluent, not for hot paths.
 */
public final class FrameBuilder {
    public long dstMac = 0x0200_0000_0002L;
    public long srcMac = 0x0200_0000_0001L;
    public int[] vlans = new int[0];
    public int outerTpid = 0x8100;
    public int ipVersion = 4;
    public byte[] src = {10, 0, 0, 1};
    public byte[] dst = {10, 0, 0, 2};
    public int tos;
    public int ttl = 64;
    public int protocol = 6;
    public int srcPort = 1234;
    public int dstPort = 80;
    public int tcpFlags = 0x18;
    public int icmpType = 8;
    public int icmpCode;
    public int payloadLength = 32;
    /** Payload bytes to use instead of a generated pattern of {@link #payloadLength} bytes. */
    public byte[] payloadBytes;
    /** Set by {@link #build}: the length of the IP packet (before Ethernet padding). */
    public int lastIpLength;
    public byte[] ipv4Options = new byte[0];
    /** IPv4: fragment offset in bytes (multiple of 8); IPv6: adds a fragment header when >= 0 and fragmented. */
    public int fragmentOffset;
    public boolean moreFragments;
    public boolean ipv6Fragment;
    /** IPv6 extension headers to insert before the transport header, by next-header value (0, 43, 60, 51). */
    public int[] ipv6Extensions = new int[0];
    public long fragmentId = 0x1234;
    /** When >= 0, replaces the IP EtherType (e.g. 0x0806 for a non-IP frame). */
    public int etherType = -1;

    public static FrameBuilder tcp(String src, String dst, int sport, int dport) {
        FrameBuilder b = new FrameBuilder();
        b.address(src, dst);
        b.protocol = 6;
        b.srcPort = sport;
        b.dstPort = dport;
        return b;
    }

    public static FrameBuilder udp(String src, String dst, int sport, int dport) {
        FrameBuilder b = tcp(src, dst, sport, dport);
        b.protocol = 17;
        return b;
    }

    public FrameBuilder address(String s, String d) {
        try {
            src = java.net.InetAddress.getByName(s).getAddress();
            dst = java.net.InetAddress.getByName(d).getAddress();
        } catch (java.net.UnknownHostException e) {
            throw new IllegalArgumentException(e);
        }
        ipVersion = src.length == 4 ? 4 : 6;
        return this;
    }

    public FrameBuilder vlans(int... ids) {
        vlans = ids;
        return this;
    }

    public FrameBuilder payload(int n) {
        payloadLength = n;
        return this;
    }

    public FrameBuilder flags(int f) {
        tcpFlags = f;
        return this;
    }

    public byte[] build() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        putMac(out, dstMac);
        putMac(out, srcMac);
        for (int i = 0; i < vlans.length; i++) {
            put16(out, i == 0 ? outerTpid : 0x8100);
            put16(out, vlans[i] & 0xfff);
        }
        put16(out, etherType >= 0 ? etherType : ipVersion == 4 ? 0x0800 : 0x86DD);
        byte[] l4 = transport();
        if (ipVersion == 4) {
            out.writeBytes(ipv4(l4));
        } else {
            out.writeBytes(ipv6(l4));
        }
        byte[] f = out.toByteArray();
        lastIpLength = f.length - 14 - 4 * vlans.length;
        if (f.length < 60) {
            byte[] padded = new byte[60];
            System.arraycopy(f, 0, padded, 0, f.length);
            return padded;
        }
        return f;
    }

    private byte[] transport() {
        byte[] payload = payloadBytes != null ? payloadBytes : new byte[Math.max(0, payloadLength)];
        for (int i = 0; payloadBytes == null && i < payload.length; i++) {
            payload[i] = (byte) (i * 7 + 3);
        }
        ByteBuffer b;
        switch (protocol) {
            case 6 -> {
                b = ByteBuffer.allocate(20 + payload.length);
                b.putShort((short) srcPort).putShort((short) dstPort).putInt(1000).putInt(2000)
                        .put((byte) 0x50).put((byte) tcpFlags).putShort((short) 65535).putShort((short) 0)
                        .putShort((short) 0).put(payload);
            }
            case 17 -> {
                b = ByteBuffer.allocate(8 + payload.length);
                b.putShort((short) srcPort).putShort((short) dstPort).putShort((short) (8 + payload.length))
                        .putShort((short) 0).put(payload);
            }
            case 1, 58 -> {
                b = ByteBuffer.allocate(8 + payload.length);
                b.put((byte) icmpType).put((byte) icmpCode).putShort((short) 0).putInt(0x00010001).put(payload);
            }
            case 132 -> {
                b = ByteBuffer.allocate(12 + payload.length);
                b.putShort((short) srcPort).putShort((short) dstPort).putInt(0xcafe).putInt(0).put(payload);
            }
            default -> {
                b = ByteBuffer.allocate(payload.length);
                b.put(payload);
            }
        }
        return b.array();
    }

    private byte[] ipv4(byte[] l4) {
        int ihl = 20 + ipv4Options.length;
        if (ihl % 4 != 0) {
            throw new IllegalArgumentException("IPv4 options must be a multiple of 4 bytes");
        }
        ByteBuffer b = ByteBuffer.allocate(ihl + l4.length);
        int frag = (fragmentOffset >>> 3) | (moreFragments ? 0x2000 : 0);
        b.put((byte) (0x40 | (ihl / 4))).put((byte) tos).putShort((short) (ihl + l4.length))
                .putShort((short) fragmentId).putShort((short) frag).put((byte) ttl).put((byte) protocol)
                .putShort((short) 0).put(src).put(dst).put(ipv4Options);
        int sum = 0;
        byte[] a = b.array();
        for (int i = 0; i < ihl; i += 2) {
            sum += ((a[i] & 0xff) << 8) | (a[i + 1] & 0xff);
        }
        while ((sum >>> 16) != 0) {
            sum = (sum & 0xffff) + (sum >>> 16);
        }
        b.putShort(10, (short) ~sum);
        b.put(l4);
        return b.array();
    }

    private byte[] ipv6(byte[] l4) {
        ByteArrayOutputStream ext = new ByteArrayOutputStream();
        int[] chain = ipv6Extensions;
        if (ipv6Fragment) {
            int[] c = java.util.Arrays.copyOf(chain, chain.length + 1);
            c[chain.length] = 44;
            chain = c;
        }
        int firstNext = chain.length > 0 ? chain[0] : protocol;
        for (int i = 0; i < chain.length; i++) {
            int next = i + 1 < chain.length ? chain[i + 1] : protocol;
            switch (chain[i]) {
                case 44 -> {
                    ext.write(next);
                    ext.write(0);
                    put16(ext, (fragmentOffset & 0xfff8) | (moreFragments ? 1 : 0));
                    put32(ext, (int) fragmentId);
                }
                case 51 -> { // AH: length in 4-byte units minus 2; 12 bytes header + 12 ICV = 24 bytes -> 4
                    ext.write(next);
                    ext.write(4);
                    ext.writeBytes(new byte[22]);
                }
                default -> { // hop-by-hop, routing, destination options: 8 bytes, PadN
                    ext.write(next);
                    ext.write(0);
                    if (chain[i] == 43) {
                        ext.writeBytes(new byte[] {0, 0, 0, 0, 0, 0}); // routing type 0, segments left 0
                    } else {
                        ext.writeBytes(new byte[] {1, 4, 0, 0, 0, 0});
                    }
                }
            }
        }
        byte[] e = ext.toByteArray();
        ByteBuffer b = ByteBuffer.allocate(40 + e.length + l4.length);
        b.putInt((6 << 28) | (tos << 20) | 0x12345).putShort((short) (e.length + l4.length))
                .put((byte) firstNext).put((byte) ttl).put(src).put(dst).put(e).put(l4);
        return b.array();
    }

    private static void putMac(ByteArrayOutputStream o, long mac) {
        for (int i = 5; i >= 0; i--) {
            o.write((int) (mac >>> (8 * i)) & 0xff);
        }
    }

    private static void put16(ByteArrayOutputStream o, int v) {
        o.write((v >>> 8) & 0xff);
        o.write(v & 0xff);
    }

    private static void put32(ByteArrayOutputStream o, int v) {
        put16(o, v >>> 16);
        put16(o, v);
    }
}
