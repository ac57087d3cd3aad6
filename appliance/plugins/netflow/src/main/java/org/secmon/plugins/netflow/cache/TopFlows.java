package org.secmon.plugins.netflow.cache;

/**
 * The largest flows of a table, found a slice at a time: {@link #step} looks at up to {@code budget} records and keeps
 * the {@code n} largest seen so far in a heap of their byte and packet counts as they were when seen; when the pass
 * reaches the end of the table, {@link #step} answers them, largest first by those counts (then packets, then the
 * lower record). {@link #of} does a whole pass at once — the SSH CLI's {@code show flows top N}, O(flows · log n),
 * 19-28 ms per million flows during which the data-plane thread reads no packets (FlowCacheBenchmark.top10); the
 * agent's reports, every few seconds, go a slice per housekeeping instead (FlowCacheBenchmark.topStep20). A sliced
 * answer is as of its pass (a flow may have been exported since; its record may hold another flow by the time it is
 * read). Preallocated heap; allocates its answer once per pass.
 */
final class TopFlows {
    private final FlowTable t;
    private int[] heap = new int[0];
    private long[] bytes = new long[0];
    private long[] packets = new long[0];
    private int count;
    private int n;
    /** The next record to look at, or -1 between passes. */
    private int pos = -1;

    TopFlows(FlowTable t) {
        this.t = t;
    }

    /** The {@code n} flows with the most bytes (then packets, then the lower record), largest first: one pass. */
    static int[] of(FlowTable t, int n) {
        if (n < 1) {
            throw new IllegalArgumentException("n must be >= 1");
        }
        return new TopFlows(t).step(Math.min(n, Math.max(1, t.size())), Integer.MAX_VALUE); // a heap no larger
                                                                                            // than the table
    }

    /**
     * Goes on with the pass (or starts one for the {@code n} largest), looking at up to {@code budget} records.
     *
     * @return the pass's answer (flow records, largest first) when it ended in this step, else null
     */
    int[] step(int n, int budget) {
        if (pos < 0) {
            start(n);
        }
        int end = (int) Math.min(t.highWater(), (long) pos + budget);
        for (int i = pos; i < end; i++) {
            if (t.inUse(i)) {
                offer(i, t.bytes(i), t.packets(i));
            }
        }
        pos = end;
        if (pos < t.highWater()) {
            return null;
        }
        pos = -1;
        int[] out = new int[count];
        for (int k = count - 1; k >= 0; k--) { // pop the smallest to the end
            out[k] = heap[0];
            move(0, k);
            siftDown(k);
        }
        count = 0;
        return out;
    }

    private void start(int want) {
        n = Math.max(1, want);
        if (heap.length < n) {
            heap = new int[n];
            bytes = new long[n];
            packets = new long[n];
        }
        count = 0;
        pos = 0;
    }

    private void offer(int f, long b, long p) {
        if (count < n) {
            heap[count] = f;
            bytes[count] = b;
            packets[count] = p;
            siftUp(count++);
        } else if (larger(b, p, f, 0)) {
            heap[0] = f;
            bytes[0] = b;
            packets[0] = p;
            siftDown(count);
        }
    }

    /** Whether (b, p, f) ranks above heap entry {@code k}: more bytes, then more packets, then the lower record. */
    private boolean larger(long b, long p, int f, int k) {
        if (b != bytes[k]) {
            return b > bytes[k];
        }
        return p != packets[k] ? p > packets[k] : f < heap[k];
    }

    private boolean larger(int a, int b) {
        return larger(bytes[a], packets[a], heap[a], b);
    }

    private void siftUp(int k) {
        while (k > 0) {
            int parent = (k - 1) >>> 1;
            if (!larger(parent, k)) {
                break;
            }
            swap(parent, k);
            k = parent;
        }
    }

    private void siftDown(int len) {
        int k = 0;
        while (true) {
            int l = 2 * k + 1;
            if (l >= len) {
                return;
            }
            int c = l + 1 < len && larger(l, l + 1) ? l + 1 : l;
            if (!larger(k, c)) {
                return;
            }
            swap(k, c);
            k = c;
        }
    }

    private void move(int to, int from) {
        heap[to] = heap[from];
        bytes[to] = bytes[from];
        packets[to] = packets[from];
    }

    private void swap(int a, int b) {
        int f = heap[a];
        long x = bytes[a];
        long y = packets[a];
        move(a, b);
        heap[b] = f;
        bytes[b] = x;
        packets[b] = y;
    }
}
