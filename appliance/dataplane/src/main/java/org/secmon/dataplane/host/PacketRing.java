package org.secmon.dataplane.host;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import org.secmon.dataplane.parse.ParsedPacket;
import org.secmon.plugin.Packet;
import org.secmon.plugin.ring.SpscCursors;

/**
 * Bounded single-producer single-consumer ring of packets for a RING-mode plugin: the rx thread copies the frame
 * (up to its delivered length, at most {@link #slotBytes()}) and its parsed fields into a preallocated slot; the
 * plugin's thread consumes in place. The rx thread is the last user of the source buffer, so DPDK mbufs are freed
 * at the end of each burst whatever the plugins do. No allocation after construction.
 */
public final class PacketRing implements AutoCloseable {
    private final Arena arena;
    private final MemorySegment memory;
    private final ParsedPacket[] slots;
    private final int slotBytes;
    private final SpscCursors cursors;
    private volatile boolean endOfStream;

    /** @param capacity rounded up to a power of two */
    public PacketRing(int capacity, int slotBytes) {
        int cap = Integer.highestOneBit(Math.max(2, capacity - 1)) << 1;
        this.cursors = new SpscCursors(cap);
        this.slotBytes = slotBytes;
        this.arena = Arena.ofShared();
        this.memory = arena.allocate((long) cap * slotBytes, 64);
        this.slots = new ParsedPacket[cap];
        for (int i = 0; i < cap; i++) {
            slots[i] = new ParsedPacket();
        }
    }

    public int capacity() {
        return cursors.capacity();
    }

    public int slotBytes() {
        return slotBytes;
    }

    /** Producer: copy the packet in. False when the ring is full (the caller counts the drop). */
    public boolean offer(ParsedPacket p) {
        long t = cursors.claim();
        if (t < 0) {
            return false;
        }
        int i = (int) (t & cursors.mask());
        long at = (long) i * slotBytes;
        int len = Math.min(p.deliverLength(), slotBytes);
        p.copyBytes(0, memory, at, len);
        slots[i].copyFrom(p, memory, at, len);
        cursors.advance();
        cursors.publish();
        return true;
    }

    /** Consumer: the next packet, or null when empty. Call {@link #release()} when done with it. */
    public Packet peek() {
        long h = cursors.consumerPosition();
        if (h >= cursors.published()) {
            return null;
        }
        return slots[(int) (h & cursors.mask())];
    }

    /** Consumer: give back the slot returned by the last {@link #peek()}. */
    public void release() {
        cursors.release(1);
    }

    /** Producer: no more packets will come (replay ended). */
    public void markEndOfStream() {
        endOfStream = true;
    }

    /** Consumer: end of stream was marked and everything before it has been consumed. */
    public boolean drainedToEnd() {
        return endOfStream && cursors.consumerPosition() >= cursors.published();
    }

    public int size() {
        return cursors.size();
    }

    @Override
    public void close() {
        arena.close();
    }
}
