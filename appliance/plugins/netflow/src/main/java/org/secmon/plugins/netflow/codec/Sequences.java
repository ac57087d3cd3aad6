package org.secmon.plugins.netflow.codec;

/**
 * The sequence numbers of an exporter's collectors, its boot time, and the lock under which a datagram takes its number and is
 * sent. Instances of the plugin on several rx queues share one (with the socket lock of their shared sender), so
 * that each collector sees one gap-free sequence in the order the datagrams arrive: NetFlow v9 counts export
 * packets per source id (RFC 3954 section 5.1), IPFIX data records per observation domain and transport session
 * (RFC 7011 section 3.1) — one of each here, whatever the number of queues. nfdump's collector checks exactly this
 * and counts a "sequence failure" for every datagram whose number is not the previous one's successor.
 */
public final class Sequences {
    private final Object lock;
    final long[] next;
    private long bootNanos = Long.MIN_VALUE;

    /** Sequences for {@code collectors} collectors, numbered and sent under {@code lock}. */
    public Sequences(int collectors, Object lock) {
        this.next = new long[collectors];
        this.lock = lock;
    }

    /** Sequences of one exporter alone (a lock nobody else takes: uncontended). */
    public static Sequences own(int collectors) {
        return new Sequences(collectors, new Object());
    }

    Object lock() {
        return lock;
    }

    /**
     * The exporter's boot time (NetFlow v9 sysUptime counts from it): set by the first exporter that boots, one
     * second before its first packet; the same for every queue, so that a collector sees one uptime clock.
     */
    long boot(long firstNanos) {
        synchronized (lock) {
            if (bootNanos == Long.MIN_VALUE) {
                bootNanos = firstNanos - 1_000_000_000L;
            }
            return bootNanos;
        }
    }
}
