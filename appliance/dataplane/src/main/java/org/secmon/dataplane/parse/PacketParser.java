package org.secmon.dataplane.parse;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import org.secmon.plugin.Packet;

import static org.secmon.plugin.Packet.U16;
import static org.secmon.plugin.Packet.U32;
import static org.secmon.plugin.Packet.U64;

/**
 * Parses L2..L4 of a frame once, into the {@link Packet} flyweight: the link layer of the frame's
 * {@linkplain LinkTypes link type} (Ethernet; Linux cooked SLL and SLL2; raw IP; BSD NULL and LOOP), 802.1Q / 802.1ad
 * (QinQ, up to 4 tags), PPPoE sessions, MPLS label stacks, IPv4 (options, fragments), IPv6 with extension headers
 * (hop-by-hop, routing, fragment, destination options, AH, mobility, HIP, shim6), TCP, UDP, ICMP, ICMPv6, SCTP.
 * With a {@link Decap} it then terminates the tunnels it is told to (ERSPAN I/II/III, GRE, VXLAN, GENEVE, GTP-U) and
 * parses the inner frame in the same way, so that everything after the parser sees the inner packet; the outermost
 * tunnel is kept as the packet's tunnel metadata (its observation point).
 *
 * <p>Zero-copy and allocation-free; never throws on bad input. It returns the ordinal of a {@link MalformedReason}
 * ({@code 0} for a good frame). Frames that carry no IP (ARP, LLDP...) are good frames with
 * {@link Packet#ipVersion()} 0. Reads never go beyond {@link Packet#captureLength()}; lengths are checked against
 * {@link Packet#wireLength()} so that snaplen-truncated captures still parse as far as their bytes go.
 */
public final class PacketParser {
    public static final int OK = 0;

    public static final int ETHERNET_HEADER_LENGTH = 14;
    public static final int DST_MAC_OFFSET = 0;
    public static final int SRC_MAC_OFFSET = 6;
    public static final int ETHER_TYPE_OFFSET = 12;
    public static final int VLAN_TAG_LENGTH = 4;
    public static final int MAX_VLAN_TAGS = 4;

    public static final int ETHERTYPE_IPV4 = 0x0800;
    public static final int ETHERTYPE_IPV6 = 0x86DD;
    public static final int ETHERTYPE_VLAN = 0x8100;
    public static final int ETHERTYPE_QINQ = 0x88A8;
    public static final int ETHERTYPE_QINQ_OLD = 0x9100;
    public static final int ETHERTYPE_PPPOE_SESSION = 0x8864;
    public static final int ETHERTYPE_MPLS = 0x8847;
    public static final int ETHERTYPE_MPLS_MULTICAST = 0x8848;
    public static final int PPPOE_HEADER_LENGTH = 8; // 6 bytes PPPoE + 2 bytes PPP protocol
    public static final int PPP_IPV4 = 0x0021;
    public static final int PPP_IPV6 = 0x0057;
    public static final int MPLS_LABEL_LENGTH = 4;
    public static final int MAX_MPLS_LABELS = 8;
    public static final int SLL_HEADER_LENGTH = 16;
    public static final int SLL2_HEADER_LENGTH = 20;
    public static final int NULL_HEADER_LENGTH = 4;
    /** SLL/SLL2 packet type "outgoing": the capturing host sent it. */
    public static final int SLL_OUTGOING = 4;

    public static final int IPV4_MIN_HEADER_LENGTH = 20;
    public static final int IPV4_TOS_OFFSET = 1;
    public static final int IPV4_TOTAL_LENGTH_OFFSET = 2;
    public static final int IPV4_ID_OFFSET = 4;
    public static final int IPV4_FRAGMENT_OFFSET = 6;
    public static final int IPV4_TTL_OFFSET = 8;
    public static final int IPV4_PROTOCOL_OFFSET = 9;
    public static final int IPV4_SRC_OFFSET = 12;
    public static final int IPV4_DST_OFFSET = 16;

    public static final int IPV6_HEADER_LENGTH = 40;
    public static final int IPV6_PAYLOAD_LENGTH_OFFSET = 4;
    public static final int IPV6_NEXT_HEADER_OFFSET = 6;
    public static final int IPV6_HOP_LIMIT_OFFSET = 7;
    public static final int IPV6_SRC_OFFSET = 8;
    public static final int IPV6_DST_OFFSET = 24;
    public static final int IPV6_MAX_EXTENSION_HEADERS = 8;

    public static final int EXT_HOP_BY_HOP = 0;
    public static final int EXT_ROUTING = 43;
    public static final int EXT_FRAGMENT = 44;
    public static final int EXT_AH = 51;
    public static final int EXT_DESTINATION = 60;
    public static final int EXT_MOBILITY = 135;
    public static final int EXT_HIP = 139;
    public static final int EXT_SHIM6 = 140;

    public static final int TCP_MIN_HEADER_LENGTH = 20;
    public static final int TCP_DATA_OFFSET_OFFSET = 12;
    public static final int TCP_FLAGS_OFFSET = 13;
    public static final int UDP_HEADER_LENGTH = 8;
    public static final int UDP_LENGTH_OFFSET = 4;
    public static final int ICMP_HEADER_LENGTH = 4;
    public static final int SCTP_COMMON_HEADER_LENGTH = 12;
    public static final int PROTO_GRE = 47;

    private PacketParser() {
    }

    /**
     * Parse the frame that {@code p} wraps, terminating no tunnel.
     *
     * @return {@link #OK} or the ordinal of the {@link MalformedReason}
     */
    public static int parse(ParsedPacket p) {
        return parseLink(p);
    }

    /**
     * Parse the frame that {@code p} wraps and, as {@code decap} says, terminate its tunnels (nested up to
     * {@link Decap#maxDepth()}): {@code p} then describes the innermost frame, with the outermost tunnel as its
     * metadata.
     *
     * @return {@link #OK} or the ordinal of the {@link MalformedReason}
     */
    public static int parse(ParsedPacket p, Decap decap) {
        if (decap == null || !decap.enabled()) {
            return parseLink(p);
        }
        // the common shape (Ethernet, IPv4 without options, GRE or a UDP tunnel) entered without parsing the outer
        // frame first; anything else, and every error, takes the general way below
        if (Tunnels.enterCommon(p, decap, decap.maxDepth() > 0) == OK) {
            return terminate(p, decap, 1, parseLink(p));
        }
        return terminate(p, decap, 0, parseLink(p));
    }

    /** {@link #parse(ParsedPacket, Decap)} without the common shape's short way: the reference it must equal. */
    static int parseGeneral(ParsedPacket p, Decap decap) {
        return terminate(p, decap, 0, parseLink(p));
    }

    /** From a parsed frame {@code depth} tunnels deep: the tunnels it carries, entered and parsed. */
    private static int terminate(ParsedPacket p, Decap decap, int depth, int status) {
        for (; status == OK; depth++) {
            int tunnel = Tunnels.terminate(p, decap, depth < decap.maxDepth());
            if (tunnel == Tunnels.NOT_A_TUNNEL) {
                return OK;
            }
            status = tunnel == OK ? parseLink(p) : tunnel;
        }
        return status;
    }

    /** The link layer by the frame's link type, then what it carries. */
    static int parseLink(ParsedPacket p) {
        return switch (p.linkType()) {
            case LinkTypes.ETHERNET -> parseEthernet(p);
            case LinkTypes.LINUX_SLL -> parseSll(p, false);
            case LinkTypes.LINUX_SLL2 -> parseSll(p, true);
            case LinkTypes.RAW, LinkTypes.RAW_BSD_12, LinkTypes.RAW_BSD_14 -> parseRaw(p, 0);
            case LinkTypes.IPV4 -> parseRaw(p, 4);
            case LinkTypes.IPV6 -> parseRaw(p, 6);
            case LinkTypes.NULL -> parseNull(p, false);
            case LinkTypes.LOOP -> parseNull(p, true);
            default -> MalformedReason.LINK_TYPE_UNSUPPORTED.ordinal();
        };
    }

    private static int parseEthernet(ParsedPacket p) {
        final MemorySegment seg = p.segment();
        final long base = p.offset();
        final int cap = p.captureLength();
        final int wire = p.wireLength();
        if (wire < ETHERNET_HEADER_LENGTH) {
            return MalformedReason.ETHERNET_TRUNCATED.ordinal();
        }
        if (cap < ETHERNET_HEADER_LENGTH) {
            return MalformedReason.SNAPLEN_TRUNCATED.ordinal();
        }
        // two 8-byte reads cover the 14-byte Ethernet header: bytes 0..7 and 6..13
        final long w0 = seg.get(U64, base + DST_MAC_OFFSET);
        final long w6 = seg.get(U64, base + SRC_MAC_OFFSET);
        p.dstMac(w0 >>> 16);
        p.srcMac(w6 >>> 16);
        return parseEtherType(p, seg, base, ETHER_TYPE_OFFSET + 2, (int) w6 & 0xffff, cap, wire);
    }

    /**
     * Linux cooked capture v1 (16 bytes: packet type, ARPHRD type, address length, 8 address bytes, protocol) or v2
     * (20 bytes: protocol, reserved, interface index, ARPHRD type, packet type, address length, 8 address bytes).
     * The protocol is an EtherType; an outgoing packet's direction is egress, and a 6-byte address is the source MAC.
     */
    private static int parseSll(ParsedPacket p, boolean v2) {
        final MemorySegment seg = p.segment();
        final long base = p.offset();
        final int header = v2 ? SLL2_HEADER_LENGTH : SLL_HEADER_LENGTH;
        if (p.wireLength() < header) {
            return MalformedReason.LINK_HEADER_TRUNCATED.ordinal();
        }
        if (p.captureLength() < header) {
            return MalformedReason.SNAPLEN_TRUNCATED.ordinal();
        }
        int packetType = v2 ? u8(seg, base + 10) : u16(seg, base);
        int addressLength = v2 ? u8(seg, base + 11) : u16(seg, base + 4);
        int protocol = v2 ? u16(seg, base) : u16(seg, base + 14);
        long address = seg.get(U64, base + (v2 ? 12 : 6));
        if (addressLength == 6) {
            p.srcMac(address >>> 16);
        }
        if (packetType == SLL_OUTGOING) {
            p.direction(Packet.DIRECTION_EGRESS);
        }
        return parseEtherType(p, seg, base, header, protocol, p.captureLength(), p.wireLength());
    }

    /** Raw IP: {@code version} 4 or 6, or 0 to take it from the first nibble. */
    private static int parseRaw(ParsedPacket p, int version) {
        final MemorySegment seg = p.segment();
        if (p.wireLength() < 1) {
            return MalformedReason.LINK_HEADER_TRUNCATED.ordinal();
        }
        if (p.captureLength() < 1) {
            return MalformedReason.SNAPLEN_TRUNCATED.ordinal();
        }
        int v = version != 0 ? version : u8(seg, p.offset()) >>> 4;
        int etherType = v == 4 ? ETHERTYPE_IPV4 : v == 6 ? ETHERTYPE_IPV6 : 0;
        return parseEtherType(p, seg, p.offset(), 0, etherType, p.captureLength(), p.wireLength());
    }

    /**
     * BSD loopback: a 4-byte address family, in the capturing host's byte order (NULL) or network order (LOOP).
     * IPv6's family number differs by system (Linux 10, NetBSD/OpenBSD 24, FreeBSD 28, macOS 30); all are taken.
     */
    private static int parseNull(ParsedPacket p, boolean networkOrder) {
        final MemorySegment seg = p.segment();
        final long base = p.offset();
        if (p.wireLength() < NULL_HEADER_LENGTH) {
            return MalformedReason.LINK_HEADER_TRUNCATED.ordinal();
        }
        if (p.captureLength() < NULL_HEADER_LENGTH) {
            return MalformedReason.SNAPLEN_TRUNCATED.ordinal();
        }
        int family = seg.get(U32, base);
        if (!networkOrder && (family & 0xffff0000) != 0) {
            family = Integer.reverseBytes(family); // written little-endian by the capturing host
        }
        int etherType = switch (family) {
            case 2 -> ETHERTYPE_IPV4;
            case 10, 24, 28, 30 -> ETHERTYPE_IPV6;
            default -> 0;
        };
        return parseEtherType(p, seg, base, NULL_HEADER_LENGTH, etherType, p.captureLength(), p.wireLength());
    }

    /**
     * What follows an EtherType at {@code off}: VLAN tags, a PPPoE session, an MPLS label stack, then IPv4 or IPv6
     * (anything else is a good frame without IP).
     */
    private static int parseEtherType(ParsedPacket p, MemorySegment seg, long base, int off, int etherType,
                                      int cap, int wire) {
        int tags = 0;
        while (etherType == ETHERTYPE_VLAN || etherType == ETHERTYPE_QINQ || etherType == ETHERTYPE_QINQ_OLD) {
            if (++tags > MAX_VLAN_TAGS) {
                return MalformedReason.VLAN_TOO_DEEP.ordinal();
            }
            if (off + VLAN_TAG_LENGTH > wire) {
                return MalformedReason.VLAN_TRUNCATED.ordinal();
            }
            if (off + VLAN_TAG_LENGTH > cap) {
                return MalformedReason.SNAPLEN_TRUNCATED.ordinal();
            }
            p.pushVlan(u16(seg, base + off) & 0x0fff);
            etherType = u16(seg, base + off + 2);
            off += VLAN_TAG_LENGTH;
        }
        if (etherType == ETHERTYPE_PPPOE_SESSION) {
            if (off + PPPOE_HEADER_LENGTH > wire) {
                return MalformedReason.PPPOE_TRUNCATED.ordinal();
            }
            if (off + PPPOE_HEADER_LENGTH > cap) {
                return MalformedReason.SNAPLEN_TRUNCATED.ordinal();
            }
            // the PPP protocol: 2 bytes, or 1 when compressed (RFC 1661 protocol field compression: an odd first byte)
            int first = u8(seg, base + off + 6);
            int ppp = (first & 1) != 0 ? first : u16(seg, base + off + 6);
            off += (first & 1) != 0 ? PPPOE_HEADER_LENGTH - 1 : PPPOE_HEADER_LENGTH;
            etherType = ppp == PPP_IPV4 ? ETHERTYPE_IPV4 : ppp == PPP_IPV6 ? ETHERTYPE_IPV6 : 0;
        } else if (etherType == ETHERTYPE_MPLS || etherType == ETHERTYPE_MPLS_MULTICAST) {
            for (int labels = 1; ; labels++) {
                if (labels > MAX_MPLS_LABELS) {
                    return MalformedReason.MPLS_TOO_DEEP.ordinal();
                }
                if (off + MPLS_LABEL_LENGTH > wire) {
                    return MalformedReason.MPLS_TRUNCATED.ordinal();
                }
                if (off + MPLS_LABEL_LENGTH > cap) {
                    return MalformedReason.SNAPLEN_TRUNCATED.ordinal();
                }
                int entry = seg.get(U32, base + off);
                off += MPLS_LABEL_LENGTH;
                if ((entry & 0x100) != 0) { // bottom of stack
                    break;
                }
            }
            // no protocol field after the stack: IP by its version nibble (a pseudowire's Ethernet is not decoded)
            int v = off < cap ? u8(seg, base + off) >>> 4 : 0;
            etherType = v == 4 ? ETHERTYPE_IPV4 : v == 6 ? ETHERTYPE_IPV6 : 0;
        }
        p.etherType(etherType);
        p.l3Offset(off);
        if (etherType == ETHERTYPE_IPV4) {
            return parseIpv4(p, seg, base, off, cap, wire);
        }
        if (etherType == ETHERTYPE_IPV6) {
            return parseIpv6(p, seg, base, off, cap, wire);
        }
        return OK;
    }

    private static int parseIpv4(ParsedPacket p, MemorySegment seg, long base, int off, int cap, int wire) {
        if (off + IPV4_MIN_HEADER_LENGTH > wire) {
            return MalformedReason.IPV4_TRUNCATED.ordinal();
        }
        if (off + IPV4_MIN_HEADER_LENGTH > cap) {
            return MalformedReason.SNAPLEN_TRUNCATED.ordinal();
        }
        final long ip = base + off;
        // the 20-byte fixed header in three reads: version/IHL, TOS, total length, ID, flags/fragment offset;
        // TTL, protocol, checksum, source; destination
        final long h0 = seg.get(U64, ip);
        final long h8 = seg.get(U64, ip + IPV4_TTL_OFFSET);
        int vihl = (int) (h0 >>> 56);
        if ((vihl >>> 4) != 4) {
            return MalformedReason.IPV4_BAD_VERSION.ordinal();
        }
        int ihl = (vihl & 0x0f) << 2;
        if (ihl < IPV4_MIN_HEADER_LENGTH) {
            return MalformedReason.IPV4_BAD_HEADER_LENGTH.ordinal();
        }
        int totalLength = (int) (h0 >>> 32) & 0xffff;
        if (totalLength < ihl || off + totalLength > wire) {
            return MalformedReason.IPV4_BAD_TOTAL_LENGTH.ordinal();
        }
        if (off + ihl > cap) {
            return MalformedReason.SNAPLEN_TRUNCATED.ordinal();
        }
        p.ipVersion(4)
                .tos((int) (h0 >>> 48) & 0xff)
                .ttl((int) (h8 >>> 56))
                .ipLength(totalLength)
                .protocol((int) (h8 >>> 48) & 0xff)
                .ipv4Addresses((int) h8, seg.get(U32, ip + IPV4_DST_OFFSET));
        int frag = (int) h0 & 0xffff;
        int fragOffset = (frag & 0x1fff) << 3;
        boolean more = (frag & 0x2000) != 0;
        if (fragOffset != 0 || more) {
            p.fragment(fragOffset, more, (int) (h0 >>> 16) & 0xffff);
            if (fragOffset != 0) {
                return OK; // a later fragment: no transport header
            }
        }
        return parseTransport(p, seg, base, p.protocol(), off + ihl, off + totalLength, cap);
    }

    private static int parseIpv6(ParsedPacket p, MemorySegment seg, long base, int off, int cap, int wire) {
        if (off + IPV6_HEADER_LENGTH > wire) {
            return MalformedReason.IPV6_TRUNCATED.ordinal();
        }
        if (off + IPV6_HEADER_LENGTH > cap) {
            return MalformedReason.SNAPLEN_TRUNCATED.ordinal();
        }
        final long ip = base + off;
        int first = seg.get(U32, ip);
        if ((first >>> 28) != 6) {
            return MalformedReason.IPV6_BAD_VERSION.ordinal();
        }
        int payloadLength = u16(seg, ip + IPV6_PAYLOAD_LENGTH_OFFSET);
        if (payloadLength == 0) {
            payloadLength = wire - off - IPV6_HEADER_LENGTH; // jumbogram or zero-length: use the frame
        } else if (off + IPV6_HEADER_LENGTH + payloadLength > wire) {
            return MalformedReason.IPV6_BAD_PAYLOAD_LENGTH.ordinal();
        }
        p.ipVersion(6)
                .tos((first >>> 20) & 0xff)
                .flowLabel(first & 0xfffff)
                .ttl(u8(seg, ip + IPV6_HOP_LIMIT_OFFSET))
                .ipLength(IPV6_HEADER_LENGTH + payloadLength)
                .ipv6Addresses(seg.get(U64, ip + IPV6_SRC_OFFSET), seg.get(U64, ip + IPV6_SRC_OFFSET + 8),
                        seg.get(U64, ip + IPV6_DST_OFFSET), seg.get(U64, ip + IPV6_DST_OFFSET + 8));
        final int end = off + IPV6_HEADER_LENGTH + payloadLength;
        int next = u8(seg, ip + IPV6_NEXT_HEADER_OFFSET);
        int h = off + IPV6_HEADER_LENGTH;
        for (int n = 0; ; n++) {
            int len;
            switch (next) {
                case EXT_HOP_BY_HOP, EXT_ROUTING, EXT_DESTINATION, EXT_MOBILITY, EXT_HIP, EXT_SHIM6 -> {
                    if (h + 2 > end) {
                        return MalformedReason.IPV6_EXT_TRUNCATED.ordinal();
                    }
                    if (h + 2 > cap) {
                        return MalformedReason.SNAPLEN_TRUNCATED.ordinal();
                    }
                    len = (u8(seg, base + h + 1) + 1) << 3;
                }
                case EXT_AH -> {
                    if (h + 2 > end) {
                        return MalformedReason.IPV6_EXT_TRUNCATED.ordinal();
                    }
                    if (h + 2 > cap) {
                        return MalformedReason.SNAPLEN_TRUNCATED.ordinal();
                    }
                    len = (u8(seg, base + h + 1) + 2) << 2;
                }
                case EXT_FRAGMENT -> {
                    len = 8;
                    if (h + len > end) {
                        return MalformedReason.IPV6_EXT_TRUNCATED.ordinal();
                    }
                    if (h + len > cap) {
                        return MalformedReason.SNAPLEN_TRUNCATED.ordinal();
                    }
                    int fo = u16(seg, base + h + 2);
                    p.fragment(fo & 0xfff8, (fo & 1) != 0, seg.get(U32, base + h + 4) & 0xffffffffL);
                }
                default -> {
                    p.protocol(next);
                    if (p.fragmentOffset() != 0) {
                        return OK; // a later fragment: no transport header
                    }
                    return parseTransport(p, seg, base, next, h, end, cap);
                }
            }
            if (n >= IPV6_MAX_EXTENSION_HEADERS) {
                return MalformedReason.IPV6_EXT_TOO_MANY.ordinal();
            }
            if (h + len > end) {
                return MalformedReason.IPV6_EXT_TRUNCATED.ordinal();
            }
            next = u8(seg, base + h);
            h += len;
        }
    }

    /**
     * @param l4  offset of the transport header in the frame
     * @param end end of the IP packet in the frame (by its own length fields, validated against the wire length)
     */
    private static int parseTransport(ParsedPacket p, MemorySegment seg, long base, int proto, int l4, int end,
                                      int cap) {
        switch (proto) {
            case Packet.PROTO_TCP -> {
                if (l4 + TCP_MIN_HEADER_LENGTH > end) {
                    return MalformedReason.TCP_TRUNCATED.ordinal();
                }
                if (l4 + TCP_MIN_HEADER_LENGTH > cap) {
                    return MalformedReason.SNAPLEN_TRUNCATED.ordinal();
                }
                final long t = base + l4;
                int offsetAndFlags = u16(seg, t + TCP_DATA_OFFSET_OFFSET);
                int dataOffset = (offsetAndFlags >>> 12) << 2;
                if (dataOffset < TCP_MIN_HEADER_LENGTH || l4 + dataOffset > end) {
                    return MalformedReason.TCP_BAD_DATA_OFFSET.ordinal();
                }
                int ports = seg.get(U32, t);
                p.l4Offset(l4).ports(ports >>> 16, ports & 0xffff)
                        .tcpFlags(offsetAndFlags & 0xff)
                        .payloadOffset(l4 + dataOffset);
            }
            case Packet.PROTO_UDP -> {
                if (l4 + UDP_HEADER_LENGTH > end) {
                    return MalformedReason.UDP_TRUNCATED.ordinal();
                }
                if (l4 + UDP_HEADER_LENGTH > cap) {
                    return MalformedReason.SNAPLEN_TRUNCATED.ordinal();
                }
                final long u = base + l4;
                int udpLength = u16(seg, u + UDP_LENGTH_OFFSET);
                // 0 is legal for IPv6 jumbograms; a fragmented datagram's length covers all its fragments
                if ((udpLength != 0 && udpLength < UDP_HEADER_LENGTH)
                        || (!p.moreFragments() && l4 + udpLength > end)) {
                    return MalformedReason.UDP_BAD_LENGTH.ordinal();
                }
                int ports = seg.get(U32, u);
                p.l4Offset(l4).ports(ports >>> 16, ports & 0xffff).payloadOffset(l4 + UDP_HEADER_LENGTH);
            }
            case Packet.PROTO_ICMP, Packet.PROTO_ICMPV6 -> {
                if (l4 + ICMP_HEADER_LENGTH > end) {
                    return MalformedReason.ICMP_TRUNCATED.ordinal();
                }
                if (l4 + ICMP_HEADER_LENGTH > cap) {
                    return MalformedReason.SNAPLEN_TRUNCATED.ordinal();
                }
                int tc = u16(seg, base + l4);
                p.l4Offset(l4).icmp(tc >>> 8, tc & 0xff).payloadOffset(l4 + ICMP_HEADER_LENGTH);
            }
            case Packet.PROTO_SCTP -> {
                if (l4 + SCTP_COMMON_HEADER_LENGTH > end) {
                    return MalformedReason.SCTP_TRUNCATED.ordinal();
                }
                if (l4 + SCTP_COMMON_HEADER_LENGTH > cap) {
                    return MalformedReason.SNAPLEN_TRUNCATED.ordinal();
                }
                int ports = seg.get(U32, base + l4);
                p.l4Offset(l4).ports(ports >>> 16, ports & 0xffff).payloadOffset(l4 + SCTP_COMMON_HEADER_LENGTH);
            }
            case PROTO_GRE -> {
                if (l4 + 4 <= end && l4 + 4 <= cap) {
                    p.l4Offset(l4); // where a tunnel's GRE header starts
                }
            }
            default -> {
                // other transports (ESP, OSPF...): addresses and protocol only
            }
        }
        return OK;
    }

    static int u8(MemorySegment seg, long at) {
        return seg.get(ValueLayout.JAVA_BYTE, at) & 0xff;
    }

    static int u16(MemorySegment seg, long at) {
        return seg.get(U16, at) & 0xffff;
    }
}
