package org.secmon.plugins.netflow.cache;

import java.util.Arrays;

/**
 * When to look at each flow again: a timing wheel of {@code scanPeriodNanos}-wide slots. Every flow is in exactly one
 * list: the slot of its earliest deadline when it was last examined, or, once FIN or RST is seen, the finished list.
 * Packets do not move a flow (nothing extra per packet): when its slot comes, a flow that is not due after all is put
 * into the slot of its new deadline. The lists are doubly linked through two int arrays (8 bytes per flow): a
 * {@code prev >= 0} is a flow, {@code prev = -2 - list} marks the head of {@code list}, {@link #UNLINKED} otherwise.
 */
final class ExpiryWheel {
    /** Looks at a flow whose slot came (taken off its list first); answers whether it was exported. */
    interface Examiner {
        boolean examine(int flow, long nowNanos);
    }

    private static final int UNLINKED = Integer.MIN_VALUE;
    private static final long UNSET = Long.MIN_VALUE;

    private final long scanPeriodNanos;
    private final int[] prev;
    private final int[] next;
    private final int[] head; // wheelSize slots, then the finished list
    private final int wheelSize;
    private final int finishedList;
    private long doneSlot = UNSET; // the last slot examined (absolute: time / scanPeriodNanos)

    ExpiryWheel(int maxFlows, long longestTimeoutNanos, long scanPeriodNanos) {
        this.scanPeriodNanos = scanPeriodNanos;
        long span = longestTimeoutNanos / scanPeriodNanos + 2;
        this.wheelSize = (int) Math.min(1 << 20, Math.max(64, Long.highestOneBit(span) << 1));
        this.finishedList = wheelSize;
        this.head = new int[wheelSize + 1];
        Arrays.fill(head, -1);
        this.prev = new int[maxFlows];
        this.next = new int[maxFlows];
        Arrays.fill(prev, UNLINKED);
    }

    /** Puts flow {@code f} into the slot of {@code deadline} (at least the next slot, at most a ring ahead). */
    void link(int f, long deadline, long nowNanos) {
        if (doneSlot == UNSET) {
            doneSlot = Math.floorDiv(nowNanos, scanPeriodNanos) - 1;
        }
        // slot s is examined once now >= (s + 1) * period: the slot that ends at or just after the deadline
        long slot = Math.floorDiv(deadline - 1, scanPeriodNanos);
        if (slot <= doneSlot) {
            slot = doneSlot + 1;
        } else if (slot > doneSlot + wheelSize) {
            slot = doneSlot + wheelSize; // beyond the ring: examined early, then linked again
        }
        pushFront(f, (int) (slot & (wheelSize - 1)));
    }

    /** Flow {@code f} saw FIN or RST: it is examined at the next {@link #expire}, whatever its deadline. */
    void finish(int f) {
        unlink(f);
        pushFront(f, finishedList);
    }

    /**
     * Examines the finished flows, then those of every slot that has fully elapsed since the last call (a timeout is
     * noticed at most one period late; a jump past the whole ring examines every slot once). Returns the exported.
     */
    int expire(long nowNanos, Examiner examiner) {
        int exported = examineList(finishedList, nowNanos, examiner);
        long nowSlot = Math.floorDiv(nowNanos, scanPeriodNanos);
        if (doneSlot == UNSET) {
            doneSlot = nowSlot - 1;
            return exported;
        }
        long last = nowSlot - 1; // the last slot that has fully elapsed
        if (last <= doneSlot) {
            return exported;
        }
        long from = Math.max(doneSlot + 1, last - wheelSize + 1);
        for (long slot = from; slot <= last; slot++) {
            doneSlot = slot; // re-linked flows go after this slot
            exported += examineList((int) (slot & (wheelSize - 1)), nowNanos, examiner);
        }
        return exported;
    }

    private int examineList(int list, long nowNanos, Examiner examiner) {
        int exported = 0;
        int f = head[list];
        head[list] = -1;
        while (f >= 0) {
            int n = next[f];
            prev[f] = UNLINKED;
            if (examiner.examine(f, nowNanos)) {
                exported++;
            }
            f = n;
        }
        return exported;
    }

    private void pushFront(int f, int list) {
        int h = head[list];
        prev[f] = -2 - list;
        next[f] = h;
        if (h >= 0) {
            prev[h] = f;
        }
        head[list] = f;
    }

    void unlink(int f) {
        int p = prev[f];
        if (p == UNLINKED) {
            return;
        }
        int n = next[f];
        if (p >= 0) {
            next[p] = n;
        } else {
            head[-2 - p] = n;
        }
        if (n >= 0) {
            prev[n] = p;
        }
        prev[f] = UNLINKED;
    }

    /** Empties every list; with {@code flows}, also marks flows {@code 0..flows-1} unlinked (a whole flush). */
    void clear(int flows) {
        if (flows > 0) {
            Arrays.fill(prev, 0, flows, UNLINKED);
        }
        Arrays.fill(head, -1);
    }
}
