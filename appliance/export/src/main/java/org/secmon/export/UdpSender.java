package org.secmon.export;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.PortUnreachableException;
import java.net.StandardProtocolFamily;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.util.List;

import org.secmon.plugin.Counter;

/**
 * One connected UDP socket per collector of a set, with per-collector counters and health. A collector is marked
 * down when the kernel reports ICMP port/host unreachable for its socket (seen by the next send, or by
 * {@link #check}), or when it cannot be resolved or reached at all; it is tried again after the retry interval.
 * The {@link Listener} hears every change, so the load balancer can move sessions and the exporter can resend its
 * templates to a collector that came back. Single-threaded; sending allocates nothing.
 */
public final class UdpSender implements AutoCloseable {
    /** Told when a collector goes down or comes back. */
    public interface Listener {
        void collectorStateChanged(int collector, boolean up);
    }

    private static final System.Logger LOG = System.getLogger(UdpSender.class.getName());

    private final List<Collector> collectors;
    private final DatagramChannel[] channels;
    private final boolean[] up;
    private final long[] downUntil;
    private final long retryNanos;
    private final Counter[] datagrams;
    private final Counter[] bytes;
    private final Counter[] errors;
    private final Counter[] downs;
    private final String[] lastError;
    private final ByteBuffer probe = ByteBuffer.allocateDirect(64);
    private Listener listener = (c, u) -> { };

    public UdpSender(CollectorSet set, long retryNanos) {
        this.collectors = set.collectors();
        int n = collectors.size();
        this.channels = new DatagramChannel[n];
        this.up = new boolean[n];
        this.downUntil = new long[n];
        this.retryNanos = retryNanos;
        this.datagrams = new Counter[n];
        this.bytes = new Counter[n];
        this.errors = new Counter[n];
        this.downs = new Counter[n];
        this.lastError = new String[n];
        for (int i = 0; i < n; i++) {
            datagrams[i] = new Counter("datagrams");
            bytes[i] = new Counter("bytes");
            errors[i] = new Counter("errors");
            downs[i] = new Counter("down_events");
            up[i] = open(i);
            if (!up[i]) {
                LOG.log(System.Logger.Level.WARNING, "collector " + collectors.get(i) + " cannot be used ("
                        + lastError[i] + "); retry every " + retryNanos / 1_000_000 + " ms");
            }
        }
    }

    public void listener(Listener l) {
        this.listener = l;
    }

    private boolean open(int i) {
        Collector c = collectors.get(i);
        try {
            InetSocketAddress addr = new InetSocketAddress(c.host(), c.port());
            if (addr.isUnresolved()) {
                lastError[i] = "cannot resolve " + c.host();
                return false;
            }
            DatagramChannel ch = DatagramChannel.open(addr.getAddress() instanceof java.net.Inet6Address
                    ? StandardProtocolFamily.INET6 : StandardProtocolFamily.INET);
            ch.connect(addr);
            ch.configureBlocking(false);
            channels[i] = ch;
            lastError[i] = null;
            return true;
        } catch (IOException | RuntimeException e) {
            lastError[i] = e.toString();
            return false;
        }
    }

    public int size() {
        return collectors.size();
    }

    public Collector collector(int i) {
        return collectors.get(i);
    }

    public boolean isUp(int i) {
        return up[i];
    }

    /**
     * Send one datagram (the buffer's remaining bytes) to collector {@code i}. Returns false, counting an error,
     * if the collector is down or the send failed.
     */
    public boolean send(int i, ByteBuffer datagram, long nowNanos) {
        int len = datagram.remaining();
        DatagramChannel ch = channels[i];
        if (!up[i] || ch == null) {
            errors[i].increment();
            return false;
        }
        try {
            int sent = ch.write(datagram);
            if (sent == 0) { // socket buffer full: counted, not retried (UDP)
                errors[i].increment();
                return false;
            }
            datagrams[i].increment();
            bytes[i].add(len);
            return true;
        } catch (PortUnreachableException e) {
            markDown(i, nowNanos, "ICMP port unreachable");
        } catch (IOException e) {
            markDown(i, nowNanos, e.toString());
        }
        errors[i].increment();
        return false;
    }

    /**
     * Housekeeping: notice ICMP errors that arrived since the last send, and give collectors whose retry time has
     * come another chance. Call regularly (the exporter does, from the plugin's poll).
     */
    public void check(long nowNanos) {
        for (int i = 0; i < channels.length; i++) {
            if (up[i]) {
                DatagramChannel ch = channels[i];
                try {
                    probe.clear();
                    ch.read(probe); // a collector does not answer; this only surfaces pending ICMP errors
                } catch (PortUnreachableException e) {
                    markDown(i, nowNanos, "ICMP port unreachable");
                } catch (IOException e) {
                    markDown(i, nowNanos, e.toString());
                }
            } else if (nowNanos - downUntil[i] >= 0) {
                if (channels[i] == null && !open(i)) {
                    downUntil[i] = nowNanos + retryNanos;
                    continue;
                }
                up[i] = true;
                LOG.log(System.Logger.Level.INFO, "collector " + collectors.get(i) + ": trying again");
                listener.collectorStateChanged(i, true);
            }
        }
    }

    private void markDown(int i, long nowNanos, String why) {
        if (!up[i]) {
            return;
        }
        up[i] = false;
        downUntil[i] = nowNanos + retryNanos;
        downs[i].increment();
        lastError[i] = why;
        LOG.log(System.Logger.Level.WARNING, "collector " + collectors.get(i) + " is down (" + why
                + "); its sessions move to the other collectors, retry in " + retryNanos / 1_000_000 + " ms");
        listener.collectorStateChanged(i, false);
    }

    public long datagrams(int i) {
        return datagrams[i].get();
    }

    public long bytes(int i) {
        return bytes[i].get();
    }

    public long errors(int i) {
        return errors[i].get();
    }

    public long downEvents(int i) {
        return downs[i].get();
    }

    /** Why the collector was last marked down, or null. */
    public String lastError(int i) {
        return lastError[i];
    }

    @Override
    public void close() {
        for (DatagramChannel ch : channels) {
            if (ch != null) {
                try {
                    ch.close();
                } catch (IOException ignored) {
                    // closing
                }
            }
        }
    }
}
