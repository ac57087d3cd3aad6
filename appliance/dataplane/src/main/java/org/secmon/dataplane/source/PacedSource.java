package org.secmon.dataplane.source;

/**
 * A source played at a fixed packet rate with wall-clock timestamps: a capture looped as if it were live traffic
 * (the demo, tests, a lab without a mirror port). Pacing is by bursts: a burst is taken when enough credit has
 * accumulated for it, so the rate is exact over any second while single bursts stay whole.
 */
public final class PacedSource implements PacketSource {
    private final PacketSource inner;
    private final double packetsPerNano;
    private final int burstCredit;
    private long lastNanos;
    private double credit;

    /**
     * @param packetsPerSecond the rate; 0 or less plays as fast as the source gives (timestamps still wall-clock)
     */
    public PacedSource(PacketSource inner, long packetsPerSecond, int burstSize) {
        this.inner = inner;
        this.packetsPerNano = packetsPerSecond <= 0 ? 0 : packetsPerSecond / 1e9;
        this.burstCredit = burstSize;
    }

    @Override
    public int poll(Burst burst) {
        long now = System.nanoTime();
        if (packetsPerNano > 0) {
            if (lastNanos == 0) {
                lastNanos = now;
                credit = burstCredit;
            }
            credit = Math.min(credit + (now - lastNanos) * packetsPerNano, burstCredit * 4.0);
            lastNanos = now;
            if (credit < burstCredit) {
                return 0;
            }
        }
        int n = inner.poll(burst);
        if (n > 0) {
            credit -= n;
            long wall = System.currentTimeMillis() * 1_000_000L;
            for (int i = 0; i < n; i++) {
                burst.timestampNanos[i] = wall;
            }
        }
        return n;
    }

    @Override
    public void release(Burst burst) {
        inner.release(burst);
    }

    @Override
    public void onThreadStart() {
        inner.onThreadStart();
    }

    @Override
    public void onThreadStop() {
        inner.onThreadStop();
    }

    @Override
    public boolean captureTime() {
        return false;
    }

    @Override
    public boolean lossless() {
        return false;
    }

    @Override
    public String describe() {
        return inner.describe() + (packetsPerNano > 0 ? String.format(java.util.Locale.ROOT, " at %,.0f packets/s",
                packetsPerNano * 1e9) : " (unpaced)");
    }

    @Override
    public void close() {
        inner.close();
    }
}
