package org.secmon.dataplane.source;

import java.lang.foreign.MemorySegment;

import org.secmon.dataplane.parse.LinkTypes;

/**
 * A burst of received frames, preallocated and reused: parallel arrays indexed 0..{@link #count}-1. All frames of one
 * burst live in the same {@link #segment} (a mapped capture file, or all native memory for DPDK mbufs).
 */
public final class Burst {
    /** Default burst size, as DPDK's usual rx burst. */
    public static final int DEFAULT_SIZE = 32;

    public MemorySegment segment;
    public final long[] offset;
    public final int[] captureLength;
    public final int[] wireLength;
    public final long[] timestampNanos;
    /** Link type per frame (tcpdump.org's LINKTYPE numbers; Ethernet unless a capture file says otherwise). */
    public final int[] linkType;
    /** Source-specific handle per frame (the mbuf address for DPDK). */
    public final long[] handle;
    public int port;
    public int count;

    public Burst(int size) {
        offset = new long[size];
        captureLength = new int[size];
        wireLength = new int[size];
        timestampNanos = new long[size];
        handle = new long[size];
        linkType = new int[size];
        java.util.Arrays.fill(linkType, LinkTypes.ETHERNET);
    }

    public int capacity() {
        return offset.length;
    }
}
