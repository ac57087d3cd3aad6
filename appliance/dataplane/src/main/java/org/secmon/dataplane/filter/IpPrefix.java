package org.secmon.dataplane.filter;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.UnknownHostException;

import org.secmon.plugin.Packet;
import org.secmon.plugin.PacketFormat;

/**
 * An IPv4 or IPv6 prefix in the 128-bit address space the classifier uses (IPv4 as IPv4-mapped IPv6).
 * {@link #ANY} ({@code ::/0}) matches every packet, including frames without IP; {@code 0.0.0.0/0} matches all
 * IPv4 packets only.
 */
public record IpPrefix(long hi, long lo, int length) {
    public static final IpPrefix ANY = new IpPrefix(0, 0, 0);

    public IpPrefix {
        if (length < 0 || length > 128) {
            throw new IllegalArgumentException("prefix length must be 0..128: " + length);
        }
        // normalise: clear host bits
        long[] m = mask(length);
        hi &= m[0];
        lo &= m[1];
    }

    /**
     * Parse {@code any}, {@code *}, {@code 10.0.0.0/8}, {@code 10.1.2.3}, {@code 2001:db8::/32} or an IPv6
     * address. Only literal addresses are accepted; host names are refused.
     */
    public static IpPrefix parse(String text) {
        String s = text.trim();
        if (s.isEmpty() || s.equalsIgnoreCase("any") || s.equals("*")) {
            return ANY;
        }
        int slash = s.indexOf('/');
        String addr = slash < 0 ? s : s.substring(0, slash);
        if (!addr.matches("[0-9a-fA-F:.]+") || (!addr.contains(":") && !addr.matches("\\d{1,3}(\\.\\d{1,3}){3}"))) {
            throw new IllegalArgumentException("not an IP address or prefix: '" + text + "'");
        }
        InetAddress ia;
        try {
            ia = InetAddress.getByName(addr);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("not an IP address or prefix: '" + text + "'");
        }
        boolean v4 = ia instanceof Inet4Address;
        int max = v4 ? 32 : 128;
        int len = max;
        if (slash >= 0) {
            try {
                len = Integer.parseInt(s.substring(slash + 1));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("bad prefix length in '" + text + "'");
            }
            if (len < 0 || len > max) {
                throw new IllegalArgumentException("prefix length must be 0.." + max + " in '" + text + "'");
            }
        }
        byte[] b = ia.getAddress();
        if (v4) {
            int a = ((b[0] & 0xff) << 24) | ((b[1] & 0xff) << 16) | ((b[2] & 0xff) << 8) | (b[3] & 0xff);
            return new IpPrefix(Packet.V4_MAPPED_HI, Packet.V4_MAPPED_LO_PREFIX | (a & 0xffffffffL), 96 + len);
        }
        long hi = 0;
        long lo = 0;
        for (int i = 0; i < 8; i++) {
            hi = (hi << 8) | (b[i] & 0xff);
            lo = (lo << 8) | (b[8 + i] & 0xff);
        }
        return new IpPrefix(hi, lo, len);
    }

    public boolean isAny() {
        return length == 0;
    }

    public boolean isIpv4() {
        return length >= 96 && org.secmon.plugin.PacketFormat.isIpv4Mapped(hi, lo);
    }

    /** First address of the prefix: {hi, lo}. */
    public long[] first() {
        return new long[] {hi, lo};
    }

    /** Last address of the prefix: {hi, lo}. */
    public long[] last() {
        long[] m = mask(length);
        return new long[] {hi | ~m[0], lo | ~m[1]};
    }

    public boolean contains(long aHi, long aLo) {
        long[] m = mask(length);
        return (aHi & m[0]) == hi && (aLo & m[1]) == lo;
    }

    static long[] mask(int length) {
        long mhi = length == 0 ? 0 : length >= 64 ? -1L : -1L << (64 - length);
        long mlo = length <= 64 ? 0 : length == 128 ? -1L : -1L << (128 - length);
        return new long[] {mhi, mlo};
    }

    @Override
    public String toString() {
        if (length == 0) {
            return "any";
        }
        if (isIpv4()) {
            return PacketFormat.address(hi, lo, 4) + "/" + (length - 96);
        }
        return PacketFormat.address(hi, lo, 6) + "/" + length;
    }
}
