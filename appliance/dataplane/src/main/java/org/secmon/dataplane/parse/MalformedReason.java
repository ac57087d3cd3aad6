package org.secmon.dataplane.parse;

/**
 * Why a frame was counted as malformed and skipped. The ordinal indexes the rx agent's counter array; {@link #NONE}
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
    SNAPLEN_TRUNCATED("header cut by the capture's snap length");

    private static final MalformedReason[] VALUES = values();

    private final String description;

    MalformedReason(String description) {
        this.description = description;
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
