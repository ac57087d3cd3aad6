package org.secmon.dataplane.ingest;

import org.secmon.dataplane.parse.Decap;

/**
 * How a source's frames are taken in before the plugins see them: which tunnels are terminated ({@link Decap}) and
 * whether packets seen twice within a window are dropped ({@link Deduplicator}). Immutable; an rx thread picks a new
 * one up between bursts.
 *
 * @param decap        tunnels to terminate
 * @param dedupWindowNanos a packet seen again within this long is a duplicate; 0 = no deduplication
 * @param dedupEntries the deduplication table's size in packets (rounded up to a power of two)
 * @param interfaces   the interface index a tunnelled packet is given, by tunnel id
 */
public record Ingest(Decap decap, long dedupWindowNanos, int dedupEntries, TunnelInterfaces interfaces) {
    /**
     * 65,536 packets (512 KB): 50 ms at 1.3 Mpps. A larger table costs a cache miss per packet (measured:
     * docs/performance.md); raise it when {@code dedup_evicted_in_window} counts.
     */
    public static final int DEFAULT_DEDUP_ENTRIES = 1 << 16;
    public static final long MAX_DEDUP_WINDOW_NANOS = 10_000_000_000L;

    /** Frames as they come: no tunnel terminated, nothing deduplicated. */
    public static final Ingest NONE = new Ingest(Decap.NONE, 0, DEFAULT_DEDUP_ENTRIES, TunnelInterfaces.NONE);

    public Ingest {
        if (decap == null) {
            decap = Decap.NONE;
        }
        if (interfaces == null) {
            interfaces = TunnelInterfaces.NONE;
        }
        if (dedupWindowNanos < 0 || dedupWindowNanos > MAX_DEDUP_WINDOW_NANOS) {
            throw new IllegalArgumentException("dedup window must be 0 (off) .. 10000 ms, not "
                    + dedupWindowNanos / 1_000_000 + " ms");
        }
        if (dedupEntries < 1024 || dedupEntries > 1 << 26) {
            throw new IllegalArgumentException("dedup table must hold 1024 .. 67108864 packets, not " + dedupEntries);
        }
    }

    public static Ingest of(Decap decap, long dedupWindowMillis) {
        return new Ingest(decap, dedupWindowMillis * 1_000_000L, DEFAULT_DEDUP_ENTRIES, TunnelInterfaces.NONE);
    }

    public boolean dedup() {
        return dedupWindowNanos > 0;
    }

    /** These settings with tunnel ids mapped to interface indexes. */
    public Ingest withInterfaces(TunnelInterfaces map) {
        return new Ingest(decap, dedupWindowNanos, dedupEntries, map);
    }

    /** E.g. {@code decap vxlan=4789 depth 2, dedup 50 ms}. */
    public String describe() {
        return "decap " + decap.describe() + ", dedup " + (dedup() ? dedupWindowNanos / 1_000_000.0 + " ms" : "off")
                + (interfaces.isEmpty() ? "" : ", tunnel interfaces " + interfaces);
    }
}
