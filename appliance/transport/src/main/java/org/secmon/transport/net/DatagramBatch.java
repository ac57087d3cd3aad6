package org.secmon.transport.net;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Datagrams waiting to go out in one {@code sendmmsg}: {@code capacity} slots of {@code slotBytes} each in native
 * memory, with the {@code struct mmsghdr} / {@code struct iovec} arrays wired once (Linux x86-64/aarch64 layout:
 * msghdr 56 bytes, mmsghdr 64, iovec 16). Filling a slot and setting its length allocates nothing.
 */
public final class DatagramBatch implements AutoCloseable {
    private static final long IOVEC = 16, MMSGHDR = 64;
    private static final long MSG_IOV = 16, MSG_IOVLEN = 24;

    private final Arena arena = Arena.ofShared();
    private final MemorySegment data;
    private final MemorySegment iov;
    private final MemorySegment headers;
    private final MemorySegment[] slots;
    private final int capacity;
    private final int slotBytes;
    private int count;

    public DatagramBatch(int capacity, int slotBytes) {
        if (capacity < 1 || capacity > 1024) {
            throw new IllegalArgumentException("batch capacity must be 1..1024, not " + capacity);
        }
        this.capacity = capacity;
        this.slotBytes = (slotBytes + 63) & ~63;
        this.data = arena.allocate((long) this.slotBytes * capacity, 64);
        this.iov = arena.allocate(IOVEC * capacity, 8);
        this.headers = arena.allocate(MMSGHDR * capacity, 8);
        this.slots = new MemorySegment[capacity];
        for (int i = 0; i < capacity; i++) {
            slots[i] = data.asSlice((long) this.slotBytes * i, this.slotBytes);
            iov.set(ValueLayout.ADDRESS, IOVEC * i, data.asSlice((long) this.slotBytes * i));
            iov.set(ValueLayout.JAVA_LONG, IOVEC * i + 8, 0L);
            headers.set(ValueLayout.ADDRESS, MMSGHDR * i + MSG_IOV, iov.asSlice(IOVEC * i));
            headers.set(ValueLayout.JAVA_LONG, MMSGHDR * i + MSG_IOVLEN, 1L);
        }
    }

    public int capacity() {
        return capacity;
    }

    public int slotBytes() {
        return slotBytes;
    }

    /** Datagrams filled so far. */
    public int count() {
        return count;
    }

    public boolean isFull() {
        return count == capacity;
    }

    /** The memory of the next slot; fill it, then {@link #commit} its length. */
    public long nextOffset() {
        return (long) slotBytes * count;
    }

    /** All the slots' memory (write at {@link #nextOffset()}). */
    public MemorySegment data() {
        return data;
    }

    /** Slot {@code i}'s memory (a view made once). */
    public MemorySegment slot(int i) {
        return slots[i];
    }

    /** The next slot becomes a datagram of {@code length} bytes. */
    public void commit(int length) {
        iov.set(ValueLayout.JAVA_LONG, IOVEC * count + 8, (long) length);
        count++;
    }

    /** Length of datagram {@code i}. */
    public int length(int i) {
        return (int) iov.get(ValueLayout.JAVA_LONG, IOVEC * i + 8);
    }

    MemorySegment headers() {
        return headers;
    }

    /** Drops the first {@code n} datagrams (sent or given up), moving the rest to the front. */
    public void consume(int n) {
        if (n >= count) {
            count = 0;
            return;
        }
        int rest = count - n;
        for (int i = 0; i < rest; i++) {
            int len = length(n + i);
            MemorySegment.copy(data, (long) slotBytes * (n + i), data, (long) slotBytes * i, len);
            iov.set(ValueLayout.JAVA_LONG, IOVEC * i + 8, (long) len);
        }
        count = rest;
    }

    public void clear() {
        count = 0;
    }

    @Override
    public void close() {
        arena.close();
    }
}
