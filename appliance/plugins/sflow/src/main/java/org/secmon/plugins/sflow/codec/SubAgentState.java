package org.secmon.plugins.sflow.codec;

import org.secmon.transport.CollectorSet;
import org.secmon.transport.KeptNumbers;

/**
 * What a collector sees of one sFlow sub-agent across configuration changes: per collector (address, port) the last
 * datagram, flow-sample and counter-sample sequence numbers; the sample pool; the boot time uptimes count from. The
 * sflow plugin keeps one per sub-agent for as long as it is loaded ({@code PluginContext.kept}), so that the
 * instances a new configuration starts go on where the old ones are: a collector sees one agent, not a restart
 * (sFlow-RT drops an agent's state at a sequence reset; sfacctd logs one).
 *
 * <p>Owned by one instance at a time ({@link #own}, {@link #release}), which numbers with plain increments on its
 * data-plane thread. During a swap two own it — the new one numbering on the rx thread, the old one flushing on the
 * control thread — and both then number under this object's lock ({@link #overlap}): for the milliseconds of a
 * swap, not per sample in between.
 */
public final class SubAgentState {
    static final int DATAGRAM = 0;
    static final int FLOW = 1;
    static final int COUNTER = 2;

    /** Per collector (address, port): the last datagram, flow-sample and counter-sample numbers. */
    private final KeptNumbers numbers = new KeptNumbers(3);
    private int owners;
    /** More than one instance owns it: number under the lock. */
    volatile boolean overlap;
    private long bootNanos = Long.MIN_VALUE;
    /** The sample pool, saved by the running instance after every burst (its data-plane thread). */
    private volatile long pool;

    /** Per collector of {@code set}: its three sequence numbers' cell (the last ones used). */
    long[][] cells(CollectorSet set) {
        return numbers.cells(set.collectors().stream().map(c -> c.host() + " " + c.port()).toList());
    }

    /** An instance starts using it (at the end of its start). */
    public synchronized void own() {
        owners++;
        overlap = owners > 1;
    }

    /** An instance is done with it (at the end of its stop: its last datagram sent). */
    public synchronized void release() {
        owners = Math.max(0, owners - 1);
        overlap = owners > 1;
    }

    /** The boot time: the first exporter's first packet; then kept. */
    synchronized long boot(long nowNanos) {
        if (bootNanos == Long.MIN_VALUE) {
            bootNanos = nowNanos;
        }
        return bootNanos;
    }

    public long pool() {
        return pool;
    }

    public void pool(long v) {
        pool = v;
    }
}
