package org.secmon.dataplane.agent;

import java.util.concurrent.locks.LockSupport;

/** What a data-plane thread does when a work cycle found nothing to do. */
public interface IdleStrategy {
    void idle(int workCount);

    default void reset() {
    }

    /** Never yields the core: lowest latency, one core per agent (rx threads on a dedicated core). */
    static IdleStrategy busySpin() {
        return work -> {
            if (work <= 0) {
                Thread.onSpinWait();
            }
        };
    }

    /** Spin, then yield, then park with exponential back-off up to {@code maxParkNanos}. */
    static IdleStrategy backoff(long maxParkNanos) {
        return new Backoff(100, 10, 1_000, maxParkNanos);
    }

    /** Spin/yield/park back-off, Agrona's BackoffIdleStrategy in miniature. Not thread-safe: one per thread. */
    final class Backoff implements IdleStrategy {
        private final long maxSpins;
        private final long maxYields;
        private final long minPark;
        private final long maxPark;
        private long spins;
        private long yields;
        private long park;

        public Backoff(long maxSpins, long maxYields, long minParkNanos, long maxParkNanos) {
            this.maxSpins = maxSpins;
            this.maxYields = maxYields;
            this.minPark = minParkNanos;
            this.maxPark = maxParkNanos;
            this.park = minParkNanos;
        }

        @Override
        public void idle(int workCount) {
            if (workCount > 0) {
                reset();
                return;
            }
            if (spins < maxSpins) {
                spins++;
                Thread.onSpinWait();
            } else if (yields < maxYields) {
                yields++;
                Thread.yield();
            } else {
                LockSupport.parkNanos(park);
                park = Math.min(park << 1, maxPark);
            }
        }

        @Override
        public void reset() {
            spins = 0;
            yields = 0;
            park = minPark;
        }
    }
}
