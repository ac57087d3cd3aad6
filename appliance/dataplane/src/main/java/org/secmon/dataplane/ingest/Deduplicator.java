package org.secmon.dataplane.ingest;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import org.secmon.plugin.Counter;
import org.secmon.plugin.Packet;

import static org.secmon.plugin.Packet.U32;
import static org.secmon.plugin.Packet.U64;

/**
 * Drops a packet seen again within a window — the second copy when both ends of a conversation, or both directions
 * of one port, are mirrored. A packet is known by a 64-bit signature of what does not change hop to hop: IP version,
 * addresses, protocol, ports, IPv4 identification or IPv6 flow label, IP length, fragment offset, TCP sequence and
 * acknowledgement numbers and flags, ICMP type and code, and the first 16 bytes of the transport payload — not TTL
 * or hop limit, ToS (DSCP may be re-marked), checksums, or anything outside the (inner) IP packet. Frames without IP
 * are never duplicates.
 *
 * <p>A 4-way set-associative table of signatures and first-seen times, preallocated: bounded memory, no allocation
 * per packet. When every way of a set is younger than the window, the oldest is replaced and counted
 * ({@link #evictedInWindow()}): a copy of it arriving later would be missed — a table too small for the rate times
 * the window. Single-threaded (the rx thread's).
 */
public final class Deduplicator {
    private static final int WAYS = 4;
    private static final int PAYLOAD_PREFIX = 16;

    private final long[] signatures;
    private final long[] times;
    private final int setMask;
    private final long window;
    private final Counter duplicates = new Counter("duplicates_dropped");
    private final Counter evictedInWindow = new Counter("dedup_evicted_in_window");

    /** @param entries the table's size in packets (rounded up to a power of two, at least 4) */
    public Deduplicator(long windowNanos, int entries) {
        int n = Integer.highestOneBit(Math.max(WAYS, entries - 1)) << 1;
        this.signatures = new long[n];
        this.times = new long[n];
        this.setMask = n / WAYS - 1;
        this.window = windowNanos;
    }

    /** True when {@code p} was seen within the window (and is counted); false records it. */
    public boolean isDuplicate(Packet p) {
        long sig = signature(p);
        if (sig == 0) {
            return false;
        }
        final long t = p.timestampNanos();
        final int set = ((int) (sig ^ (sig >>> 32)) & setMask) * WAYS;
        int victim = set;
        long oldest = Long.MAX_VALUE;
        for (int i = set; i < set + WAYS; i++) {
            long seen = times[i];
            if (signatures[i] == sig && Math.abs(t - seen) <= window) {
                duplicates.increment();
                return true;
            }
            if (seen < oldest) {
                oldest = seen;
                victim = i;
            }
        }
        if (signatures[victim] != 0 && t - times[victim] <= window) {
            evictedInWindow.increment();
        }
        signatures[victim] = sig;
        times[victim] = t;
        return false;
    }

    /** The packet's signature, never 0 for an IP packet; 0 for a frame without IP. */
    static long signature(Packet p) {
        final int version = p.ipVersion();
        if (version == 0) {
            return 0;
        }
        final MemorySegment seg = p.segment();
        final long base = p.offset();
        final int cap = p.captureLength();
        long x = mix(version, p.srcHi());
        x = mix(x, p.srcLo());
        x = mix(x, p.dstHi());
        x = mix(x, p.dstLo());
        long idOrLabel;
        if (version == 4) {
            int l3 = p.l3Offset();
            idOrLabel = l3 + 6 <= cap ? seg.get(Packet.U16, base + l3 + 4) & 0xffff : 0;
        } else {
            idOrLabel = p.flowLabel();
        }
        x = mix(x, (long) p.protocol() << 56 | (long) p.ipLength() << 32 | idOrLabel << 8
                | (p.moreFragments() ? 1 : 0));
        x = mix(x, (long) p.fragmentOffset() << 32 | (long) p.srcPort() << 16 | p.dstPort());
        final int l4 = p.l4Offset();
        if (p.protocol() == Packet.PROTO_TCP && p.hasPorts() && l4 + 12 <= cap) {
            x = mix(x, seg.get(U64, base + l4 + 4)); // sequence and acknowledgement numbers
            x = mix(x, p.tcpFlags());
        } else if (p.protocol() == Packet.PROTO_ICMP || p.protocol() == Packet.PROTO_ICMPV6) {
            x = mix(x, p.icmpType() << 8 | p.icmpCode());
            if (l4 + 8 <= cap) {
                x = mix(x, seg.get(U32, base + l4 + 4)); // echo id and sequence
            }
        }
        final int payload = p.payloadOffset();
        if (payload > 0) {
            int end = Math.min(cap, p.l3Offset() + p.ipLength());
            int n = Math.min(PAYLOAD_PREFIX, end - payload);
            if (n == PAYLOAD_PREFIX) {
                x = mix(x, seg.get(U64, base + payload));
                x = mix(x, seg.get(U64, base + payload + 8));
            } else {
                for (int i = 0; i < n; i++) {
                    x = mix(x, seg.get(ValueLayout.JAVA_BYTE, base + payload + i));
                }
            }
        }
        x ^= x >>> 31;
        return x == 0 ? 1 : x;
    }

    private static long mix(long h, long v) {
        return (h ^ v) * 0x9E3779B97F4A7C15L + 0x632BE59BD9B4E019L;
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
        return signatures.length;
    }
}
