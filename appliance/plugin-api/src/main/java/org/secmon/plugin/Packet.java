package org.secmon.plugin;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * One received frame, parsed once by the data plane, as plugins see it: read-only. A flyweight over the frame's
 * bytes plus the L2..L4 fields every plugin needs, held as primitives. Offsets ({@link #l3Offset()},
 * {@link #l4Offset()}...) are relative to the start of the frame; {@link #segment()} and {@link #offset()} locate
 * the frame's first byte.
 *
 * <p>Addresses are held as 128-bit values (two longs, big-endian halves); IPv4 addresses are IPv4-mapped
 * ({@code ::ffff:a.b.c.d}), so that one classifier and one flow key cover both families.
 *
 * <p>The data plane reuses one instance per thread and writes it only between callbacks: never keep a reference
 * after the callback returns. Nothing here changes the packet, so in direct mode (every plugin on the rx thread, the
 * same instance) no plugin can change what the next one sees. {@link PacketFormat} prints one for people.
 */
public interface Packet {
    ValueLayout.OfShort U16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    ValueLayout.OfInt U32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    ValueLayout.OfLong U64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);

    /** High 64 bits of an IPv4-mapped IPv6 address. */
    long V4_MAPPED_HI = 0L;
    /** Bits 64..95 of an IPv4-mapped IPv6 address, pre-shifted: OR the IPv4 address in. */
    long V4_MAPPED_LO_PREFIX = 0x0000_ffff_0000_0000L;

    int DIRECTION_INGRESS = 1;
    int DIRECTION_EGRESS = 2;

    int PROTO_ICMP = 1;
    int PROTO_TCP = 6;
    int PROTO_UDP = 17;
    int PROTO_ICMPV6 = 58;
    int PROTO_SCTP = 132;

    int NO_VLAN = -1;

    /** {@link #linkType()}: an Ethernet frame (tcpdump.org's LINKTYPE_ETHERNET). */
    int LINK_ETHERNET = 1;

    /** {@link #tunnelType()}: the packet arrived as it is. */
    int TUNNEL_NONE = 0;
    int TUNNEL_ERSPAN_I = 1;
    int TUNNEL_ERSPAN_II = 2;
    int TUNNEL_ERSPAN_III = 3;
    int TUNNEL_GRE = 4;
    int TUNNEL_VXLAN = 5;
    int TUNNEL_GENEVE = 6;
    int TUNNEL_GTPU = 7;

    // ---- frame ---------------------------------------------------------------------------------------------

    MemorySegment segment();

    /** Offset of the frame's first byte in {@link #segment()}. */
    long offset();

    /** Bytes of the frame that were captured and may be read. */
    int captureLength();

    /** Length of the frame on the wire (may exceed {@link #captureLength()} for snaplen-truncated captures). */
    int wireLength();

    /**
     * Bytes this plugin may use: {@link #captureLength()} cut to the matching rule's truncate_to_size. Raw forward
     * sends this many bytes.
     */
    int deliverLength();

    long timestampNanos();

    int inputPort();

    /** {@link #DIRECTION_INGRESS} or {@link #DIRECTION_EGRESS}, as seen at the observation point. */
    int direction();

    /**
     * The frame's link type (tcpdump.org's LINKTYPE numbers): {@link #LINK_ETHERNET} for frames from a NIC;
     * captures and tunnels may deliver others (raw IP 101/228/229 — no Ethernet header, {@link #l3Offset()} 0 —,
     * Linux cooked 113/276, NULL 0, LOOP 108).
     */
    default int linkType() {
        return LINK_ETHERNET;
    }

    // ---- tunnel (the observation point of a terminated tunnel) ----------------------------------------------

    /**
     * The outermost tunnel the data plane terminated to reach this frame ({@link #TUNNEL_ERSPAN_I}...), or
     * {@link #TUNNEL_NONE}. The frame, its addresses and ports are then the inner packet's.
     */
    default int tunnelType() {
        return TUNNEL_NONE;
    }

    /** The tunnel's id: ERSPAN session id, GRE key, VXLAN/GENEVE VNI, GTP-U TEID (0 when it has none). */
    default long tunnelId() {
        return 0;
    }

    /** The tunnel's outer source address, high 64 bits (IPv4-mapped as the packet's own addresses). */
    default long tunnelSrcHi() {
        return 0;
    }

    default long tunnelSrcLo() {
        return 0;
    }

    /** How many tunnels were terminated (0 for none). */
    default int tunnelDepth() {
        return 0;
    }

    /** Byte {@code index} of the frame (0 = first byte); the caller keeps {@code index < captureLength()}. */
    default int byteAt(int index) {
        return segment().get(ValueLayout.JAVA_BYTE, offset() + index) & 0xff;
    }

    /** Copy {@code length} bytes of the frame from {@code from} into {@code dst} at {@code dstOffset}. */
    default void copyBytes(int from, MemorySegment dst, long dstOffset, int length) {
        MemorySegment.copy(segment(), offset() + from, dst, dstOffset, length);
    }

    // ---- L2 ------------------------------------------------------------------------------------------------

    /** Destination MAC in the low 48 bits. */
    long dstMac();

    /** Source MAC in the low 48 bits. */
    long srcMac();

    /** The innermost EtherType (after VLAN tags). */
    int etherType();

    int vlanCount();

    /** Outer VLAN id, or {@link #NO_VLAN}. */
    int outerVlan();

    /** Inner VLAN id (QinQ), or {@link #NO_VLAN}. */
    int innerVlan();

    int l3Offset();

    // ---- L3 ------------------------------------------------------------------------------------------------

    /** 4, 6, or 0 for a frame that carries no IP. */
    int ipVersion();

    default boolean isIpv4() {
        return ipVersion() == 4;
    }

    default boolean isIpv6() {
        return ipVersion() == 6;
    }

    long srcHi();

    long srcLo();

    long dstHi();

    long dstLo();

    /** The IPv4 source address (only meaningful when {@link #isIpv4()}). */
    default int srcIpv4() {
        return (int) srcLo();
    }

    default int dstIpv4() {
        return (int) dstLo();
    }

    /** IPv4 ToS / IPv6 traffic class byte. */
    int tos();

    int ttl();

    /** Length of the IP packet (IPv4 total length; IPv6 40 + payload length): NetFlow's byte count. */
    int ipLength();

    int flowLabel();

    /** True for any fragment (first or later) of a fragmented datagram. */
    boolean isFragment();

    /** Fragment offset in bytes (0 for the first fragment and for unfragmented packets). */
    int fragmentOffset();

    boolean moreFragments();

    long fragmentId();

    // ---- L4 ------------------------------------------------------------------------------------------------

    /** The transport protocol: IPv4 protocol, or the IPv6 next header after all extension headers. */
    int protocol();

    /** Offset of the transport header, 0 when none was parsed (non-first fragment, unknown protocol). */
    int l4Offset();

    /** True when {@link #srcPort()} and {@link #dstPort()} are valid (TCP, UDP or SCTP header parsed). */
    boolean hasPorts();

    int srcPort();

    int dstPort();

    /** TCP flags byte (CWR ECE URG ACK PSH RST SYN FIN), 0 for other protocols. */
    int tcpFlags();

    int icmpType();

    int icmpCode();

    /** Offset of the transport payload, 0 when unknown. */
    int payloadOffset();
}
