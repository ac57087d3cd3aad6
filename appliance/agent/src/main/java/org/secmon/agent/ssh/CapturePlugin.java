package org.secmon.agent.ssh;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Locale;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.atomic.AtomicLong;

import org.secmon.plugin.DeliveryMode;
import org.secmon.plugin.Packet;
import org.secmon.plugin.PacketFormat;
import org.secmon.plugin.PluginApi;
import org.secmon.plugin.PluginContext;
import org.secmon.plugin.PluginDescriptor;
import org.secmon.plugin.SecmonPlugin;

/**
 * The SSH CLI's {@code capture}: a temporary built-in plugin that turns the packets its filter passes into one-line
 * summaries for one session. It runs in RING mode, on its own thread, so formatting never touches the rx thread;
 * it takes at most {@code count} packets and drops (counting) what the session does not read fast enough.
 */
final class CapturePlugin implements SecmonPlugin {
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("HH:mm:ss.SSSSSS", Locale.ROOT)
            .withZone(ZoneOffset.UTC);

    private final String id;
    private final int count;
    private final BlockingQueue<String> lines = new ArrayBlockingQueue<>(1024);
    private final AtomicLong taken = new AtomicLong();
    private final AtomicLong dropped = new AtomicLong();

    CapturePlugin(String id, int count) {
        this.id = id;
        this.count = count;
    }

    @Override
    public PluginDescriptor descriptor() {
        return new PluginDescriptor(id, "1.0", PluginApi.VERSION, "SSH CLI packet capture", DeliveryMode.RING, "");
    }

    @Override
    public void init(PluginContext context) {
    }

    @Override
    public void onPacket(Packet p) {
        if (taken.get() >= count) {
            return;
        }
        long n = taken.incrementAndGet();
        if (n > count) {
            return;
        }
        if (!lines.offer(summary(p))) {
            dropped.incrementAndGet();
        }
    }

    BlockingQueue<String> lines() {
        return lines;
    }

    boolean done() {
        return taken.get() >= count && lines.isEmpty();
    }

    long dropped() {
        return dropped.get();
    }

    @Override
    public void stop() {
    }

    /** One line, tcpdump-like: time, addresses and ports, protocol, length, TCP flags. */
    static String summary(Packet p) {
        StringBuilder b = new StringBuilder(96);
        b.append(TIME.format(Instant.ofEpochSecond(0, p.timestampNanos())));
        if (p.vlanCount() > 0) {
            b.append(" vlan ").append(p.outerVlan());
        }
        int v = p.ipVersion();
        if (v == 0) {
            b.append(String.format(Locale.ROOT, " %s > %s ethertype 0x%04x", mac(p.srcMac()), mac(p.dstMac()),
                    p.etherType()));
        } else {
            b.append(v == 4 ? " IP " : " IP6 ");
            b.append(PacketFormat.address(p.srcHi(), p.srcLo(), v));
            if (p.hasPorts()) {
                b.append(v == 6 ? "." : ":").append(p.srcPort());
            }
            b.append(" > ").append(PacketFormat.address(p.dstHi(), p.dstLo(), v));
            if (p.hasPorts()) {
                b.append(v == 6 ? "." : ":").append(p.dstPort());
            }
            b.append(' ').append(PacketFormat.protocolName(p.protocol()));
            if (p.protocol() == Packet.PROTO_TCP && p.hasPorts()) {
                b.append(" [").append(PacketFormat.tcpFlags(p.tcpFlags())).append(']');
            }
            if (p.isFragment()) {
                b.append(" frag");
            }
        }
        b.append(" len ").append(p.wireLength());
        return b.toString();
    }

    private static String mac(long m) {
        return String.format(Locale.ROOT, "%02x:%02x:%02x:%02x:%02x:%02x", (m >>> 40) & 0xff, (m >>> 32) & 0xff,
                (m >>> 24) & 0xff, (m >>> 16) & 0xff, (m >>> 8) & 0xff, m & 0xff);
    }
}
