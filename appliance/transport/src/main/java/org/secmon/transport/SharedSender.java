package org.secmon.transport;

import java.nio.ByteBuffer;
import java.util.function.Supplier;

import org.secmon.plugin.PluginContext;

/**
 * One {@link UdpSender} — one socket per collector, its pacing and health — shared by the instances of an export
 * plugin that runs one instance per rx queue. Each instance sends through its own {@link #view()}; every call takes
 * this object's lock, so that datagrams leave in the order they were handed over, whichever queue made them. An
 * encoder that numbers its datagrams (NetFlow v9 and IPFIX sequence numbers) takes the number and sends under one
 * lock that every sender of those numbers holds — {@link #lock()}, or its own held around each send (NetFlow's,
 * which outlives a configuration's sender): the collector then sees one exporter, one transport session and one
 * gap-free sequence, not one per queue.
 *
 * <p>A collector going down or coming back is seen by the instance whose send or check noticed it; every other view
 * tells its own listener at its next {@link DatagramSink#check check} or send, on its own thread (each queue's load
 * balancer and templates are its own).
 */
public final class SharedSender implements AutoCloseable {
    private final UdpSender sender;
    /** Per collector: incremented on every change of its state, under the lock. */
    private final long[] changes;
    /** The socket's figures, in the counters of the instance that opened it (the host sums them over instances). */
    private final CollectorCounters counters;
    private int users;

    public SharedSender(UdpSender sender) {
        this(sender, null);
    }

    private SharedSender(UdpSender sender, CollectorCounters counters) {
        this.sender = sender;
        this.counters = counters;
        this.changes = new long[sender.size()];
        sender.listener((c, up) -> changes[c]++);
    }

    /**
     * The sender every instance of the plugin shares ({@link PluginContext#shared}), opened by {@code open} for the
     * first instance that asks; each caller {@link #release releases} it when it stops, and the last one closes
     * it. Its figures (datagrams, bytes, errors, paced, down per collector) go into the first instance's
     * {@link CollectorCounters} by {@link #publishCounters}; each instance still publishes its own load balancer's
     * sessions.
     */
    public static SharedSender acquire(PluginContext context, CollectorSet set, Supplier<UdpSender> open) {
        SharedSender s = context.shared("sender", () -> new SharedSender(open.get(),
                new CollectorCounters(context, set)));
        synchronized (s) {
            s.users++;
        }
        return s;
    }

    /** One instance is done with the sender (it flushed); the last one closes it. */
    public void release() {
        synchronized (this) {
            if (users > 0 && --users == 0) {
                sender.close();
            }
        }
    }

    /** Copies the socket's figures into the shared counters (any instance, after it sent). */
    public void publishCounters() {
        if (counters != null) {
            synchronized (this) {
                counters.publishSender(sender);
            }
        }
    }

    /** The lock every view holds while it sends; hold it around numbering a datagram and sending it. */
    public Object lock() {
        return this;
    }

    /** The shared sender, for its counters (read them from any thread; its methods only under {@link #lock()}). */
    public UdpSender sender() {
        return sender;
    }

    /** A sink for one instance (one queue): its own listener, the shared socket. */
    public DatagramSink view() {
        return new View();
    }

    @Override
    public void close() {
        synchronized (this) {
            sender.close();
        }
    }

    private final class View implements DatagramSink {
        private final long[] seen = new long[changes.length];
        private final boolean[] wasUp = new boolean[changes.length];
        private DatagramSink.Listener listener = (c, u) -> { };

        View() {
            synchronized (SharedSender.this) {
                for (int i = 0; i < seen.length; i++) {
                    seen[i] = changes[i];
                    wasUp[i] = sender.isUp(i);
                }
            }
        }

        @Override
        public void listener(DatagramSink.Listener l) {
            listener = l;
        }

        @Override
        public int size() {
            return changes.length;
        }

        @Override
        public boolean isUp(int collector) {
            synchronized (SharedSender.this) {
                return sender.isUp(collector);
            }
        }

        @Override
        public boolean send(int collector, ByteBuffer datagram, long nowNanos) {
            boolean sent;
            synchronized (SharedSender.this) {
                sent = sender.send(collector, datagram, nowNanos);
            }
            if (!sent) {
                notice();
            }
            return sent;
        }

        @Override
        public void check(long nowNanos) {
            synchronized (SharedSender.this) {
                sender.check(nowNanos);
            }
            notice();
        }

        @Override
        public void drain(long nowNanos, boolean untilEmpty) {
            synchronized (SharedSender.this) {
                sender.drain(nowNanos, untilEmpty);
            }
        }

        /** Tells this view's listener what changed since it last looked (on the caller's thread, unlocked). */
        private void notice() {
            for (int i = 0; i < seen.length; i++) {
                long c;
                boolean up;
                synchronized (SharedSender.this) {
                    c = changes[i];
                    up = sender.isUp(i);
                }
                if (c != seen[i]) {
                    seen[i] = c;
                    if (!up && wasUp[i]) {
                        listener.collectorStateChanged(i, false);
                    } else if (up && !wasUp[i]) {
                        listener.collectorStateChanged(i, true);
                    } else if (up) { // down and up again since it last looked: it came back, templates again
                        listener.collectorStateChanged(i, false);
                        listener.collectorStateChanged(i, true);
                    }
                    wasUp[i] = up;
                }
            }
        }

        @Override
        public void close() {
            // the socket belongs to every queue: SharedSender.close, by the plugin's host, once all stopped
        }
    }
}
