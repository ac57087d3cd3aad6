package org.secmon.dataplane.host;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

import org.secmon.plugin.Packet;

/**
 * Bounded single-producer single-consumer ring of packets for a RING-mode plugin: the rx thread copies the frame
 * (up to its delivered length, at most {@link #slotBytes()}) and its parsed fields into a preallocated slot; the
 * plugin's thread consumes in place. The rx thread is the last user of the source buffer, so DPDK mbufs are freed
 * at the end of each burst whatever the plugins do. No allocation after construction.
 */
public final class PacketRing implements AutoCloseable {
    private static final VarHandle HEAD;
    private static final VarHandle TAIL;

    static {
        try {
            MethodHandles.Lookup l = MethodHandles.lookup();
            HEAD = l.findVarHandle(PacketRing.class, "head", long.class);
            TAIL = l.findVarHandle(PacketRing.class, "tail", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final Arena arena;
    private final MemorySegment memory;
    private final Packet[] slots;
    private final int mask;
    private final int slotBytes;

    @SuppressWarnings("unused")
    private long p1, p2, p3, p4, p5, p6, p7;
    /** Next slot to write; written by the producer only. */
    private long tail;
    @SuppressWarnings("unused")
    private long q1, q2, q3, q4, q5, q6, q7;
    /** Next slot to read; written by the consumer only. */
    private long head;
    @SuppressWarnings("unused")
    private long r1, r2, r3, r4, r5, r6, r7;
    private long headCache;
    private volatile boolean endOfStream;

    /** @param capacity rounded up to a power of two */
    public PacketRing(int capacity, int slotBytes) {
        int cap = Integer.highestOneBit(Math.max(2, capacity - 1)) << 1;
        this.mask = cap - 1;
        this.slotBytes = slotBytes;
        this.arena = Arena.ofShared();
        this.memory = arena.allocate((long) cap * slotBytes, 64);
        this.slots = new Packet[cap];
        for (int i = 0; i < cap; i++) {
            slots[i] = new Packet();
        }
    }

    public int capacity() {
        return mask + 1;
    }

    public int slotBytes() {
        return slotBytes;
    }

    /** Producer: copy the packet in. False when the ring is full (the caller counts the drop). */
    public boolean offer(Packet p) {
        long t = tail;
        if (t - headCache > mask) {
            headCache = (long) HEAD.getAcquire(this);
            if (t - headCache > mask) {
                return false;
            }
        }
        int i = (int) (t & mask);
        long at = (long) i * slotBytes;
        int len = Math.min(p.deliverLength(), slotBytes);
        p.copyBytes(0, memory, at, len);
        slots[i].copyFrom(p, memory, at, len);
        TAIL.setRelease(this, t + 1);
        return true;
    }

    /** Consumer: the next packet, or null when empty. Call {@link #release()} when done with it. */
    public Packet peek() {
        long h = head;
        if (h >= (long) TAIL.getAcquire(this)) {
            return null;
        }
        return slots[(int) (h & mask)];
    }

    /** Consumer: give back the slot returned by the last {@link #peek()}. */
    public void release() {
        HEAD.setRelease(this, head + 1);
    }

    /** Producer: no more packets will come (replay ended). */
    public void markEndOfStream() {
        endOfStream = true;
    }

    /** Consumer: end of stream was marked and everything before it has been consumed. */
    public boolean drainedToEnd() {
        return endOfStream && head >= (long) TAIL.getAcquire(this);
    }

    public int size() {
        return (int) ((long) TAIL.getAcquire(this) - (long) HEAD.getAcquire(this));
    }

    @Override
    public void close() {
        arena.close();
    }
}
