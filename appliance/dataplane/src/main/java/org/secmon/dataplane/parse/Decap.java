package org.secmon.dataplane.parse;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Which tunnels a source's frames are terminated from ({@code decap: none | auto | list}), immutable: the parser
 * reads it per frame, a configuration change swaps the whole object. GRE-based tunnels are recognised by the GRE
 * protocol type (ERSPAN I/II 0x88BE, ERSPAN III 0x22EB, transparent Ethernet 0x6558, IPv4, IPv6), UDP-based ones by
 * their destination port (VXLAN 4789 and Linux's 8472, GENEVE 6081, GTP-U 2152 unless configured otherwise).
 */
public final class Decap {
    /** What can be terminated. */
    public enum Kind {
        ERSPAN, GRE, VXLAN, GENEVE, GTPU;

        /** Well-known UDP destination ports (none for the GRE-based kinds). */
        public int[] defaultPorts() {
            return switch (this) {
                case VXLAN -> new int[] {4789, 8472};
                case GENEVE -> new int[] {6081};
                case GTPU -> new int[] {2152};
                default -> new int[0];
            };
        }

        public boolean udp() {
            return defaultPorts().length > 0;
        }

        public String key() {
            return name().toLowerCase(Locale.ROOT);
        }

        static Kind parse(String s) {
            String k = s.trim().toUpperCase(Locale.ROOT).replace("-", "");
            if (k.equals("GTP")) {
                k = "GTPU";
            }
            try {
                return valueOf(k);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("decap: unknown tunnel '" + s + "'; known: erspan, gre, vxlan,"
                        + " geneve, gtpu");
            }
        }
    }

    /** {@link #udpKind}'s codes. */
    static final int UDP_VXLAN = 3;
    static final int UDP_GENEVE = 4;
    static final int UDP_GTPU = 5;

    static {
        if (UDP_VXLAN != Kind.VXLAN.ordinal() + 1 || UDP_GENEVE != Kind.GENEVE.ordinal() + 1
                || UDP_GTPU != Kind.GTPU.ordinal() + 1) {
            throw new AssertionError("Decap.Kind's order changed");
        }
    }

    public static final int DEFAULT_MAX_DEPTH = 2;
    public static final int MAX_MAX_DEPTH = 8;

    /** Terminates nothing. */
    public static final Decap NONE = new Decap(EnumSet.noneOf(Kind.class), new EnumMap<>(Kind.class), 0);

    private final Set<Kind> kinds;
    private final Map<Kind, int[]> ports;
    private final boolean erspan;
    private final boolean gre;
    /** Per UDP destination port: 0, or the ordinal + 1 of the UDP tunnel kind on it. */
    private final byte[] udpKind = new byte[65536];
    private final int maxDepth;
    /** Any kind terminated (a field: asked for every packet). */
    private final boolean enabled;

    private Decap(Set<Kind> kinds, Map<Kind, int[]> ports, int maxDepth) {
        this.kinds = Set.copyOf(kinds);
        this.ports = Map.copyOf(ports);
        this.erspan = kinds.contains(Kind.ERSPAN);
        this.gre = kinds.contains(Kind.GRE);
        this.enabled = !kinds.isEmpty();
        this.maxDepth = maxDepth;
        for (Map.Entry<Kind, int[]> e : ports.entrySet()) {
            for (int port : e.getValue()) {
                if (udpKind[port] != 0 && udpKind[port] != e.getKey().ordinal() + 1) {
                    throw new IllegalArgumentException("decap: UDP port " + port + " given to both "
                            + Kind.values()[udpKind[port] - 1].key() + " and " + e.getKey().key());
                }
                udpKind[port] = (byte) (e.getKey().ordinal() + 1);
            }
        }
    }

    /** Every kind on its well-known ports. */
    public static Decap auto() {
        return of(EnumSet.allOf(Kind.class), Map.of(), DEFAULT_MAX_DEPTH);
    }

    /**
     * @param kinds    what to terminate
     * @param ports    UDP ports per UDP kind, replacing its well-known ones (kinds not named keep theirs)
     * @param maxDepth how many nested tunnels one frame may have terminated (1..{@value #MAX_MAX_DEPTH})
     */
    public static Decap of(Set<Kind> kinds, Map<Kind, int[]> ports, int maxDepth) {
        if (kinds.isEmpty()) {
            return NONE;
        }
        if (maxDepth < 1 || maxDepth > MAX_MAX_DEPTH) {
            throw new IllegalArgumentException("decap depth must be 1.." + MAX_MAX_DEPTH + ", not " + maxDepth);
        }
        Map<Kind, int[]> all = new EnumMap<>(Kind.class);
        for (Kind k : kinds) {
            if (!k.udp()) {
                if (ports.containsKey(k)) {
                    throw new IllegalArgumentException("decap: " + k.key() + " is recognised by its GRE protocol"
                            + " type and takes no port");
                }
                continue;
            }
            int[] p = ports.getOrDefault(k, k.defaultPorts());
            for (int port : p) {
                if (port < 1 || port > 65535) {
                    throw new IllegalArgumentException("decap: " + k.key() + " port " + port + " is not 1..65535");
                }
            }
            all.put(k, p.clone());
        }
        return new Decap(kinds, all, maxDepth);
    }

    /**
     * Parses {@code none}, {@code auto}, or a comma-separated list of kinds, each optionally with its UDP ports
     * ({@code vxlan=4789/4790}), e.g. {@code erspan,gre,vxlan=4789,geneve,gtpu}.
     */
    public static Decap parse(String spec, int maxDepth) {
        String s = spec == null ? "" : spec.trim().toLowerCase(Locale.ROOT);
        if (s.isEmpty() || s.equals("none")) {
            return NONE;
        }
        if (s.equals("auto") || s.equals("all")) {
            return of(EnumSet.allOf(Kind.class), Map.of(), maxDepth);
        }
        EnumSet<Kind> kinds = EnumSet.noneOf(Kind.class);
        Map<Kind, int[]> ports = new EnumMap<>(Kind.class);
        for (String item : s.split(",")) {
            if (item.isBlank()) {
                continue;
            }
            String[] kv = item.split("=", 2);
            Kind k = Kind.parse(kv[0]);
            kinds.add(k);
            if (kv.length == 2) {
                String[] ps = kv[1].split("/");
                int[] p = new int[ps.length];
                for (int i = 0; i < ps.length; i++) {
                    try {
                        p[i] = Integer.parseInt(ps[i].trim());
                    } catch (NumberFormatException e) {
                        throw new IllegalArgumentException("decap: '" + ps[i] + "' in '" + item
                                + "' is not a port; write e.g. vxlan=4789/8472");
                    }
                }
                ports.put(k, p);
            }
        }
        return of(kinds, ports, maxDepth);
    }

    public boolean enabled() {
        return enabled;
    }

    public Set<Kind> kinds() {
        return kinds;
    }

    public int maxDepth() {
        return maxDepth;
    }

    boolean erspan() {
        return erspan;
    }

    boolean gre() {
        return gre;
    }

    /** The UDP tunnel kind on destination port {@code port}: its ordinal + 1, or 0 for none. */
    int udpKind(int port) {
        return udpKind[port & 0xffff];
    }

    /** E.g. {@code erspan,gre,vxlan=4789/8472,geneve=6081,gtpu=2152 depth 2}, or {@code none}. */
    public String describe() {
        if (!enabled()) {
            return "none";
        }
        List<String> items = new ArrayList<>();
        for (Kind k : Kind.values()) {
            if (!kinds.contains(k)) {
                continue;
            }
            int[] p = ports.get(k);
            StringBuilder b = new StringBuilder(k.key());
            for (int i = 0; p != null && i < p.length; i++) {
                b.append(i == 0 ? '=' : '/').append(p[i]);
            }
            items.add(b.toString());
        }
        return String.join(",", items) + " depth " + maxDepth;
    }

    @Override
    public String toString() {
        return describe();
    }

    /** Two specifications are equal when they terminate the same tunnels on the same ports to the same depth. */
    @Override
    public boolean equals(Object o) {
        return o instanceof Decap d && d.describe().equals(describe());
    }

    @Override
    public int hashCode() {
        return describe().hashCode();
    }
}
