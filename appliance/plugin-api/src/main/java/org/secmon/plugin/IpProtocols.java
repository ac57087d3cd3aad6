package org.secmon.plugin;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * The one table of IP protocol keywords (IANA "Assigned Internet Protocol Numbers", the names tcpdump and nftables
 * use) that the EMS validates rules with, the console offers and the appliance compiles: a keyword one accepts, all
 * accept, with the same number. A number 0-255 is accepted too, and {@code any} (or {@code *}, or empty) for every
 * protocol.
 */
public final class IpProtocols {
    /** What {@link #parse} answers for {@code any}. */
    public static final int ANY = 256;
    /** What {@link #parse} answers for text that is no protocol. */
    public static final int INVALID = -1;

    private static final Map<String, Integer> NAMES;

    static {
        Map<String, Integer> m = new LinkedHashMap<>();
        m.put("tcp", 6);
        m.put("udp", 17);
        m.put("icmp", 1);
        m.put("icmpv6", 58);
        m.put("ipv6-icmp", 58); // IANA's keyword for 58
        m.put("sctp", 132);
        m.put("gre", 47);
        m.put("esp", 50);
        m.put("ah", 51);
        NAMES = Collections.unmodifiableMap(m);
    }

    private IpProtocols() {
    }

    /** Every keyword with its number, in the order a form offers them. */
    public static Map<String, Integer> names() {
        return NAMES;
    }

    /** The protocol number of a keyword or number (case and surrounding blanks ignored), {@link #ANY} or {@link #INVALID}. */
    public static int parse(String text) {
        String s = text == null ? "" : text.strip().toLowerCase(Locale.ROOT);
        if (s.isEmpty() || s.equals("any") || s.equals("*")) {
            return ANY;
        }
        Integer named = NAMES.get(s);
        if (named != null) {
            return named;
        }
        if (!s.matches("[0-9]{1,3}")) {
            return INVALID;
        }
        int n = Integer.parseInt(s);
        return n <= 255 ? n : INVALID;
    }

    /** For messages: the keywords, e.g. "tcp, udp, icmp, ...". */
    public static String describe() {
        return String.join(", ", NAMES.keySet());
    }
}
