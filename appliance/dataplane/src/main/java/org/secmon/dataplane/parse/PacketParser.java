package org.secmon.dataplane.parse;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import org.secmon.plugin.Packet;

import static org.secmon.plugin.Packet.U16;
import static org.secmon.plugin.Packet.U32;
import static org.secmon.plugin.Packet.U64;

/**
 * Parses L2..L4 of a frame once, into the {@link Packet} flyweight: Ethernet, 802.1Q / 802.1ad (QinQ, up to 4
 * tags), IPv4 (options, fragments), IPv6 with extension headers (hop-by-hop, routing, fragment, destination
 * options, AH, mobility, HIP, shim6), TCP, UDP, ICMP, ICMPv6, SCTP.
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

    private PacketParser() {
    }

    /**
     * Parse the frame that {@code p} wraps.
     *
     * @return {@link #OK} or the ordinal of the {@link MalformedReason}
     */
    public static int parse(ParsedPacket p) {
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
        int off = ETHER_TYPE_OFFSET;
        int etherType = (int) w6 & 0xffff;
        off += 2;
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
            default -> {
                // other transports (GRE, ESP, OSPF...): addresses and protocol only
            }
        }
        return OK;
    }

    private static int u8(MemorySegment seg, long at) {
        return seg.get(ValueLayout.JAVA_BYTE, at) & 0xff;
    }

    private static int u16(MemorySegment seg, long at) {
        return seg.get(U16, at) & 0xffff;
    }
}
