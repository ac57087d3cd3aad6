package org.secmon.dataplane.ingest;

import java.lang.foreign.MemorySegment;

import org.secmon.plugin.Counter;
import org.secmon.plugin.Packet;

import static org.secmon.plugin.Packet.U64;

/**
 * Drops a packet seen again within a window — the second copy when both ends of a conversation, or both directions
 * of one port, are mirrored. A packet is known by a 64-bit signature of what does not change hop to hop: IP version,
 * addresses, protocol, ports, IPv4 identification or IPv6 flow label, IP length, fragment offset, TCP sequence and
 * acknowledgement numbers and flags, ICMP type and code, and the first 16 bytes of the transport payload — not TTL
 * or hop limit, ToS (DSCP may be re-marked), checksums, or anything outside the (inner) IP packet. Frames without IP
 * are never duplicates.
 *
 * <p>An 8-way set-associative table, preallocated: bounded memory, no allocation per packet. An entry is one long —
 * the signature's top 39 bits, a bit always set (no entry is 0, which marks an empty way), and the first-seen time
 * in the low 24 bits, in units of 1,024 ns (it wraps every
 * 17.2 s, above the longest window, 10 s) — so that a set is one 64-byte cache line and a lookup touches one line.
 * A set keeps its entries in the order they came; when even the oldest is younger than the window, it is replaced
 * and counted
 * ({@link #evictedInWindow()}): a copy of it arriving later would be missed — a table too small for the rate times
 * the window. Single-threaded (the rx thread's).
 */
public final class Deduplicator {
    private static final int WAYS = 8;
    private static final int PAYLOAD_PREFIX = 16;
    private static final int TIME_SHIFT = 10;
    private static final long TIME_MASK = (1L << 24) - 1;
    private static final long SIGNATURE_MASK = ~TIME_MASK;
    private static final long MARK_BIT = TIME_MASK + 1;

    private final long[] entries;
    private final int setMask;
    private final long window;
    /** How much earlier than its first copy a packet may be stamped and still count (the same burst, reordering). */
    private final long early;
    private final Counter duplicates = new Counter("duplicates_dropped");
    private final Counter evictedInWindow = new Counter("dedup_evicted_in_window");

    /** @param entries the table's size in packets (rounded up to a power of two, at least one set) */
    public Deduplicator(long windowNanos, int entries) {
        int n = Integer.highestOneBit(Math.max(WAYS, entries) - 1) << 1;
        this.entries = new long[n];
        this.setMask = n / WAYS - 1;
        this.window = Math.max(1, windowNanos >>> TIME_SHIFT);
        this.early = Math.min(window, 1L << 20); // about 1 s: window + early stays below the clock's 17.2 s
    }

    /** True when {@code p} was seen within the window (and is counted); false records it. */
    public boolean isDuplicate(Packet p) {
        return isDuplicate(p, signature(p));
    }

    /**
     * Reads the set {@code signature} falls in and returns a value to keep (so the read is not removed): done for a
     * whole burst before its lookups, the burst's cache misses overlap instead of following one another.
     */
    public long touch(long signature) {
        return entries[((int) signature & setMask) * WAYS];
    }

    /**
     * {@link #isDuplicate(Packet)} with the packet's {@link #signature} computed already. A set is kept in the order
     * its entries came, newest first: a new entry goes in front and the oldest (the last way) leaves, so a lookup
     * compares signatures only — no ages to rank, no branch that depends on them — and a miss writes the set back
     * shifted by one.
     */
    public boolean isDuplicate(Packet p, long sig) {
        if (sig == 0) {
            return false;
        }
        // the signature's lowest kept bit set: a mark is never 0, so an empty entry (0) never matches it
        final long mark = sig & SIGNATURE_MASK | MARK_BIT;
        final long now = (p.timestampNanos() >>> TIME_SHIFT) & TIME_MASK;
        final int set = ((int) sig & setMask) * WAYS;
        final long[] e = entries;
        // the set's line read once into registers: compared from there, then written back shifted by one (no
        // copy loop or arraycopy stub, measured in docs/performance.md)
        final long e0 = e[set];
        final long e1 = e[set + 1];
        final long e2 = e[set + 2];
        final long e3 = e[set + 3];
        final long e4 = e[set + 4];
        final long e5 = e[set + 5];
        final long e6 = e[set + 6];
        final long e7 = e[set + 7];
        if (((e0 ^ mark) >>> 24 == 0 && fresh(e0, now)) || ((e1 ^ mark) >>> 24 == 0 && fresh(e1, now))
                || ((e2 ^ mark) >>> 24 == 0 && fresh(e2, now)) || ((e3 ^ mark) >>> 24 == 0 && fresh(e3, now))
                || ((e4 ^ mark) >>> 24 == 0 && fresh(e4, now)) || ((e5 ^ mark) >>> 24 == 0 && fresh(e5, now))
                || ((e6 ^ mark) >>> 24 == 0 && fresh(e6, now)) || ((e7 ^ mark) >>> 24 == 0 && fresh(e7, now))) {
            duplicates.increment();
            return true;
        }
        if (e7 != 0 && ((now - e7) & TIME_MASK) <= window) {
            evictedInWindow.increment();
        }
        e[set + 7] = e6;
        e[set + 6] = e5;
        e[set + 5] = e4;
        e[set + 4] = e3;
        e[set + 3] = e2;
        e[set + 2] = e1;
        e[set + 1] = e0;
        e[set] = mark | now;
        return false;
    }

    /** Whether entry {@code v} (of the packet's signature) was stamped within the window before {@code now}. */
    private boolean fresh(long v, long now) {
        final long age = (now - v) & TIME_MASK; // modulo the 24-bit clock
        return age <= window || TIME_MASK + 1 - age <= early;
    }

    /**
     * The packet's signature, never 0 for an IP packet; 0 for a frame without IP. Independent products of each field
     * group, combined and finalised: the multiplications do not wait on each other.
     */
    public static long signature(Packet p) {
        final int version = p.ipVersion();
        if (version == 0) {
            return 0;
        }
        final MemorySegment seg = p.segment();
        final long base = p.offset();
        final int cap = p.captureLength();
        final int l3 = p.l3Offset();
        final long idOrLabel = version == 4 ? (l3 + 6 <= cap ? seg.get(Packet.U16, base + l3 + 4) & 0xffff : 0)
                : p.flowLabel();
        long x = p.srcLo() * 0x9E3779B97F4A7C15L ^ p.dstLo() * 0xC2B2AE3D27D4EB4FL
                ^ p.srcHi() * 0x165667B19E3779F9L ^ p.dstHi() * 0xD6E8FEB86659FD93L
                ^ ((long) p.protocol() << 56 | (long) p.ipLength() << 32 | idOrLabel << 8 | version << 1
                        | (p.moreFragments() ? 1 : 0)) * 0xFF51AFD7ED558CCDL
                ^ ((long) p.fragmentOffset() << 32 | (long) p.srcPort() << 16 | p.dstPort()) * 0xC4CEB9FE1A85EC53L;
        final int l4 = p.l4Offset();
        final int proto = p.protocol();
        if (proto == Packet.PROTO_TCP && p.hasPorts() && l4 + 12 <= cap) {
            // sequence and acknowledgement numbers, flags
            x ^= (seg.get(U64, base + l4 + 4) + p.tcpFlags()) * 0x94D049BB133111EBL;
        } else if ((proto == Packet.PROTO_ICMP || proto == Packet.PROTO_ICMPV6) && l4 + 8 <= cap) {
            x ^= (seg.get(U64, base + l4) & 0xffff0000_ffffffffL) * 0x94D049BB133111EBL; // type, code, id, sequence
        }
        final int payload = p.payloadOffset();
        if (payload > 0) {
            final int end = Math.min(cap, l3 + p.ipLength());
            final int n = end - payload;
            if (n >= PAYLOAD_PREFIX) {
                x ^= seg.get(U64, base + payload) * 0xBF58476D1CE4E5B9L
                        ^ seg.get(U64, base + payload + 8) * 0x2545F4914F6CDD1DL;
            } else if (n >= 8) {
                // the first 8 bytes and the last 8 (overlapping): the whole payload in two reads. A byte in both
                // must not cancel out: the second is rotated before they are mixed
                x ^= ((seg.get(U64, base + payload) * 0xBF58476D1CE4E5B9L
                        ^ Long.rotateLeft(seg.get(U64, base + end - 8), 29)) + n) * 0x2545F4914F6CDD1DL;
            } else if (n > 0) {
                // the 8 bytes that end with the payload, only the payload's kept: the IP header before it is at
                // least 20 bytes, so the read stays inside the packet (and never reaches the padding after it)
                final long tail = seg.get(U64, base + end - 8) & (-1L >>> ((8 - n) << 3)); // its low n bytes
                x ^= (tail + n) * 0xBF58476D1CE4E5B9L;
            }
        }
        x ^= x >>> 32;
        x *= 0xD6E8FEB86659FD93L;
        x ^= x >>> 32;
        return x == 0 ? 1 : x;
    }


    /** Any thread. */
    public long duplicates() {
        return duplicates.get();
    }

    /** Entries replaced while still inside the window (the table is too small for the traffic). */
    public long evictedInWindow() {
        return evictedInWindow.get();
    }

    /** The table's capacity in packets. */
    public int capacity() {
        return entries.length;
    }
}
