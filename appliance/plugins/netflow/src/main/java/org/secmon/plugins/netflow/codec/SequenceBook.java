package org.secmon.plugins.netflow.codec;

import org.secmon.transport.Collector;
import org.secmon.transport.CollectorSet;
import org.secmon.transport.KeptNumbers;

/**
 * What a collector sees of the exporter across configuration changes: for each collector — by type, address, port
 * and source id (observation domain) — the next sequence number; the boot time NetFlow v9's sysUptime counts from;
 * and the lock a datagram is numbered and sent under. The plugin keeps one for as long as it is loaded
 * ({@code PluginContext.kept}), so that the instances a new configuration starts (beside the old ones, which flush
 * their flows meanwhile) go on numbering where the old ones are, under the same lock: the collector sees one exporter
 * with one gap-free sequence, not a restart at every change (nfcapd counted a "sequence failure" per change).
 * A collector the new configuration adds starts at 0; one it no longer has keeps its number, should it come back
 * ({@link KeptNumbers}).
 */
public final class SequenceBook {
    private final Object lock = new Object();
    /** Per collector key: its next number (read and written under {@link #lock}). */
    private final KeptNumbers numbers = new KeptNumbers(1);
    private long bootNanos = Long.MIN_VALUE;

    /** The sequences of {@code set}'s collectors for a new configuration, numbered with {@code sourceId}. */
    public Sequences sequences(CollectorSet set, long sourceId) {
        return new Sequences(numbers.cells(set.collectors().stream().map(c -> key(c, sourceId)).toList()), this);
    }

    /** Sequences for {@code collectors} collectors that no other configuration continues (tests, tools). */
    Sequences anonymous(int collectors) {
        long[][] cells = new long[collectors][];
        for (int i = 0; i < collectors; i++) {
            cells[i] = new long[1];
        }
        return new Sequences(cells, this);
    }

    private static String key(Collector c, long sourceId) {
        return c.type().key() + " " + c.host() + " " + c.port() + " " + sourceId;
    }

    Object lock() {
        return lock;
    }

    /** The boot time: set by the first exporter that boots, one second before its first packet; then kept. */
    long boot(long firstNanos) {
        synchronized (lock) {
            if (bootNanos == Long.MIN_VALUE) {
                bootNanos = firstNanos - 1_000_000_000L;
            }
            return bootNanos;
        }
    }
}
