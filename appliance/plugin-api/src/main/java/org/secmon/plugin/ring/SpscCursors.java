package org.secmon.plugin.ring;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * The positions of a bounded single-producer single-consumer ring whose slots the user keeps (an array of
 * preallocated packets, a {@code long[]} of encoded entries): the producer's own fields, the published position and
 * the consumer's position each on cache lines of their own (see {@code CursorsPad0}), handed over with
 * release/acquire. Positions only grow; the slot of position {@code n} is {@code n & mask()}. No allocation after
 * construction.
 *
 * <p>Producer: {@link #claim()} a position (or -1 when full), write the slot, {@link #advance()}, and
 * {@link #publish()} once per item or once per batch. Consumer: {@link #published()} tells how far it may read
 * from {@link #consumerPosition()}; {@link #release(long)} gives slots back.
 */
public final class SpscCursors extends CursorsPad3 {
    private static final VarHandle PUBLISHED;
    private static final VarHandle STAMP;
    private static final VarHandle CONSUMED;
    private static final VarHandle FULL_WAITS;
    private static final VarHandle SKIPPED;

    static {
        try {
            MethodHandles.Lookup l = MethodHandles.lookup();
            PUBLISHED = l.findVarHandle(PublishedFields.class, "published", long.class);
            STAMP = l.findVarHandle(PublishedFields.class, "stamp", long.class);
            FULL_WAITS = l.findVarHandle(ProducerFields.class, "fullWaits", long.class);
            SKIPPED = l.findVarHandle(ProducerFields.class, "skipped", long.class);
            CONSUMED = l.findVarHandle(ConsumerFields.class, "consumed", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final long mask;

    /** @param capacity slots, a power of two of at least 2 */
    public SpscCursors(int capacity) {
        if (capacity < 2 || Integer.bitCount(capacity) != 1) {
            throw new IllegalArgumentException("ring capacity must be a power of two >= 2, not " + capacity);
        }
        this.mask = capacity - 1;
    }

    public int capacity() {
        return (int) mask + 1;
    }

    /** The slot index of a position is {@code position & mask()}. */
    public int mask() {
        return (int) mask;
    }

    // ---- producer ----------------------------------------------------------------------------------------------

    /** The position to write next, or -1 when the ring is full. */
    public long claim() {
        long n = next;
        if (n - consumedSeen > mask) {
            consumedSeen = (long) CONSUMED.getAcquire(this);
            if (n - consumedSeen > mask) {
                return -1;
            }
        }
        return n;
    }

    /** The producer found the ring full and waits for room (counted in {@link #fullWaits()}). */
    public void fullWait() {
        FULL_WAITS.setOpaque(this, fullWaits + 1);
    }

    /** The claimed slot is written: the next claim is the position after it (not visible before a publish). */
    public void advance() {
        next++;
    }

    /** The producer skipped an item instead of writing it (counted in {@link #skipped()}). */
    public void skip() {
        SKIPPED.setOpaque(this, skipped + 1);
    }

    /** Make every advanced slot visible to the consumer. */
    public void publish() {
        PUBLISHED.setRelease(this, next);
    }

    /** {@link #publish()}, then {@code stamp}: a consumer that reads the stamp first sees every slot before it. */
    public void publish(long stamp) {
        PUBLISHED.setRelease(this, next);
        STAMP.setRelease(this, stamp);
    }

    // ---- consumer ----------------------------------------------------------------------------------------------

    /** How far the consumer may read (exclusive); acquire: the slots below it are written. */
    public long published() {
        return (long) PUBLISHED.getAcquire(this);
    }

    /** The producer's last stamp (acquire); read it before {@link #published()}. */
    public long stamp() {
        return (long) STAMP.getAcquire(this);
    }

    /** The next position to read (consumer thread). */
    public long consumerPosition() {
        return consumed;
    }

    /** Give {@code n} read slots back to the producer. */
    public void release(long n) {
        CONSUMED.setRelease(this, consumed + n);
    }

    // ---- any thread --------------------------------------------------------------------------------------------

    /** Positions the consumer has released. */
    public long consumedPosition() {
        return (long) CONSUMED.getAcquire(this);
    }

    /** Published and not yet released. */
    public int size() {
        return (int) (published() - consumedPosition());
    }

    public long fullWaits() {
        return (long) FULL_WAITS.getOpaque(this);
    }

    public long skipped() {
        return (long) SKIPPED.getOpaque(this);
    }
}
