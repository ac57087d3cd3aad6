package org.secmon.plugins.netflow.codec;

/**
 * The sequence numbers of an exporter's collectors, its boot time, and the lock under which a datagram takes its
 * number and is sent. Instances of the plugin on several rx queues share one, so that each collector sees one
 * gap-free sequence in the order the datagrams arrive: NetFlow v9 counts export packets per source id (RFC 3954
 * section 5.1), IPFIX data records per observation domain and transport session (RFC 7011 section 3.1) — one of each
 * here, whatever the number of queues. nfdump's collector checks exactly this and counts a "sequence failure" for
 * every datagram whose number is not the previous one's successor. The numbers, the boot time and the lock belong
 * to a {@link SequenceBook}, which a configuration change hands on: the new instances continue the sequence.
 */
public final class Sequences {
    /** Per collector, a one-element array holding its next number (under {@link #lock()}). */
    final long[][] next;
    private final SequenceBook book;

    Sequences(long[][] next, SequenceBook book) {
        this.next = next;
        this.book = book;
    }

    /** Sequences of one exporter alone, starting at 0 (a lock nobody else takes: uncontended). */
    public static Sequences own(int collectors) {
        return new SequenceBook().anonymous(collectors);
    }

    Object lock() {
        return book.lock();
    }

    /**
     * The exporter's boot time (NetFlow v9 sysUptime counts from it): set by the first exporter that boots, one
     * second before its first packet; the same for every queue and every later configuration, so that a collector
     * sees one uptime clock.
     */
    long boot(long firstNanos) {
        return book.boot(firstNanos);
    }
}
