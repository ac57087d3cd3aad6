package org.secmon.dataplane.ingest;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Which interface index a packet that arrived through a tunnel is given, by the tunnel's id (ERSPAN session, GRE key,
 * VNI, TEID): operators number their mirror sources, and NetFlow's ingressInterface, raw forward's ERSPAN index and
 * every other user of {@code Packet.inputPort()} then say which one a packet came from. Immutable, allocation-free
 * lookups (an open-addressed table of primitive arrays).
 */
public final class TunnelInterfaces {
    /** Maps nothing: packets keep their port's index. */
    public static final TunnelInterfaces NONE = new TunnelInterfaces(Map.of());
    public static final int MAX_IF_INDEX = 65535;

    private final Map<Long, Integer> map;
    private final long[] keys;
    private final int[] values;
    private final boolean[] used;
    private final int mask;

    private TunnelInterfaces(Map<Long, Integer> map) {
        this.map = Map.copyOf(new TreeMap<>(map));
        int n = Integer.highestOneBit(Math.max(2, map.size() * 2) - 1) << 1;
        keys = new long[n];
        values = new int[n];
        used = new boolean[n];
        mask = n - 1;
        for (Map.Entry<Long, Integer> e : map.entrySet()) {
            int i = slot(e.getKey());
            while (used[i]) {
                i = (i + 1) & mask;
            }
            used[i] = true;
            keys[i] = e.getKey();
            values[i] = e.getValue();
        }
    }

    /** @param map tunnel id (0..4294967295) → interface index (0..65535) */
    public static TunnelInterfaces of(Map<Long, Integer> map) {
        for (Map.Entry<Long, Integer> e : map.entrySet()) {
            if (e.getKey() < 0 || e.getKey() > 0xffff_ffffL) {
                throw new IllegalArgumentException("tunnel id " + e.getKey() + " is not 0..4294967295");
            }
            if (e.getValue() < 0 || e.getValue() > MAX_IF_INDEX) {
                throw new IllegalArgumentException("interface index " + e.getValue() + " of tunnel " + e.getKey()
                        + " is not 0..65535 (the flow key keeps 16 bits)");
            }
        }
        return map.isEmpty() ? NONE : new TunnelInterfaces(map);
    }

    /** Parses {@code ID=IFINDEX} items, e.g. {@code 100=1} (ERSPAN session 100 is interface 1). */
    public static TunnelInterfaces parse(List<String> items) {
        Map<Long, Integer> m = new TreeMap<>();
        for (String item : items) {
            String[] kv = item.split("=", 2);
            try {
                if (kv.length != 2) {
                    throw new NumberFormatException();
                }
                long id = Long.parseLong(kv[0].trim());
                if (m.put(id, Integer.parseInt(kv[1].trim())) != null) {
                    throw new IllegalArgumentException("tunnel id " + id + " mapped twice");
                }
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("'" + item + "' is not TUNNEL-ID=IFINDEX, e.g. 100=1");
            }
        }
        return of(m);
    }

    private int slot(long key) {
        long h = key * 0x9E3779B97F4A7C15L;
        return (int) (h ^ (h >>> 32)) & mask;
    }

    /** The interface index of tunnel {@code id}, or -1 when it is not mapped. */
    public int lookup(long id) {
        if (map.isEmpty()) {
            return -1;
        }
        for (int i = slot(id); used[i]; i = (i + 1) & mask) {
            if (keys[i] == id) {
                return values[i];
            }
        }
        return -1;
    }

    public boolean isEmpty() {
        return map.isEmpty();
    }

    public Map<Long, Integer> asMap() {
        return map;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TunnelInterfaces t && t.map.equals(map);
    }

    @Override
    public int hashCode() {
        return map.hashCode();
    }

    @Override
    public String toString() {
        return map.isEmpty() ? "none" : Arrays.toString(map.entrySet().stream()
                .map(e -> e.getKey() + "=" + e.getValue()).toArray());
    }
}
