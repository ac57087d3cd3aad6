package org.secmon.transport;

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
public final class UdpSender implements DatagramSink {

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
    private DatagramSink.Listener listener = (c, u) -> { };
    // pacing (optional): a token bucket per collector in bytes, on the real clock; datagrams over the rate wait in a
    // per-collector ring of preallocated buffers and go out as tokens come (check, drain); a full ring drops (counted)
    private long pacingBytesPerSecond;
    private long burstBytes;
    private double[] tokens;
    private long[] refilled;
    private ByteBuffer[][] queue;
    private int[] head;
    private int[] queued;
    private Counter[] paced;

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

    @Override
    public void listener(DatagramSink.Listener l) {
        this.listener = l;
    }

    /** A plugin configuration's {@code pacing_kbps} (0: off), checked. */
    public static long pacingKbps(org.secmon.plugin.PluginConfig c) {
        long k = c.longValue("pacing_kbps", 0);
        if (k < 0 || k > 100_000_000) {
            throw new IllegalArgumentException("pacing_kbps must be 0 (off) .. 100000000, not " + k);
        }
        return k;
    }

    /**
     * Paces every collector to {@code bitsPerSecond} (0: no pacing), so that a bursty flush does not overflow a
     * tunnel or a slow link: bursts up to {@code burstBytes} go at once, the rest waits in a ring of {@code slots}
     * datagrams of at most {@code maxDatagram} bytes per collector. Call before the first send.
     */
    public void pacing(long bitsPerSecond, int burstBytes, int slots, int maxDatagram) {
        int n = collectors.size();
        this.pacingBytesPerSecond = bitsPerSecond / 8;
        if (pacingBytesPerSecond <= 0) {
            return;
        }
        this.burstBytes = Math.max(burstBytes, maxDatagram);
        tokens = new double[n];
        refilled = new long[n];
        queue = new ByteBuffer[n][slots];
        head = new int[n];
        queued = new int[n];
        paced = new Counter[n];
        long now = System.nanoTime();
        for (int i = 0; i < n; i++) {
            tokens[i] = this.burstBytes;
            refilled[i] = now;
            paced[i] = new Counter("paced");
            for (int k = 0; k < slots; k++) {
                queue[i][k] = ByteBuffer.allocateDirect(maxDatagram);
            }
        }
    }

    private void refill(int i, long realNow) {
        tokens[i] = Math.min(burstBytes, tokens[i] + (realNow - refilled[i]) * (pacingBytesPerSecond / 1e9));
        refilled[i] = realNow;
    }

    /** Datagrams waiting for the pacing rate (0 without pacing). */
    public int queued(int i) {
        return queued == null ? 0 : queued[i];
    }

    /** Datagrams that had to wait for the pacing rate. */
    public long paced(int i) {
        return paced == null ? 0 : paced[i].get();
    }

    /**
     * Sends what the pacing rate allows now; with {@code untilEmpty}, waits (sleeping) until every queued datagram
     * is out — for the final flush, off the per-packet path.
     */
    @Override
    public void drain(long nowNanos, boolean untilEmpty) {
        if (queue == null) {
            return;
        }
        for (int i = 0; i < queue.length; i++) {
            while (queued[i] > 0) {
                refill(i, System.nanoTime());
                ByteBuffer b = queue[i][head[i]];
                if (tokens[i] < b.remaining()) {
                    if (!untilEmpty) {
                        break;
                    }
                    long waitNanos = (long) ((b.remaining() - tokens[i]) / (pacingBytesPerSecond / 1e9));
                    java.util.concurrent.locks.LockSupport.parkNanos(Math.max(waitNanos, 100_000));
                    continue;
                }
                tokens[i] -= b.remaining();
                sendNow(i, b, nowNanos);
                head[i] = (head[i] + 1) % queue[i].length;
                queued[i]--;
            }
        }
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
            if (c.dscp() != 0) {
                // the DS field: DSCP in the upper six bits (ECN bits left to the stack); on an IPv6 socket the JDK
                // sets the traffic class
                ch.setOption(java.net.StandardSocketOptions.IP_TOS, c.dscp() << 2);
            }
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

    @Override
    public int size() {
        return collectors.size();
    }

    /** Collector {@code i}'s socket (null while it cannot be opened); for tests. */
    DatagramChannel channel(int i) {
        return channels[i];
    }

    public Collector collector(int i) {
        return collectors.get(i);
    }

    @Override
    public boolean isUp(int i) {
        return up[i];
    }

    /**
     * Send one datagram (the buffer's remaining bytes) to collector {@code i}. Returns false, counting an error,
     * if the collector is down or the send failed.
     */
    @Override
    public boolean send(int i, ByteBuffer datagram, long nowNanos) {
        if (queue != null) {
            int len = datagram.remaining();
            refill(i, System.nanoTime());
            if (queued[i] == 0 && tokens[i] >= len) {
                tokens[i] -= len;
                return sendNow(i, datagram, nowNanos);
            }
            ByteBuffer[] q = queue[i];
            if (queued[i] == q.length || len > q[0].capacity()) {
                errors[i].increment(); // the pacing ring is full: dropped, counted
                return false;
            }
            ByteBuffer slot = q[(head[i] + queued[i]) % q.length];
            slot.clear();
            slot.put(datagram);
            slot.flip();
            queued[i]++;
            paced[i].increment();
            return true;
        }
        return sendNow(i, datagram, nowNanos);
    }

    private boolean sendNow(int i, ByteBuffer datagram, long nowNanos) {
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
    @Override
    public void check(long nowNanos) {
        drain(nowNanos, false);
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
