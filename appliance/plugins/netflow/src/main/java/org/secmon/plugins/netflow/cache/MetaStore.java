package org.secmon.plugins.netflow.cache;

/**
 * Slots for the layer-7 metadata of flows ({@link org.secmon.plugins.netflow.meta.MetaRecord}s), fewer than the
 * cache has flows: only flows that carried a ClientHello, an HTTP request or a DNS message take one. Allocated once;
 * a free list hands slots out and takes them back when their flow ends. When every slot is taken, a new flow's
 * metadata is counted ({@link #noRoom}) and not kept.
 */
public final class MetaStore {
    /** The most bytes a store may take. */
    public static final long MAX_BYTES = 1L << 30;

    final byte[] bytes;
    final int slotSize;
    private final int[] free;
    private int freeTop;
    private long noRoom;

    MetaStore(int slots, int slotSize) {
        if (slots < 1 || (long) slots * slotSize > MAX_BYTES) {
            throw new IllegalArgumentException("metadata flows must be 1.." + MAX_BYTES / slotSize
                    + " (slots of " + slotSize + " bytes, at most 1 GiB), not " + slots);
        }
        this.slotSize = slotSize;
        this.bytes = new byte[slots * slotSize];
        this.free = new int[slots];
        clear();
    }

    /** A free slot, or -1 (counted) when all are taken. */
    int allocate() {
        if (freeTop == 0) {
            noRoom++;
            return -1;
        }
        return free[--freeTop];
    }

    void release(int slot) {
        free[freeTop++] = slot;
    }

    /** Every slot free again. */
    void clear() {
        freeTop = free.length;
        for (int i = 0; i < free.length; i++) {
            free[i] = free.length - 1 - i; // slot 0 first
        }
    }

    public int slots() {
        return free.length;
    }

    public int inUse() {
        return free.length - freeTop;
    }

    /** Flows whose metadata was not kept because every slot was taken. */
    public long noRoom() {
        return noRoom;
    }

    /** The bytes of every slot: slot {@code i} starts at {@code i * slotSize()}. */
    public byte[] bytes() {
        return bytes;
    }

    public int slotSize() {
        return slotSize;
    }
}
