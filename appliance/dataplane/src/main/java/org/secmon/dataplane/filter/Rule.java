package org.secmon.dataplane.filter;

import java.util.Objects;

/**
 * One filter rule: a 7-tuple classification object, a priority (1 highest .. 65535), an action and a truncation
 * size (0 = whole packet, else 1..1600 bytes delivered to the plugin).
 *
 * @param protocol IP protocol 0..255, or {@link #ANY_PROTOCOL}
 * @param srcMac   MAC in the low 48 bits, or {@link #ANY_MAC}
 */
public record Rule(int priority, IpPrefix src, IpPrefix dst, int protocol, PortRange srcPorts, PortRange dstPorts,
                   long srcMac, long dstMac, Action action, int truncateToSize) {
    public static final int ANY_PROTOCOL = -1;
    public static final long ANY_MAC = -1L;
    public static final int MIN_PRIORITY = 1;
    public static final int MAX_PRIORITY = 65535;
    public static final int MAX_TRUNCATE = 1600;

    public Rule {
        if (priority < MIN_PRIORITY || priority > MAX_PRIORITY) {
            throw new IllegalArgumentException("priority must be 1..65535: " + priority);
        }
        Objects.requireNonNull(src, "src");
        Objects.requireNonNull(dst, "dst");
        Objects.requireNonNull(srcPorts, "srcPorts");
        Objects.requireNonNull(dstPorts, "dstPorts");
        Objects.requireNonNull(action, "action");
        if (protocol < ANY_PROTOCOL || protocol > 255) {
            throw new IllegalArgumentException("protocol must be 0..255 or any: " + protocol);
        }
        if (truncateToSize < 0 || truncateToSize > MAX_TRUNCATE) {
            throw new IllegalArgumentException("truncate_to_size must be 0..1600: " + truncateToSize);
        }
        if (srcMac != ANY_MAC && (srcMac >>> 48) != 0 || dstMac != ANY_MAC && (dstMac >>> 48) != 0) {
            throw new IllegalArgumentException("MAC addresses have 48 bits");
        }
    }

    /**
     * The same rule for the other direction of a conversation: source and destination (addresses, ports, MACs)
     * swapped. A rule written for the traffic towards a service ({@code dst_port 53}) matches its answers this way.
     */
    public Rule reversed() {
        return new Rule(priority, dst, src, protocol, dstPorts, srcPorts, dstMac, srcMac, action, truncateToSize);
    }

    /** True when the rule matches the same packets in both directions (its reverse is itself). */
    public boolean isSymmetric() {
        return equals(reversed());
    }

    /** A rule that forwards everything (priority 65535). */
    public static Rule forwardAll() {
        return new Rule(MAX_PRIORITY, IpPrefix.ANY, IpPrefix.ANY, ANY_PROTOCOL, PortRange.ANY, PortRange.ANY,
                ANY_MAC, ANY_MAC, Action.FORWARD, 0);
    }

    /** Parse a MAC {@code aa:bb:cc:dd:ee:ff} (or with '-'), {@code any} or {@code *}. */
    public static long parseMac(String text) {
        String s = text.trim();
        if (s.isEmpty() || s.equalsIgnoreCase("any") || s.equals("*")) {
            return ANY_MAC;
        }
        String[] parts = s.split("[:-]");
        if (parts.length != 6) {
            throw new IllegalArgumentException("not a MAC address: '" + text + "'");
        }
        long v = 0;
        for (String p : parts) {
            if (!p.matches("[0-9a-fA-F]{1,2}")) {
                throw new IllegalArgumentException("not a MAC address: '" + text + "'");
            }
            v = (v << 8) | Integer.parseInt(p, 16);
        }
        return v;
    }

    /** Parse {@code any}, a number 0..255, or a keyword of {@link org.secmon.plugin.IpProtocols} (as the EMS does). */
    public static int parseProtocol(String text) {
        int p = org.secmon.plugin.IpProtocols.parse(text);
        if (p == org.secmon.plugin.IpProtocols.INVALID) {
            throw new IllegalArgumentException("unknown protocol '" + text + "': a number 0..255, any, or "
                    + org.secmon.plugin.IpProtocols.describe());
        }
        return p == org.secmon.plugin.IpProtocols.ANY ? ANY_PROTOCOL : p;
    }

    /** The packet fields this rule tests, in the classifier's order. */
    boolean matchesSlow(org.secmon.plugin.Packet p) {
        boolean ip = p.ipVersion() != 0;
        if (!src.isAny() && !(ip && src.contains(p.srcHi(), p.srcLo()))) {
            return false;
        }
        if (!dst.isAny() && !(ip && dst.contains(p.dstHi(), p.dstLo()))) {
            return false;
        }
        if (protocol != ANY_PROTOCOL && !(ip && p.protocol() == protocol)) {
            return false;
        }
        if (!srcPorts.isAny() && !(p.hasPorts() && p.srcPort() >= srcPorts.from() && p.srcPort() <= srcPorts.to())) {
            return false;
        }
        if (!dstPorts.isAny() && !(p.hasPorts() && p.dstPort() >= dstPorts.from() && p.dstPort() <= dstPorts.to())) {
            return false;
        }
        if (srcMac != ANY_MAC && p.srcMac() != srcMac) {
            return false;
        }
        return dstMac == ANY_MAC || p.dstMac() == dstMac;
    }
}
