package org.secmon.plugins.netflow.cache;

import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;

import org.secmon.plugin.Packet;
import org.secmon.plugin.ring.SpscCursors;

/**
 * A flow cache on a thread of its own (the cache thread), fed by the packet thread: the packet thread only
 * {@link FlowCache#encode encodes} each packet (key, hash, length, flags: 128 bytes) into a single-producer,
 * single-consumer ring; the cache thread looks the entries up in the cache, in order, and does everything else with
 * the cache and what hangs off it (expiry, export, counters, queries) through the {@link Owner}'s callbacks. On two
 * cores this splits a packet's work about in half: reading and parsing on one, the cache's memory stalls on the
 * other.
 * <p>
 * Nothing is lost: when the ring is full the packet thread waits for room (counted in {@link #fullWaits}). Entries
 * carry their own times; the packet thread's clock ({@link #publish}) reaches the cache thread only after every
 * entry offered before it, so that expiry never runs ahead of packets not yet accounted. A failure on the cache
 * thread stops it and is thrown, as an {@link IllegalStateException}, to the packet thread's next call.
 */
public final class FlowPipe implements AutoCloseable {
    /** What runs on the cache thread besides the lookups. */
    public interface Owner {
        /** Before the first entry is accounted, with its time. */
        void boot(long firstNanos);

        /** After each round of lookups and when idle, with the packet thread's latest clock (0 before any). */
        void housekeeping(long nowNanos);

        /** End of stream: every entry offered is accounted; export what is left. */
        void finish();
    }

    /** Default ring size in entries (512 KiB). */
    public static final int DEFAULT_CAPACITY = 4096;
    private static final int TURN = 32; // entries accounted per turn, like a burst

    private final FlowCache cache;
    private final Owner owner;
    private final long[] ring;
    private final byte[] metaRing; // the entries' metadata records, null when the cache extracts none
    private final int metaSlot;
    private final int capMask;
    /** Positions: the packet thread's and the cache thread's on cache lines of their own. */
    private final SpscCursors cursors;
    private final Thread thread;
    private final AtomicReference<Throwable> failure = new AtomicReference<>();
    private final AtomicReference<Task<?>> task = new AtomicReference<>();
    private final CompletableFuture<Void> finished = new CompletableFuture<>();

    // packet thread only
    private boolean finishing;
    // cache thread only
    private boolean booted;
    // either: rare
    private volatile boolean finishRequested;
    private volatile boolean closed;

    private record Task<T>(Callable<T> call, CompletableFuture<T> answer) {
    }

    /**
     * @param capacity ring size in entries, a power of two of at least {@value #TURN}
     * @param name     the cache thread's name
     */
    public FlowPipe(FlowCache cache, Owner owner, int capacity, String name) {
        if (capacity < TURN || Integer.bitCount(capacity) != 1) {
            throw new IllegalArgumentException("ring capacity must be a power of two >= " + TURN + ", not " + capacity);
        }
        this.cache = cache;
        this.owner = owner;
        this.ring = new long[capacity * FlowKey.ENTRY];
        this.metaSlot = cache.metaSlotSize();
        this.metaRing = metaSlot == 0 ? null : new byte[capacity * metaSlot];
        this.capMask = capacity - 1;
        this.cursors = new SpscCursors(capacity);
        this.thread = Thread.ofPlatform().name(name).daemon(true).unstarted(this::run);
        thread.start();
    }

    // ---- packet thread -----------------------------------------------------------------------------------------

    /** Encode one parsed packet for the cache thread; it sees it after the next {@link #publish}. */
    public void offer(Packet p, long nowNanos) {
        long h = cursors.claim();
        if (h < 0) {
            h = awaitRoom();
        }
        int at = (int) (h & capMask);
        if (cache.encode(p, nowNanos, ring, at * FlowKey.ENTRY, metaRing, at * metaSlot)) {
            cursors.advance();
        } else {
            cursors.skip();
        }
    }

    /** Hand every offered packet, then the clock {@code nowNanos}, to the cache thread. */
    public void publish(long nowNanos) {
        checkFailure();
        if (nowNanos != 0) {
            cursors.publish(nowNanos);
        } else {
            cursors.publish();
        }
    }

    private long awaitRoom() {
        cursors.publish(); // the cache thread may be waiting for these
        cursors.fullWait();
        int spins = 0;
        long h;
        while ((h = cursors.claim()) < 0) {
            checkFailure();
            if (++spins < 1000) {
                Thread.onSpinWait();
            } else {
                LockSupport.parkNanos(10_000);
            }
        }
        return h;
    }

    /**
     * End of stream: wait until the cache thread has accounted everything offered and run {@link Owner#finish};
     * later calls return at once.
     */
    public void finish(long timeoutMillis) {
        if (!finishing) {
            finishing = true;
            cursors.publish();
            finishRequested = true;
            LockSupport.unpark(thread);
        }
        await(finished, timeoutMillis, "finish");
    }

    /**
     * Run {@code call} on the cache thread (so that it sees the cache consistent, every entry published so far
     * accounted) and wait for its result. Any thread; one call at a time.
     */
    public <T> T call(Callable<T> call, long timeoutMillis) {
        Task<T> t = new Task<>(call, new CompletableFuture<>());
        if (!task.compareAndSet(null, t)) {
            throw new IllegalStateException("another request to the cache thread is waiting; try again");
        }
        LockSupport.unpark(thread);
        try {
            return await(t.answer(), timeoutMillis, "request");
        } finally {
            task.compareAndSet(t, null);
        }
    }

    private <T> T await(CompletableFuture<T> f, long timeoutMillis, String what) {
        try {
            return f.get(timeoutMillis, TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            checkFailure();
            throw new IllegalStateException("the flow cache thread did not complete the " + what + " within "
                    + timeoutMillis + " ms");
        } catch (ExecutionException e) {
            throw new IllegalStateException("flow cache thread: " + e.getCause(), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted waiting for the flow cache thread");
        }
    }

    private void checkFailure() {
        Throwable t = failure.get();
        if (t != null) {
            throw new IllegalStateException("the flow cache thread failed: " + t, t);
        }
    }

    /** Non-IP frames the packet thread skipped (any thread). */
    public long nonIp() {
        return cursors.skipped();
    }

    /** Times the packet thread found the ring full and waited for the cache thread (any thread). */
    public long fullWaits() {
        return cursors.fullWaits();
    }

    /** Entries the cache thread has accounted (any thread). */
    public long accounted() {
        return cursors.consumedPosition();
    }

    /** Stop the cache thread (without {@link #finish}ing) and wait for it to end. */
    @Override
    public void close() {
        closed = true;
        LockSupport.unpark(thread);
        try {
            thread.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    // ---- cache thread ------------------------------------------------------------------------------------------

    private void run() {
        int idle = 0;
        try {
            long t = 0;
            while (!closed) {
                // the clock before the head: every entry offered before that clock is then below the head
                final long now = cursors.stamp();
                final long h = cursors.published();
                final boolean got = h != t;
                if (got) {
                    if (!booted) {
                        booted = true;
                        owner.boot(ring[(int) (t & capMask) * FlowKey.ENTRY + FlowKey.E_TS]);
                    }
                    while (t != h) {
                        int at = (int) (t & capMask);
                        int n = (int) Math.min(h - t, Math.min(TURN, capMask + 1 - at)); // no wrap inside a turn
                        cache.account(ring, at * FlowKey.ENTRY, n, metaRing, at * metaSlot);
                        t += n;
                        cursors.release(n);
                    }
                    idle = 0;
                }
                if (booted) {
                    owner.housekeeping(now);
                }
                Task<?> q = task.get();
                if (q != null && task.compareAndSet(q, null)) {
                    answer(q);
                }
                if (!got && finishRequested && cursors.published() == t) {
                    finishRequested = false;
                    owner.finish();
                    finished.complete(null);
                }
                if (!got) {
                    idle(++idle);
                }
            }
        } catch (Throwable e) {
            failure.set(e);
            finished.completeExceptionally(e);
            Task<?> q = task.getAndSet(null);
            if (q != null) {
                q.answer().completeExceptionally(e);
            }
        }
    }

    private static <T> void answer(Task<T> q) {
        try {
            q.answer().complete(q.call().call());
        } catch (Throwable e) {
            q.answer().completeExceptionally(e);
        }
    }

    private static void idle(int n) {
        if (n < 200) {
            Thread.onSpinWait();
        } else if (n < 300) {
            Thread.yield();
        } else {
            LockSupport.parkNanos(50_000);
        }
    }
}
