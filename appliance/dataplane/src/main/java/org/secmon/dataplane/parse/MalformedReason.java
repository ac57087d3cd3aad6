package org.secmon.dataplane.parse;

/**
 * Why a frame was skipped: malformed, or (where {@link #malformed()} is false) well formed but not decoded, as a
 * GTP-U echo. The ordinal indexes the rx agent's counter array; {@link #NONE}
 * means the frame parsed.
 */
public enum MalformedReason {
    NONE("ok"),
    ETHERNET_TRUNCATED("frame shorter than an Ethernet header"),
    VLAN_TRUNCATED("VLAN tag cut short"),
    VLAN_TOO_DEEP("more than 4 stacked VLAN tags"),
    IPV4_TRUNCATED("IPv4 header cut short"),
    IPV4_BAD_VERSION("IPv4 EtherType but IP version is not 4"),
    IPV4_BAD_HEADER_LENGTH("IPv4 IHL below 5"),
    IPV4_BAD_TOTAL_LENGTH("IPv4 total length below header length or beyond the frame"),
    IPV6_TRUNCATED("IPv6 header cut short"),
    IPV6_BAD_VERSION("IPv6 EtherType but IP version is not 6"),
    IPV6_BAD_PAYLOAD_LENGTH("IPv6 payload length beyond the frame"),
    IPV6_EXT_TRUNCATED("IPv6 extension header cut short or beyond the payload"),
    IPV6_EXT_TOO_MANY("more than 8 IPv6 extension headers"),
    TCP_TRUNCATED("TCP header cut short"),
    TCP_BAD_DATA_OFFSET("TCP data offset below 5 or beyond the segment"),
    UDP_TRUNCATED("UDP header cut short"),
    UDP_BAD_LENGTH("UDP length below 8 or beyond the datagram"),
    ICMP_TRUNCATED("ICMP/ICMPv6 header cut short"),
    SCTP_TRUNCATED("SCTP common header cut short"),
    SNAPLEN_TRUNCATED("header cut by the capture's snap length"),
    LINK_TYPE_UNSUPPORTED("link type not decoded"),
    LINK_HEADER_TRUNCATED("link-layer header (SLL, SLL2, NULL, raw) cut short"),
    PPPOE_TRUNCATED("PPPoE session header cut short"),
    MPLS_TRUNCATED("MPLS label stack cut short"),
    MPLS_TOO_DEEP("more than 8 MPLS labels"),
    GRE_TRUNCATED("GRE header cut short"),
    GRE_BAD_VERSION("GRE version other than 0 (e.g. PPTP's enhanced GRE)"),
    ERSPAN_TRUNCATED("ERSPAN header cut short"),
    ERSPAN_BAD_VERSION("ERSPAN version field does not match its GRE protocol type"),
    VXLAN_TRUNCATED("VXLAN header cut short"),
    VXLAN_BAD_FLAGS("VXLAN header without the VNI flag"),
    GENEVE_TRUNCATED("GENEVE header or options cut short"),
    GENEVE_BAD_VERSION("GENEVE version other than 0"),
    GTPU_TRUNCATED("GTP-U header or extension headers cut short"),
    GTPU_BAD_HEADER("GTP-U version other than 1, GTP' or a bad extension header"),
    GTPU_NOT_GPDU(false, "GTP-U message other than G-PDU (echo, error indication, end marker): counted, not decoded"),
    TUNNEL_PAYLOAD_UNSUPPORTED("tunnel payload type not decoded (neither Ethernet nor IP)"),
    TUNNEL_OUTER_FRAGMENT(false, "fragment of a tunnel's outer packet: counted, not decoded"),
    TUNNEL_TOO_DEEP("tunnels nested deeper than the decap depth");

    private static final MalformedReason[] VALUES = values();

    private final boolean malformed;
    private final String description;

    MalformedReason(String description) {
        this(true, description);
    }

    MalformedReason(boolean malformed, String description) {
        this.malformed = malformed;
        this.description = description;
    }

    /** False for frames that are well formed but not decoded by choice (counted as skipped, not malformed). */
    public boolean malformed() {
        return malformed;
    }

    public String description() {
        return description;
    }

    /** Counter-friendly name, e.g. {@code ipv4_bad_total_length}. */
    public String key() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }

    public static MalformedReason of(int ordinal) {
        return VALUES[ordinal];
    }

    public static int count() {
        return VALUES.length;
    }
}
