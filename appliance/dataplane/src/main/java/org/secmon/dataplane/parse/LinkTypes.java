package org.secmon.dataplane.parse;

/**
 * The link types a frame may have, by their numbers in tcpdump.org's LINKTYPE registry (what pcap and pcapng files
 * record): the ones {@link PacketParser} reads, and names for messages about the ones it does not.
 */
public final class LinkTypes {
    /** BSD loopback: 4-byte address family in the capturing host's byte order. */
    public static final int NULL = 0;
    public static final int ETHERNET = 1;
    /** Raw IP as some BSDs number DLT_RAW (files written there keep the number). */
    public static final int RAW_BSD_12 = 12;
    public static final int RAW_BSD_14 = 14;
    /** Raw IP, version from the first nibble. */
    public static final int RAW = 101;
    /** OpenBSD loopback: 4-byte address family in network byte order. */
    public static final int LOOP = 108;
    /** Linux cooked capture v1 ({@code tcpdump -i any} before libpcap 1.10). */
    public static final int LINUX_SLL = 113;
    public static final int IPV4 = 228;
    public static final int IPV6 = 229;
    /** Linux cooked capture v2 ({@code tcpdump -i any} since libpcap 1.10). */
    public static final int LINUX_SLL2 = 276;

    private LinkTypes() {
    }

    public static boolean supported(int linkType) {
        return switch (linkType) {
            case NULL, ETHERNET, RAW_BSD_12, RAW_BSD_14, RAW, LOOP, LINUX_SLL, IPV4, IPV6, LINUX_SLL2 -> true;
            default -> false;
        };
    }

    /** The registry's name, e.g. {@code LINUX_SLL2}, or {@code LINKTYPE_<n>}. */
    public static String name(int linkType) {
        return switch (linkType) {
            case NULL -> "NULL";
            case ETHERNET -> "ETHERNET";
            case RAW_BSD_12, RAW_BSD_14, RAW -> "RAW";
            case LOOP -> "LOOP";
            case LINUX_SLL -> "LINUX_SLL";
            case IPV4 -> "IPV4";
            case IPV6 -> "IPV6";
            case LINUX_SLL2 -> "LINUX_SLL2";
            case 105 -> "IEEE802_11";
            case 127 -> "IEEE802_11_RADIOTAP";
            case 9 -> "PPP";
            case 50 -> "PPP_HDLC";
            case 104 -> "C_HDLC";
            case 220 -> "USB_LINUX_MMAPPED";
            case 249 -> "NETLINK";
            default -> "LINKTYPE_" + linkType;
        };
    }

    /** What may be read, for error messages. */
    public static String supportedList() {
        return "ETHERNET (1), RAW (101; 12, 14), IPV4 (228), IPV6 (229), LINUX_SLL (113), LINUX_SLL2 (276),"
                + " NULL (0), LOOP (108)";
    }
}
