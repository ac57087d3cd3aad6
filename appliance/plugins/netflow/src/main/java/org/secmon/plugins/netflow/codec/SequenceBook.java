package org.secmon.plugins.netflow.codec;

import java.util.HashMap;
import java.util.Map;

import org.secmon.transport.Collector;
import org.secmon.transport.CollectorSet;

/**
 * What a collector sees of the exporter across configuration changes: for each collector — by type, address, port
 * and source id (observation domain) — the next sequence number; the boot time NetFlow v9's sysUptime counts from;
 * and the lock a datagram is numbered and sent under. The plugin keeps one for as long as it is loaded
 * ({@code PluginContext.kept}), so that the instances a new configuration starts (beside the old ones, which flush
 * their flows meanwhile) go on numbering where the old ones are, under the same lock: the collector sees one exporter
 * with one gap-free sequence, not a restart at every change (nfcapd counted a "sequence failure" per change).
 * A collector the new configuration adds starts at 0; one it no longer has keeps its number, should it come back
 * (up to {@value #MAX_REMEMBERED} collectors).
 */
public final class SequenceBook {
    /** Collectors remembered at most: beyond it, only the newest configuration's. */
    static final int MAX_REMEMBERED = 1024;
    private final Object lock = new Object();
    /** Per collector key, a one-element array: its next number (read and written under {@link #lock}). */
    private Map<String, long[]> byCollector = new HashMap<>();
    private long bootNanos = Long.MIN_VALUE;

    /** The sequences of {@code set}'s collectors for a new configuration, numbered with {@code sourceId}. */
    public Sequences sequences(CollectorSet set, long sourceId) {
        synchronized (lock) {
            Map<String, long[]> now = new HashMap<>();
            long[][] cells = new long[set.size()][];
            for (int i = 0; i < cells.length; i++) {
                String key = key(set.collectors().get(i), sourceId);
                long[] known = byCollector.get(key);
                // two entries of one set with one key (the same collector twice) share a number: it sees one sequence
                cells[i] = now.computeIfAbsent(key, k -> known != null ? known : new long[1]);
            }
            // the collectors of earlier configurations are remembered too (a configuration that failed to start
            // must not make the running one's collectors start again at 0 later), up to a bound
            if (byCollector.size() + now.size() <= MAX_REMEMBERED) {
                byCollector.forEach(now::putIfAbsent);
            }
            byCollector = now;
            return new Sequences(cells, this);
        }
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
