package org.secmon.plugin;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * One received frame, parsed once by the data plane: a flyweight over the frame's bytes plus the L2..L4 fields
 * every plugin needs, held as primitives. Offsets ({@link #l3Offset()}, {@link #l4Offset()}...) are relative to the
 * start of the frame; {@link #segment()} and {@link #offset()} locate the frame's first byte.
 *
 * <p>Addresses are held as 128-bit values (two longs, big-endian halves); IPv4 addresses are IPv4-mapped
 * ({@code ::ffff:a.b.c.d}), so that one classifier and one flow key cover both families.
 *
 * <p>The data plane reuses one instance per thread: never keep a reference after the callback returns. The setters
 * are for the data plane (parser, rings); plugins only read.
 */
public final class Packet {
    public static final ValueLayout.OfShort U16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    public static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    public static final ValueLayout.OfLong U64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);

    /** High 64 bits of an IPv4-mapped IPv6 address. */
    public static final long V4_MAPPED_HI = 0L;
    /** Bits 64..95 of an IPv4-mapped IPv6 address, pre-shifted: OR the IPv4 address in. */
    public static final long V4_MAPPED_LO_PREFIX = 0x0000_ffff_0000_0000L;

    public static final int DIRECTION_INGRESS = 1;
    public static final int DIRECTION_EGRESS = 2;

    public static final int PROTO_ICMP = 1;
    public static final int PROTO_TCP = 6;
    public static final int PROTO_UDP = 17;
    public static final int PROTO_ICMPV6 = 58;
    public static final int PROTO_SCTP = 132;

    public static final int NO_VLAN = -1;

    // frame
    private MemorySegment segment;
    private long offset;
    private int captureLength;
    private int wireLength;
    private int deliverLength;
    private long timestampNanos;
    private int inputPort;
    private int direction = DIRECTION_INGRESS;

    // L2
    private long dstMac;
    private long srcMac;
    private int etherType;
    private int vlanCount;
    private int outerVlan = NO_VLAN;
    private int innerVlan = NO_VLAN;
    private int l3Offset;

    // L3
    private int ipVersion;
    private long srcHi;
    private long srcLo;
    private long dstHi;
    private long dstLo;
    private int tos;
    private int ttl;
    private int ipLength;
    private int flowLabel;
    private int fragmentOffset;
    private boolean moreFragments;
    private boolean fragment;
    private long fragmentId;

    // L4
    private int protocol;
    private int l4Offset;
    private boolean hasPorts;
    private int srcPort;
    private int dstPort;
    private int tcpFlags;
    private int icmpType;
    private int icmpCode;
    private int payloadOffset;

    /** Point at a new frame and clear every parsed field. */
    public Packet wrap(MemorySegment segment, long offset, int captureLength, int wireLength, long timestampNanos,
                       int inputPort) {
        this.segment = segment;
        this.offset = offset;
        this.captureLength = captureLength;
        this.wireLength = wireLength;
        this.deliverLength = captureLength;
        this.timestampNanos = timestampNanos;
        this.inputPort = inputPort;
        this.direction = DIRECTION_INGRESS;
        dstMac = 0;
        srcMac = 0;
        etherType = 0;
        vlanCount = 0;
        outerVlan = NO_VLAN;
        innerVlan = NO_VLAN;
        l3Offset = 0;
        ipVersion = 0;
        srcHi = 0;
        srcLo = 0;
        dstHi = 0;
        dstLo = 0;
        tos = 0;
        ttl = 0;
        ipLength = 0;
        flowLabel = 0;
        fragmentOffset = 0;
        moreFragments = false;
        fragment = false;
        fragmentId = 0;
        protocol = 0;
        l4Offset = 0;
        hasPorts = false;
        srcPort = 0;
        dstPort = 0;
        tcpFlags = 0;
        icmpType = 0;
        icmpCode = 0;
        payloadOffset = 0;
        return this;
    }

    /**
     * Copy all parsed fields of {@code other}, re-pointing the frame at {@code segment}/{@code offset} (where the
     * caller has copied the frame's bytes), with the given capture length.
     */
    public void copyFrom(Packet other, MemorySegment segment, long offset, int captureLength) {
        this.segment = segment;
        this.offset = offset;
        this.captureLength = captureLength;
        this.deliverLength = captureLength;
        this.wireLength = other.wireLength;
        this.timestampNanos = other.timestampNanos;
        this.inputPort = other.inputPort;
        this.direction = other.direction;
        this.dstMac = other.dstMac;
        this.srcMac = other.srcMac;
        this.etherType = other.etherType;
        this.vlanCount = other.vlanCount;
        this.outerVlan = other.outerVlan;
        this.innerVlan = other.innerVlan;
        this.l3Offset = other.l3Offset;
        this.ipVersion = other.ipVersion;
        this.srcHi = other.srcHi;
        this.srcLo = other.srcLo;
        this.dstHi = other.dstHi;
        this.dstLo = other.dstLo;
        this.tos = other.tos;
        this.ttl = other.ttl;
        this.ipLength = other.ipLength;
        this.flowLabel = other.flowLabel;
        this.fragmentOffset = other.fragmentOffset;
        this.moreFragments = other.moreFragments;
        this.fragment = other.fragment;
        this.fragmentId = other.fragmentId;
        this.protocol = other.protocol;
        this.l4Offset = other.l4Offset;
        this.hasPorts = other.hasPorts;
        this.srcPort = other.srcPort;
        this.dstPort = other.dstPort;
        this.tcpFlags = other.tcpFlags;
        this.icmpType = other.icmpType;
        this.icmpCode = other.icmpCode;
        this.payloadOffset = other.payloadOffset;
    }

    // ---- frame ---------------------------------------------------------------------------------------------

    public MemorySegment segment() {
        return segment;
    }

    /** Offset of the frame's first byte in {@link #segment()}. */
    public long offset() {
        return offset;
    }

    /** Bytes of the frame that were captured and may be read. */
    public int captureLength() {
        return captureLength;
    }

    /** Length of the frame on the wire (may exceed {@link #captureLength()} for snaplen-truncated captures). */
    public int wireLength() {
        return wireLength;
    }

    /**
     * Bytes this plugin may use: {@link #captureLength()} cut to the matching rule's truncate_to_size. Raw forward
     * sends this many bytes.
     */
    public int deliverLength() {
        return deliverLength;
    }

    public Packet deliverLength(int v) {
        deliverLength = v;
        return this;
    }

    public long timestampNanos() {
        return timestampNanos;
    }

    public int inputPort() {
        return inputPort;
    }

    public int direction() {
        return direction;
    }

    public Packet direction(int v) {
        direction = v;
        return this;
    }

    /** Byte {@code index} of the frame (0 = first byte); the caller keeps {@code index < captureLength()}. */
    public int byteAt(int index) {
        return segment.get(ValueLayout.JAVA_BYTE, offset + index) & 0xff;
    }

    /** Copy {@code length} bytes of the frame from {@code from} into {@code dst} at {@code dstOffset}. */
    public void copyBytes(int from, MemorySegment dst, long dstOffset, int length) {
        MemorySegment.copy(segment, offset + from, dst, dstOffset, length);
    }

    // ---- L2 ------------------------------------------------------------------------------------------------

    /** Destination MAC in the low 48 bits. */
    public long dstMac() {
        return dstMac;
    }

    public Packet dstMac(long v) {
        dstMac = v;
        return this;
    }

    /** Source MAC in the low 48 bits. */
    public long srcMac() {
        return srcMac;
    }

    public Packet srcMac(long v) {
        srcMac = v;
        return this;
    }

    /** The innermost EtherType (after VLAN tags). */
    public int etherType() {
        return etherType;
    }

    public Packet etherType(int v) {
        etherType = v;
        return this;
    }

    public int vlanCount() {
        return vlanCount;
    }

    /** Outer VLAN id, or {@link #NO_VLAN}. */
    public int outerVlan() {
        return outerVlan;
    }

    /** Inner VLAN id (QinQ), or {@link #NO_VLAN}. */
    public int innerVlan() {
        return innerVlan;
    }

    public Packet pushVlan(int vid) {
        if (vlanCount == 0) {
            outerVlan = vid;
        } else if (vlanCount == 1) {
            innerVlan = vid;
        }
        vlanCount++;
        return this;
    }

    public int l3Offset() {
        return l3Offset;
    }

    public Packet l3Offset(int v) {
        l3Offset = v;
        return this;
    }

    // ---- L3 ------------------------------------------------------------------------------------------------

    /** 4, 6, or 0 for a frame that carries no IP. */
    public int ipVersion() {
        return ipVersion;
    }

    public Packet ipVersion(int v) {
        ipVersion = v;
        return this;
    }

    public boolean isIpv4() {
        return ipVersion == 4;
    }

    public boolean isIpv6() {
        return ipVersion == 6;
    }

    public long srcHi() {
        return srcHi;
    }

    public long srcLo() {
        return srcLo;
    }

    public long dstHi() {
        return dstHi;
    }

    public long dstLo() {
        return dstLo;
    }

    /** The IPv4 source address (only meaningful when {@link #isIpv4()}). */
    public int srcIpv4() {
        return (int) srcLo;
    }

    public int dstIpv4() {
        return (int) dstLo;
    }

    public Packet ipv4Addresses(int src, int dst) {
        srcHi = V4_MAPPED_HI;
        srcLo = V4_MAPPED_LO_PREFIX | (src & 0xffffffffL);
        dstHi = V4_MAPPED_HI;
        dstLo = V4_MAPPED_LO_PREFIX | (dst & 0xffffffffL);
        return this;
    }

    public Packet ipv6Addresses(long srcHi, long srcLo, long dstHi, long dstLo) {
        this.srcHi = srcHi;
        this.srcLo = srcLo;
        this.dstHi = dstHi;
        this.dstLo = dstLo;
        return this;
    }

    /** IPv4 ToS / IPv6 traffic class byte. */
    public int tos() {
        return tos;
    }

    public Packet tos(int v) {
        tos = v;
        return this;
    }

    public int ttl() {
        return ttl;
    }

    public Packet ttl(int v) {
        ttl = v;
        return this;
    }

    /** Length of the IP packet (IPv4 total length; IPv6 40 + payload length): NetFlow's byte count. */
    public int ipLength() {
        return ipLength;
    }

    public Packet ipLength(int v) {
        ipLength = v;
        return this;
    }

    public int flowLabel() {
        return flowLabel;
    }

    public Packet flowLabel(int v) {
        flowLabel = v;
        return this;
    }

    /** True for any fragment (first or later) of a fragmented datagram. */
    public boolean isFragment() {
        return fragment;
    }

    /** Fragment offset in bytes (0 for the first fragment and for unfragmented packets). */
    public int fragmentOffset() {
        return fragmentOffset;
    }

    public boolean moreFragments() {
        return moreFragments;
    }

    public long fragmentId() {
        return fragmentId;
    }

    public Packet fragment(int offsetBytes, boolean more, long id) {
        fragment = true;
        fragmentOffset = offsetBytes;
        moreFragments = more;
        fragmentId = id;
        return this;
    }

    // ---- L4 ------------------------------------------------------------------------------------------------

    /** The transport protocol: IPv4 protocol, or the IPv6 next header after all extension headers. */
    public int protocol() {
        return protocol;
    }

    public Packet protocol(int v) {
        protocol = v;
        return this;
    }

    /** Offset of the transport header, 0 when none was parsed (non-first fragment, unknown protocol). */
    public int l4Offset() {
        return l4Offset;
    }

    public Packet l4Offset(int v) {
        l4Offset = v;
        return this;
    }

    /** True when {@link #srcPort()} and {@link #dstPort()} are valid (TCP, UDP or SCTP header parsed). */
    public boolean hasPorts() {
        return hasPorts;
    }

    public int srcPort() {
        return srcPort;
    }

    public int dstPort() {
        return dstPort;
    }

    public Packet ports(int src, int dst) {
        srcPort = src;
        dstPort = dst;
        hasPorts = true;
        return this;
    }

    /** TCP flags byte (CWR ECE URG ACK PSH RST SYN FIN), 0 for other protocols. */
    public int tcpFlags() {
        return tcpFlags;
    }

    public Packet tcpFlags(int v) {
        tcpFlags = v;
        return this;
    }

    public int icmpType() {
        return icmpType;
    }

    public int icmpCode() {
        return icmpCode;
    }

    public Packet icmp(int type, int code) {
        icmpType = type;
        icmpCode = code;
        return this;
    }

    /** Offset of the transport payload, 0 when unknown. */
    public int payloadOffset() {
        return payloadOffset;
    }

    public Packet payloadOffset(int v) {
        payloadOffset = v;
        return this;
    }

    // ---- debugging (allocates; never on the hot path) -------------------------------------------------------

    public String srcAddressString() {
        return addressString(srcHi, srcLo, ipVersion);
    }

    public String dstAddressString() {
        return addressString(dstHi, dstLo, ipVersion);
    }

    /** An IP protocol number as operators read it: TCP, UDP, ICMP, ICMPv6, SCTP, else "proto N". */
    public static String protocolName(int protocol) {
        return switch (protocol) {
            case PROTO_TCP -> "TCP";
            case PROTO_UDP -> "UDP";
            case PROTO_ICMP -> "ICMP";
            case PROTO_ICMPV6 -> "ICMPv6";
            case PROTO_SCTP -> "SCTP";
            default -> "proto " + protocol;
        };
    }

    /** TCP flags as tcpdump's letters (F S R P A U E C, lowest bit first), "." for none. */
    public static String tcpFlagsString(int flags) {
        StringBuilder s = new StringBuilder();
        String names = "FSRPAUEC";
        for (int i = 0; i < 8; i++) {
            if ((flags & (1 << i)) != 0) {
                s.append(names.charAt(i));
            }
        }
        return s.isEmpty() ? "." : s.toString();
    }

    public static String addressString(long hi, long lo, int version) {
        byte[] b;
        if (version == 4) {
            int a = (int) lo;
            b = new byte[] {(byte) (a >>> 24), (byte) (a >>> 16), (byte) (a >>> 8), (byte) a};
        } else if (version == 6) {
            b = new byte[16];
            for (int i = 0; i < 8; i++) {
                b[i] = (byte) (hi >>> (56 - 8 * i));
                b[8 + i] = (byte) (lo >>> (56 - 8 * i));
            }
        } else {
            return "-";
        }
        try {
            return java.net.InetAddress.getByAddress(b).getHostAddress();
        } catch (java.net.UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }

    public static String macString(long mac) {
        StringBuilder sb = new StringBuilder(17);
        for (int i = 5; i >= 0; i--) {
            int b = (int) (mac >>> (8 * i)) & 0xff;
            sb.append(Character.forDigit(b >>> 4, 16)).append(Character.forDigit(b & 15, 16));
            if (i > 0) {
                sb.append(':');
            }
        }
        return sb.toString();
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder();
        sb.append("len=").append(wireLength);
        if (vlanCount > 0) {
            sb.append(" vlan=").append(outerVlan);
            if (vlanCount > 1) {
                sb.append('/').append(innerVlan);
            }
        }
        if (ipVersion == 0) {
            sb.append(" ").append(macString(srcMac)).append(" > ").append(macString(dstMac))
                    .append(String.format(" ethertype=0x%04x", etherType));
            return sb.toString();
        }
        sb.append(" IPv").append(ipVersion).append(' ').append(srcAddressString());
        if (hasPorts) {
            sb.append(':').append(srcPort);
        }
        sb.append(" > ").append(dstAddressString());
        if (hasPorts) {
            sb.append(':').append(dstPort);
        }
        sb.append(" proto=").append(protocol);
        if (protocol == PROTO_TCP) {
            sb.append(" flags=0x").append(Integer.toHexString(tcpFlags));
        }
        if (protocol == PROTO_ICMP || protocol == PROTO_ICMPV6) {
            sb.append(" type=").append(icmpType).append(" code=").append(icmpCode);
        }
        if (fragment) {
            sb.append(" frag off=").append(fragmentOffset).append(moreFragments ? " MF" : "");
        }
        return sb.toString();
    }
}
