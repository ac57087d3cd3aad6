package org.secmon.plugin;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Locale;

/** Packets and their fields as people read them: logs, the SSH CLI's capture, errors. Allocates; never per packet. */
public final class PacketFormat {
    private PacketFormat() {
    }

    /** The source address, or "-" for a frame without IP. */
    public static String srcAddress(Packet p) {
        return address(p.srcHi(), p.srcLo(), p.ipVersion());
    }

    /** The destination address, or "-" for a frame without IP. */
    public static String dstAddress(Packet p) {
        return address(p.dstHi(), p.dstLo(), p.ipVersion());
    }

    /** An IP protocol number as operators read it: TCP, UDP, ICMP, ICMPv6, SCTP, else "proto N". */
    public static String protocolName(int protocol) {
        return switch (protocol) {
            case Packet.PROTO_TCP -> "TCP";
            case Packet.PROTO_UDP -> "UDP";
            case Packet.PROTO_ICMP -> "ICMP";
            case Packet.PROTO_ICMPV6 -> "ICMPv6";
            case Packet.PROTO_SCTP -> "SCTP";
            default -> "proto " + protocol;
        };
    }

    /** TCP flags as tcpdump's letters (F S R P A U E C, lowest bit first), "." for none. */
    public static String tcpFlags(int flags) {
        StringBuilder s = new StringBuilder();
        String names = "FSRPAUEC";
        for (int i = 0; i < 8; i++) {
            if ((flags & (1 << i)) != 0) {
                s.append(names.charAt(i));
            }
        }
        return s.isEmpty() ? "." : s.toString();
    }

    /** A 128-bit address (IPv4-mapped for version 4) in its usual text form; "-" for version 0. */
    public static String address(long hi, long lo, int version) {
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
            return InetAddress.getByAddress(b).getHostAddress();
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A MAC address (low 48 bits) as aa:bb:cc:dd:ee:ff. */
    public static String mac(long mac) {
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

    /** One line: length, VLANs, addresses and ports (or MACs and EtherType), protocol, flags, ICMP, fragment. */
    public static String describe(Packet p) {
        StringBuilder sb = new StringBuilder();
        sb.append("len=").append(p.wireLength());
        if (p.vlanCount() > 0) {
            sb.append(" vlan=").append(p.outerVlan());
            if (p.vlanCount() > 1) {
                sb.append('/').append(p.innerVlan());
            }
        }
        if (p.ipVersion() == 0) {
            sb.append(" ").append(mac(p.srcMac())).append(" > ").append(mac(p.dstMac()))
                    .append(String.format(Locale.ROOT, " ethertype=0x%04x", p.etherType()));
            return sb.toString();
        }
        sb.append(" IPv").append(p.ipVersion()).append(' ').append(srcAddress(p));
        if (p.hasPorts()) {
            sb.append(':').append(p.srcPort());
        }
        sb.append(" > ").append(dstAddress(p));
        if (p.hasPorts()) {
            sb.append(':').append(p.dstPort());
        }
        sb.append(" proto=").append(p.protocol());
        if (p.protocol() == Packet.PROTO_TCP) {
            sb.append(" flags=0x").append(Integer.toHexString(p.tcpFlags()));
        }
        if (p.protocol() == Packet.PROTO_ICMP || p.protocol() == Packet.PROTO_ICMPV6) {
            sb.append(" type=").append(p.icmpType()).append(" code=").append(p.icmpCode());
        }
        if (p.isFragment()) {
            sb.append(" frag off=").append(p.fragmentOffset()).append(p.moreFragments() ? " MF" : "");
        }
        if (p.tunnelType() != Packet.TUNNEL_NONE) {
            sb.append(" via ").append(observationPoint(p.tunnelType(), p.tunnelSrcHi(), p.tunnelSrcLo(),
                    p.tunnelId()));
        }
        return sb.toString();
    }

    /** A tunnel type's name: erspan-i, erspan-ii, erspan-iii, gre, vxlan, geneve, gtpu (none for 0). */
    public static String tunnelName(int type) {
        return switch (type) {
            case Packet.TUNNEL_NONE -> "none";
            case Packet.TUNNEL_ERSPAN_I -> "erspan-i";
            case Packet.TUNNEL_ERSPAN_II -> "erspan-ii";
            case Packet.TUNNEL_ERSPAN_III -> "erspan-iii";
            case Packet.TUNNEL_GRE -> "gre";
            case Packet.TUNNEL_VXLAN -> "vxlan";
            case Packet.TUNNEL_GENEVE -> "geneve";
            case Packet.TUNNEL_GTPU -> "gtpu";
            default -> "tunnel " + type;
        };
    }

    /** What a tunnel's id is called: session (ERSPAN), key (GRE), vni (VXLAN, GENEVE), teid (GTP-U). */
    public static String tunnelIdName(int type) {
        return switch (type) {
            case Packet.TUNNEL_ERSPAN_I, Packet.TUNNEL_ERSPAN_II, Packet.TUNNEL_ERSPAN_III -> "session";
            case Packet.TUNNEL_GRE -> "key";
            case Packet.TUNNEL_VXLAN, Packet.TUNNEL_GENEVE -> "vni";
            case Packet.TUNNEL_GTPU -> "teid";
            default -> "id";
        };
    }

    /** An observation point as people read it, e.g. {@code vxlan 192.0.2.1 vni 100}. */
    public static String observationPoint(int type, long srcHi, long srcLo, long id) {
        return tunnelName(type) + " " + address(srcHi, srcLo) + " " + tunnelIdName(type) + " " + id;
    }

    /** A 128-bit address in its usual text form, dotted quad when it is IPv4-mapped (as the packet's are). */
    public static String address(long hi, long lo) {
        return address(hi, lo, isIpv4Mapped(hi, lo) ? 4 : 6);
    }

    /** Whether a 128-bit address is an IPv4-mapped one (::ffff:a.b.c.d, as the packet's IPv4 addresses are held). */
    public static boolean isIpv4Mapped(long hi, long lo) {
        return hi == Packet.V4_MAPPED_HI && (lo & 0xffff_ffff_0000_0000L) == Packet.V4_MAPPED_LO_PREFIX;
    }
}
