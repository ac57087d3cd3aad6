package org.secmon.dataplane.filter;

/** An inclusive port range; {@link #ANY} also matches packets that have no ports (ICMP, later fragments). */
public record PortRange(int from, int to) {
    public static final PortRange ANY = new PortRange(0, 65535);

    public PortRange {
        if (from < 0 || to > 65535 || from > to) {
            throw new IllegalArgumentException("port range must satisfy 0 <= from <= to <= 65535: " + from + "-" + to);
        }
    }

    /** Parse {@code any}, {@code 80}, {@code 1024-65535}. */
    public static PortRange parse(String text) {
        String s = text.trim();
        if (s.isEmpty() || s.equalsIgnoreCase("any") || s.equals("*")) {
            return ANY;
        }
        try {
            int dash = s.indexOf('-');
            if (dash < 0) {
                int p = Integer.parseInt(s);
                return new PortRange(p, p);
            }
            return new PortRange(Integer.parseInt(s.substring(0, dash).trim()),
                    Integer.parseInt(s.substring(dash + 1).trim()));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("not a port or port range: '" + text + "'");
        }
    }

    public boolean isAny() {
        return from == 0 && to == 65535;
    }

    @Override
    public String toString() {
        return isAny() ? "any" : from == to ? Integer.toString(from) : from + "-" + to;
    }
}
