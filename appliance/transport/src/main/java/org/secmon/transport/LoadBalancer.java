package org.secmon.transport;

import java.util.Arrays;

/**
 * Spreads sessions over the collectors of a {@link CollectorSet}, sticky per session. A session is identified by a
 * 64-bit hash that must be the same for both directions of a conversation (see {@link #sessionHash}). A new
 * session is placed by the set's algorithm among the collectors that are up; it keeps that "home" collector until
 * it has not been routed for the session timeout. While its home is down it goes to a fallback (chosen once, by the
 * same algorithm, and kept); when the home comes back the session returns to it.
 * <p>
 * Single-threaded (the plugin's data-plane thread); no allocation after construction: an open-addressing table of
 * primitive arrays with backward-shift deletion.
 */
public final class LoadBalancer {
    private final LbAlgorithm algorithm;
    private final int n;
    private final int[] weights;
    private final boolean[] up;
    private final int[] active;
    private final long[] assigned;
    private final int[] currentWeight;
    private int rrNext;
    private int standbyNext;

    // session slots: the key and its last use side by side (one cache miss for both), home << 16 | fallback apart
    private final long[] keys; // slot i: keys[2i] = session (0: empty), keys[2i + 1] = last used
    private final int[] homes; // slot i: home << 16 | (fallback & 0xffff); fallback -1: none chosen
    private final int mask;
    private final int capacity;
    private final long timeoutNanos;
    private int size;
    private int cursor;
    private long untracked;
    private long expired;

    /**
     * @param sessionCapacity sessions tracked at most; beyond that new sessions are routed but not remembered
     *                        (counted by {@link #untracked()})
     * @param sessionTimeoutNanos a session not routed for this long is forgotten
     */
    public LoadBalancer(CollectorSet set, int sessionCapacity, long sessionTimeoutNanos) {
        this.algorithm = set.algorithm();
        this.n = set.size();
        this.weights = set.collectors().stream().mapToInt(Collector::weight).toArray();
        this.up = new boolean[n];
        Arrays.fill(up, true);
        this.active = new int[n];
        this.assigned = new long[n];
        this.currentWeight = new int[n];
        this.capacity = Math.max(1, sessionCapacity);
        int slots = Integer.highestOneBit(Math.max(4, capacity * 2 - 1)) << 1;
        this.mask = slots - 1;
        this.keys = new long[2 * slots];
        this.homes = new int[slots];
        this.timeoutNanos = sessionTimeoutNanos;
    }

    /**
     * A direction-independent hash of a conversation: the same for (a, ap) -> (b, bp) and (b, bp) -> (a, ap).
     * Addresses are 128-bit (IPv4-mapped for IPv4).
     */
    public static long sessionHash(long aHi, long aLo, int aPort, long bHi, long bLo, int bPort, int protocol) {
        long x = mix(aHi * 31 + aLo) ^ mix(((long) aPort << 17) ^ 0x5bd1e995L);
        long y = mix(bHi * 31 + bLo) ^ mix(((long) bPort << 17) ^ 0x5bd1e995L);
        // commutative combination of the two endpoints, then the protocol
        long h = mix((x + y) ^ (x * y) ^ protocol);
        return h == 0 ? 1 : h;
    }

    /** The session of a packet: its conversation (both directions alike); MACs and EtherType for non-IP. */
    public static long session(org.secmon.plugin.Packet p) {
        if (p.ipVersion() != 0) {
            return sessionHash(p.srcHi(), p.srcLo(), p.hasPorts() ? p.srcPort() : 0, p.dstHi(), p.dstLo(),
                    p.hasPorts() ? p.dstPort() : 0, p.protocol());
        }
        return sessionHash(0, p.srcMac(), 0, 0, p.dstMac(), 0, p.etherType());
    }

    private static long mix(long z) {
        z = (z ^ (z >>> 33)) * 0xff51afd7ed558ccdL;
        z = (z ^ (z >>> 33)) * 0xc4ceb9fe1a85ec53L;
        return z ^ (z >>> 33);
    }

    /** The collector index for this session now, or -1 when no collector is up. */
    public int route(long session, long nowNanos) {
        if (session == 0) {
            session = 1;
        }
        int i = (int) mix(session) & mask;
        while (true) {
            long k = keys[2 * i];
            if (k == session) {
                keys[2 * i + 1] = nowNanos;
                int hf = homes[i];
                int h = hf >>> 16;
                if (up[h]) {
                    return h;
                }
                int fb = (short) hf;
                if (fb >= 0 && up[fb]) {
                    return fb;
                }
                fb = pick();
                homes[i] = h << 16 | (fb & 0xffff);
                return fb;
            }
            if (k == 0) {
                break;
            }
            i = (i + 1) & mask;
        }
        int h = pick();
        if (h < 0) {
            return -1;
        }
        assigned[h]++;
        if (size >= capacity) {
            untracked++;
            return h;
        }
        keys[2 * i] = session;
        keys[2 * i + 1] = nowNanos;
        homes[i] = h << 16 | 0xffff;
        active[h]++;
        size++;
        return h;
    }

    private int pick() {
        return switch (algorithm) {
            case SESSION -> leastSessions();
            case ROUND_ROBIN -> roundRobin();
            case WEIGHTED_ROUND_ROBIN -> smoothWeighted();
        };
    }

    private int leastSessions() {
        int best = -1;
        for (int c = 0; c < n; c++) {
            if (up[c] && (best < 0 || active[c] < active[best])) {
                best = c;
            }
        }
        return best;
    }

    private int roundRobin() {
        for (int k = 0; k < n; k++) {
            int c = (rrNext + k) % n;
            if (up[c]) {
                rrNext = (c + 1) % n;
                return c;
            }
        }
        return -1;
    }

    /** nginx's smooth weighted round robin: every pick adds each weight, takes the largest, subtracts the total. */
    private int smoothWeighted() {
        int best = -1;
        int total = 0;
        for (int c = 0; c < n; c++) {
            if (!up[c] || weights[c] == 0) {
                continue;
            }
            currentWeight[c] += weights[c];
            total += weights[c];
            if (best < 0 || currentWeight[c] > currentWeight[best]) {
                best = c;
            }
        }
        if (best >= 0) {
            currentWeight[best] -= total;
            return best;
        }
        // every weighted collector is down: the standbys (weight 0) in turn
        for (int k = 0; k < n; k++) {
            int c = (standbyNext + k) % n;
            if (up[c]) {
                standbyNext = (c + 1) % n;
                return c;
            }
        }
        return -1;
    }

    /**
     * Forget sessions idle for longer than the timeout, looking at no more than {@code budget} table slots (call
     * it regularly, e.g. once per poll). Returns the number forgotten.
     */
    public int expire(long nowNanos, int budget) {
        int removed = 0;
        for (int k = 0; k < budget; k++) {
            int i = cursor;
            if (keys[2 * i] != 0 && nowNanos - keys[2 * i + 1] > timeoutNanos) {
                active[homes[i] >>> 16]--;
                delete(i);
                removed++;
                // slot i may now hold a shifted entry: look at it again
            } else {
                cursor = (i + 1) & mask;
            }
        }
        expired += removed;
        return removed;
    }

    private void delete(int i) {
        size--;
        int hole = i;
        int j = i;
        while (true) {
            j = (j + 1) & mask;
            long k = keys[2 * j];
            if (k == 0) {
                break;
            }
            int ideal = (int) mix(k) & mask;
            // move j into the hole unless its ideal slot lies cyclically in (hole, j]
            boolean stays = hole <= j ? (hole < ideal && ideal <= j) : (hole < ideal || ideal <= j);
            if (!stays) {
                keys[2 * hole] = k;
                keys[2 * hole + 1] = keys[2 * j + 1];
                homes[hole] = homes[j];
                hole = j;
            }
        }
        keys[2 * hole] = 0;
    }

    /** Mark a collector up or down (the exporter calls this on ICMP errors and recovery). */
    public void setUp(int collector, boolean isUp) {
        if (up[collector] != isUp) {
            up[collector] = isUp;
            currentWeight[collector] = 0;
        }
    }

    public boolean isUp(int collector) {
        return up[collector];
    }

    /** Sessions currently homed on the collector. */
    public int activeSessions(int collector) {
        return active[collector];
    }

    /** Sessions ever placed on the collector (new sessions only, not fallbacks). */
    public long sessionsAssigned(int collector) {
        return assigned[collector];
    }

    /** Sessions tracked now. */
    public int sessions() {
        return size;
    }

    /** New sessions that could not be remembered because the table was full (routed, but not sticky). */
    public long untracked() {
        return untracked;
    }

    public long expired() {
        return expired;
    }
}
