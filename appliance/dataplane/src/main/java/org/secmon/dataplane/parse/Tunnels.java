package org.secmon.dataplane.parse;

import java.lang.foreign.MemorySegment;

import org.secmon.plugin.Packet;

import static org.secmon.dataplane.parse.PacketParser.u16;
import static org.secmon.dataplane.parse.PacketParser.u8;
import static org.secmon.plugin.Packet.U32;

/**
 * Tunnel termination: recognises the tunnel a parsed outer packet carries and re-points the packet at the inner
 * frame. Formats: ERSPAN type I (GRE 0x88BE without sequence number: Ethernet follows the GRE header), type II (GRE
 * 0x88BE with sequence: 8-byte header, version 1, session id) and type III (GRE 0x22EB: 12-byte header, version 2,
 * session id, direction bit, hardware id, frame type, optional 8-byte platform sub-header), draft-foschiano-erspan;
 * GRE (RFC 2784/2890: checksum, key, sequence) carrying Ethernet (0x6558) or IP; VXLAN (RFC 7348); GENEVE (RFC 8926,
 * options skipped by length); GTPv1-U (3GPP TS 29.281: G-PDU, optional sequence/N-PDU/extension headers).
 * Allocation-free; never reads beyond the capture or trusts a length beyond the outer packet.
 */
final class Tunnels {
    /** {@link #terminate}: the packet carries no tunnel {@link Decap} asks for. */
    static final int NOT_A_TUNNEL = -1;
    /** {@link #enterCommon}: not the common shape; nothing was changed. */
    static final int NOT_COMMON = -2;
    private static final int OUTER_IP = PacketParser.ETHERNET_HEADER_LENGTH;
    private static final int OUTER_L4 = OUTER_IP + PacketParser.IPV4_MIN_HEADER_LENGTH;
    private static final int OUTER_UDP_PAYLOAD = OUTER_L4 + PacketParser.UDP_HEADER_LENGTH;

    static final int GRE_HEADER_LENGTH = 4;
    static final int GRE_CHECKSUM = 0x8000;
    static final int GRE_ROUTING = 0x4000;
    static final int GRE_KEY = 0x2000;
    static final int GRE_SEQUENCE = 0x1000;
    static final int GRE_ERSPAN_I_II = 0x88BE;
    static final int GRE_ERSPAN_III = 0x22EB;
    static final int GRE_TRANSPARENT_ETHERNET = 0x6558;
    static final int ERSPAN_II_HEADER_LENGTH = 8;
    static final int ERSPAN_III_HEADER_LENGTH = 12;
    static final int ERSPAN_III_PLATFORM_LENGTH = 8;
    static final int VXLAN_HEADER_LENGTH = 8;
    static final int VXLAN_FLAG_VNI = 0x08;
    static final int GENEVE_HEADER_LENGTH = 8;
    static final int GTPU_HEADER_LENGTH = 8;
    static final int GTPU_OPTIONAL_LENGTH = 4;
    static final int GTPU_G_PDU = 0xFF;
    static final int GTPU_MAX_EXTENSIONS = 8;

    private Tunnels() {
    }

    /**
     * If {@code p} (parsed) carries a tunnel {@code decap} terminates, re-point it at the inner frame.
     *
     * @param mayEnter false when the depth limit is reached: a tunnel found is then {@code TUNNEL_TOO_DEEP}
     * @return {@link #NOT_A_TUNNEL}; {@link PacketParser#OK}, {@code p} now wrapping the inner frame (to be parsed by
     *         its link type); or the ordinal of the {@link MalformedReason}
     */
    static int terminate(ParsedPacket p, Decap decap, boolean mayEnter) {
        final int version = p.ipVersion();
        if (version == 0) {
            return NOT_A_TUNNEL;
        }
        final int proto = p.protocol();
        final int kind;
        if (proto == PacketParser.PROTO_GRE && (decap.gre() || decap.erspan())) {
            kind = 0;
        } else if (proto == Packet.PROTO_UDP && p.hasPorts()) {
            kind = decap.udpKind(p.dstPort());
            if (kind == 0) {
                return NOT_A_TUNNEL;
            }
        } else {
            return NOT_A_TUNNEL;
        }
        if (p.isFragment()) {
            return MalformedReason.TUNNEL_OUTER_FRAGMENT.ordinal();
        }
        // the tunnel payload ends where the outer IP packet does (not at the frame's end: Ethernet padding)
        final int ipEnd = p.l3Offset() + p.ipLength();
        final int wire = Math.min(p.wireLength(), ipEnd);
        final int cap = Math.min(p.captureLength(), ipEnd);
        final MemorySegment seg = p.segment();
        final long base = p.offset();
        if (kind == 0) {
            return gre(p, decap, seg, base, p.l4Offset(), cap, wire, mayEnter);
        }
        final int h = p.payloadOffset();
        if (kind == Decap.UDP_VXLAN) {
            return vxlan(p, seg, base, h, cap, wire, mayEnter);
        }
        if (kind == Decap.UDP_GENEVE) {
            return geneve(p, seg, base, h, cap, wire, mayEnter);
        }
        return gtpu(p, seg, base, h, cap, wire, mayEnter);
    }

    /**
     * The outer headers of how mirrors usually arrive — an Ethernet frame without VLAN tags carrying IPv4 without
     * options, not fragmented, whose GRE (ERSPAN, GRE) or UDP (VXLAN, GENEVE, GTP-U on their ports) carries a tunnel
     * {@code decap} terminates — read in a few wide reads, and the tunnel entered, without the general parse of the
     * outer frame whose fields {@link ParsedPacket#enterTunnel} clears again (measured: the rx thread's largest cost
     * of a tunnelled packet after the flow cache). Only the outer source address is kept, as the tunnel's. The
     * result is exactly the general way's ({@code PacketParser.parseGeneral}; a differential fuzz test holds them
     * equal): a frame of any other shape, with any error, or a GRE packet that turns out to carry no tunnel is
     * {@link #NOT_COMMON} for the general way, which parses it from the start (only the outer addresses were
     * written, and it writes them again) and names the error.
     *
     * @return {@link PacketParser#OK} (now at the inner frame, to be parsed by its link type) or {@link #NOT_COMMON}
     */
    static int enterCommon(ParsedPacket p, Decap decap, boolean mayEnter) {
        final int cap = p.captureLength();
        final int wire = p.wireLength();
        if (p.linkType() != LinkTypes.ETHERNET || cap < OUTER_UDP_PAYLOAD || wire < cap) {
            return NOT_COMMON;
        }
        final MemorySegment seg = p.segment();
        final long base = p.offset();
        final long h0 = seg.get(Packet.U64, base + OUTER_IP - 6); // source MAC 2..5, EtherType, IPv4 bytes 0..1
        final long h1 = seg.get(Packet.U64, base + OUTER_IP); // version/IHL, TOS, total length, id, flags/offset
        final long h2 = seg.get(Packet.U64, base + OUTER_IP + 8); // TTL, protocol, checksum, source
        if ((h0 & 0xffff_ff00L) != 0x0800_4500L // IPv4, version 4, 20-byte header
                || (h1 & 0x3fff) != 0) { // a fragment (more fragments, or an offset)
            return NOT_COMMON;
        }
        final int ipEnd = OUTER_IP + ((int) (h1 >>> 32) & 0xffff);
        if (ipEnd < OUTER_L4 || ipEnd > wire) {
            return NOT_COMMON; // a bad total length: the general way names it
        }
        final int w = ipEnd; // the tunnel payload ends where the outer IP packet does (not at Ethernet padding)
        final int c = Math.min(cap, ipEnd);
        final int proto = (int) (h2 >>> 48) & 0xff;
        final int src = (int) h2;
        if (proto == PacketParser.PROTO_GRE) {
            if (!(decap.gre() || decap.erspan()) || OUTER_L4 + GRE_HEADER_LENGTH > c) {
                return NOT_COMMON;
            }
            p.ipv4Addresses(src, seg.get(U32, base + PacketParser.IPV4_DST_OFFSET + OUTER_IP));
            return common(gre(p, decap, seg, base, OUTER_L4, c, w, mayEnter));
        }
        if (proto != Packet.PROTO_UDP || ipEnd < OUTER_UDP_PAYLOAD) {
            return NOT_COMMON;
        }
        final long u = seg.get(Packet.U64, base + OUTER_L4); // ports, length, checksum
        final int udpLength = (int) (u >>> 16) & 0xffff;
        final int kind = decap.udpKind((int) (u >>> 32) & 0xffff);
        if (kind == 0 || udpLength < PacketParser.UDP_HEADER_LENGTH || OUTER_L4 + udpLength > ipEnd) {
            return NOT_COMMON;
        }
        p.ipv4Addresses(src, seg.get(U32, base + PacketParser.IPV4_DST_OFFSET + OUTER_IP));
        return common(kind == Decap.UDP_VXLAN ? vxlan(p, seg, base, OUTER_UDP_PAYLOAD, c, w, mayEnter)
                : kind == Decap.UDP_GENEVE ? geneve(p, seg, base, OUTER_UDP_PAYLOAD, c, w, mayEnter)
                : gtpu(p, seg, base, OUTER_UDP_PAYLOAD, c, w, mayEnter));
    }

    /**
     * A tunnel entered, or the general way: plain GRE traffic, and every error (found before the packet was
     * re-pointed: the general way parses it again and counts the reason) — rare, so taken twice.
     */
    private static int common(int status) {
        return status == PacketParser.OK ? PacketParser.OK : NOT_COMMON;
    }

    private static int gre(ParsedPacket p, Decap decap, MemorySegment seg, long base, int g, int cap, int wire,
                           boolean mayEnter) {
        if (g <= 0) { // the parser found no room for the GRE header
            return p.captureLength() < p.wireLength() ? MalformedReason.SNAPLEN_TRUNCATED.ordinal()
                    : MalformedReason.GRE_TRUNCATED.ordinal();
        }
        final int flags = u16(seg, base + g);
        if ((flags & 0x7) != 0 || (flags & GRE_ROUTING) != 0) {
            return NOT_A_TUNNEL; // PPTP's enhanced GRE (version 1) or RFC 1701 source routing: plain GRE traffic
        }
        final int type = u16(seg, base + g + 2);
        int h = g + GRE_HEADER_LENGTH + ((flags & GRE_CHECKSUM) != 0 ? 4 : 0);
        final int keyAt = h;
        h += (flags & GRE_KEY) != 0 ? 4 : 0;
        h += (flags & GRE_SEQUENCE) != 0 ? 4 : 0;
        if (h > wire) {
            return MalformedReason.GRE_TRUNCATED.ordinal();
        }
        if (h > cap) {
            return MalformedReason.SNAPLEN_TRUNCATED.ordinal();
        }
        if (type == GRE_ERSPAN_I_II && decap.erspan()) {
            if ((flags & GRE_SEQUENCE) == 0) { // type I: no ERSPAN header at all
                return enter(p, h, LinkTypes.ETHERNET, cap, wire, Packet.TUNNEL_ERSPAN_I, 0, 0, mayEnter);
            }
            if (h + ERSPAN_II_HEADER_LENGTH > wire) {
                return MalformedReason.ERSPAN_TRUNCATED.ordinal();
            }
            if (h + ERSPAN_II_HEADER_LENGTH > cap) {
                return MalformedReason.SNAPLEN_TRUNCATED.ordinal();
            }
            int w0 = seg.get(U32, base + h);
            if ((w0 >>> 28) != 1) {
                return MalformedReason.ERSPAN_BAD_VERSION.ordinal();
            }
            return enter(p, h + ERSPAN_II_HEADER_LENGTH, LinkTypes.ETHERNET, cap, wire, Packet.TUNNEL_ERSPAN_II,
                    w0 & 0x3ff, 0, mayEnter);
        }
        if (type == GRE_ERSPAN_III && decap.erspan()) {
            if (h + ERSPAN_III_HEADER_LENGTH > wire) {
                return MalformedReason.ERSPAN_TRUNCATED.ordinal();
            }
            if (h + ERSPAN_III_HEADER_LENGTH > cap) {
                return MalformedReason.SNAPLEN_TRUNCATED.ordinal();
            }
            int w0 = seg.get(U32, base + h);
            int w2 = seg.get(U32, base + h + 8);
            if ((w0 >>> 28) != 2) {
                return MalformedReason.ERSPAN_BAD_VERSION.ordinal();
            }
            // word 2: SGT(16) P(1) FT(5) HwID(6) D(1) Gra(2) O(1)
            int inner = h + ERSPAN_III_HEADER_LENGTH + ((w2 & 1) != 0 ? ERSPAN_III_PLATFORM_LENGTH : 0);
            if (inner > wire) {
                return MalformedReason.ERSPAN_TRUNCATED.ordinal();
            }
            int frameType = (w2 >>> 10) & 0x1f;
            int link = frameType == 0 ? LinkTypes.ETHERNET : frameType == 2 ? LinkTypes.RAW : -1;
            if (link < 0) {
                return MalformedReason.TUNNEL_PAYLOAD_UNSUPPORTED.ordinal();
            }
            int direction = (w2 & 0x8) != 0 ? Packet.DIRECTION_EGRESS : Packet.DIRECTION_INGRESS;
            return enter(p, inner, link, cap, wire, Packet.TUNNEL_ERSPAN_III, w0 & 0x3ff, direction, mayEnter);
        }
        if (!decap.gre()) {
            return NOT_A_TUNNEL;
        }
        long key = (flags & GRE_KEY) != 0 ? seg.get(U32, base + keyAt) & 0xffffffffL : 0;
        return switch (type) {
            case GRE_TRANSPARENT_ETHERNET -> enter(p, h, LinkTypes.ETHERNET, cap, wire, Packet.TUNNEL_GRE, key, 0,
                    mayEnter);
            case PacketParser.ETHERTYPE_IPV4 -> enter(p, h, LinkTypes.IPV4, cap, wire, Packet.TUNNEL_GRE, key, 0,
                    mayEnter);
            case PacketParser.ETHERTYPE_IPV6 -> enter(p, h, LinkTypes.IPV6, cap, wire, Packet.TUNNEL_GRE, key, 0,
                    mayEnter);
            default -> NOT_A_TUNNEL; // GRE carrying something else (PPP, WCCP...): plain GRE traffic
        };
    }

    private static int vxlan(ParsedPacket p, MemorySegment seg, long base, int h, int cap, int wire,
                             boolean mayEnter) {
        if (h + VXLAN_HEADER_LENGTH > wire) {
            return MalformedReason.VXLAN_TRUNCATED.ordinal();
        }
        if (h + VXLAN_HEADER_LENGTH > cap) {
            return MalformedReason.SNAPLEN_TRUNCATED.ordinal();
        }
        if ((u8(seg, base + h) & VXLAN_FLAG_VNI) == 0) {
            return MalformedReason.VXLAN_BAD_FLAGS.ordinal();
        }
        long vni = (seg.get(U32, base + h + 4) >>> 8) & 0xffffffL;
        return enter(p, h + VXLAN_HEADER_LENGTH, LinkTypes.ETHERNET, cap, wire, Packet.TUNNEL_VXLAN, vni, 0,
                mayEnter);
    }

    private static int geneve(ParsedPacket p, MemorySegment seg, long base, int h, int cap, int wire,
                              boolean mayEnter) {
        if (h + GENEVE_HEADER_LENGTH > wire) {
            return MalformedReason.GENEVE_TRUNCATED.ordinal();
        }
        if (h + GENEVE_HEADER_LENGTH > cap) {
            return MalformedReason.SNAPLEN_TRUNCATED.ordinal();
        }
        int first = u8(seg, base + h);
        if ((first >>> 6) != 0) {
            return MalformedReason.GENEVE_BAD_VERSION.ordinal();
        }
        int inner = h + GENEVE_HEADER_LENGTH + ((first & 0x3f) << 2);
        if (inner > wire) {
            return MalformedReason.GENEVE_TRUNCATED.ordinal();
        }
        int type = u16(seg, base + h + 2);
        long vni = (seg.get(U32, base + h + 4) >>> 8) & 0xffffffL;
        int link = switch (type) {
            case GRE_TRANSPARENT_ETHERNET -> LinkTypes.ETHERNET;
            case PacketParser.ETHERTYPE_IPV4 -> LinkTypes.IPV4;
            case PacketParser.ETHERTYPE_IPV6 -> LinkTypes.IPV6;
            default -> -1;
        };
        if (link < 0) {
            return MalformedReason.TUNNEL_PAYLOAD_UNSUPPORTED.ordinal();
        }
        return enter(p, inner, link, cap, wire, Packet.TUNNEL_GENEVE, vni, 0, mayEnter);
    }

    private static int gtpu(ParsedPacket p, MemorySegment seg, long base, int h, int cap, int wire,
                            boolean mayEnter) {
        if (h + GTPU_HEADER_LENGTH > wire) {
            return MalformedReason.GTPU_TRUNCATED.ordinal();
        }
        if (h + GTPU_HEADER_LENGTH > cap) {
            return MalformedReason.SNAPLEN_TRUNCATED.ordinal();
        }
        int flags = u8(seg, base + h);
        if ((flags >>> 5) != 1 || (flags & 0x10) == 0) {
            return MalformedReason.GTPU_BAD_HEADER.ordinal(); // not version 1, or GTP' (protocol type 0)
        }
        long teid = seg.get(U32, base + h + 4) & 0xffffffffL;
        if (u8(seg, base + h + 1) != GTPU_G_PDU) {
            return MalformedReason.GTPU_NOT_GPDU.ordinal();
        }
        int inner = h + GTPU_HEADER_LENGTH;
        if ((flags & 0x07) != 0) { // E, S or PN: sequence number, N-PDU number, next extension type follow
            inner += GTPU_OPTIONAL_LENGTH;
            if (inner > wire) {
                return MalformedReason.GTPU_TRUNCATED.ordinal();
            }
            if (inner > cap) {
                return MalformedReason.SNAPLEN_TRUNCATED.ordinal();
            }
            int next = (flags & 0x04) != 0 ? u8(seg, base + inner - 1) : 0;
            for (int n = 0; next != 0; n++) {
                if (n >= GTPU_MAX_EXTENSIONS) {
                    return MalformedReason.GTPU_BAD_HEADER.ordinal();
                }
                if (inner + 1 > wire) {
                    return MalformedReason.GTPU_TRUNCATED.ordinal();
                }
                if (inner + 1 > cap) {
                    return MalformedReason.SNAPLEN_TRUNCATED.ordinal();
                }
                int len = u8(seg, base + inner) << 2; // in 4-octet units, with the length and next-type bytes
                if (len == 0) {
                    return MalformedReason.GTPU_BAD_HEADER.ordinal();
                }
                if (inner + len > wire) {
                    return MalformedReason.GTPU_TRUNCATED.ordinal();
                }
                if (inner + len > cap) {
                    return MalformedReason.SNAPLEN_TRUNCATED.ordinal();
                }
                next = u8(seg, base + inner + len - 1);
                inner += len;
            }
        }
        // a G-PDU carries an IP packet (or nothing, for an end marker-like empty PDU)
        return enter(p, inner, LinkTypes.RAW, cap, wire, Packet.TUNNEL_GTPU, teid, 0, mayEnter);
    }

    private static int enter(ParsedPacket p, int inner, int linkType, int cap, int wire, int tunnelType, long id,
                             int direction, boolean mayEnter) {
        if (!mayEnter) {
            return MalformedReason.TUNNEL_TOO_DEEP.ordinal();
        }
        if (inner >= wire) {
            return MalformedReason.TUNNEL_PAYLOAD_UNSUPPORTED.ordinal(); // an empty tunnel
        }
        p.enterTunnel(inner, linkType, Math.max(0, cap - inner), wire - inner, tunnelType, id);
        if (direction != 0) {
            p.direction(direction);
        }
        return PacketParser.OK;
    }
}
