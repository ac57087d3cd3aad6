package org.secmon.plugins.netflow.codec;

import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.secmon.plugins.netflow.cache.FlowCache;
import org.secmon.plugins.netflow.cache.FlowField;
import org.secmon.plugins.netflow.cache.Frames;
import org.secmon.testkit.Await;
import org.secmon.transport.Collector;
import org.secmon.transport.CollectorSet;
import org.secmon.transport.CollectorType;
import org.secmon.transport.LbAlgorithm;
import org.secmon.transport.LoadBalancer;
import org.secmon.transport.UdpSender;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Two real UDP collectors on loopback: one goes away (the kernel answers ICMP port unreachable), its sessions move
 * to the other; it comes back, gets templates first, and its sessions return.
 */
class FlowExporterFailoverTest {
    static final long S = 1_000_000_000L;
    static final long T0 = 1_700_000_000L * S;

    /** A collector socket that records the NetFlow v9 packets it receives. */
    static final class Receiver implements AutoCloseable {
        final DatagramSocket socket;
        final List<ByteBuffer> packets = new ArrayList<>();
        final Thread thread;

        Receiver(int port) throws Exception {
            socket = new DatagramSocket(null);
            socket.setReuseAddress(true);
            socket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
            thread = Thread.ofPlatform().daemon().start(() -> {
                byte[] b = new byte[65535];
                while (!socket.isClosed()) {
                    DatagramPacket p = new DatagramPacket(b, b.length);
                    try {
                        socket.receive(p);
                        synchronized (packets) {
                            packets.add(ByteBuffer.wrap(java.util.Arrays.copyOf(p.getData(), p.getLength())));
                        }
                    } catch (Exception e) {
                        return;
                    }
                }
            });
        }

        int port() {
            return socket.getLocalPort();
        }

        /** Data records received (v9 header count minus template records). */
        long dataRecords() {
            long n = 0;
            synchronized (packets) {
                for (ByteBuffer b : packets) {
                    int count = b.getShort(2) & 0xffff;
                    n += count - (firstSetIsTemplate(b) ? 4 : 0);
                }
            }
            return n;
        }

        static boolean firstSetIsTemplate(ByteBuffer b) {
            return b.getShort(20) == 0;
        }

        List<ByteBuffer> snapshot() {
            synchronized (packets) {
                return List.copyOf(packets);
            }
        }

        @Override
        public void close() throws Exception {
            socket.close();
            thread.join(2000);
        }
    }

    /** Waits (up to 5 s) until {@code r} has {@code records} data records; the caller asserts the exact count. */
    static void settle(Receiver r, long records) {
        try {
            Await.until(Duration.ofSeconds(5), records + " data records", () -> r.dataRecords() >= records);
        } catch (AssertionError e) {
            // fall through: the caller's assertEquals names the count that arrived
        }
    }

    @Test
    void sessionsMoveOffADeadCollectorAndComeBack() throws Exception {
        Receiver r0 = new Receiver(0);
        Receiver r1 = new Receiver(0);
        int port1 = r1.port();
        CollectorSet set = new CollectorSet("pair", List.of(
                new Collector("c0", "127.0.0.1", r0.port(), CollectorType.NETFLOW, 1),
                new Collector("c1", "127.0.0.1", port1, CollectorType.NETFLOW, 1)), LbAlgorithm.ROUND_ROBIN);
        UdpSender sender = new UdpSender(set, 5 * S);
        LoadBalancer lb = new LoadBalancer(set, 10_000, 600 * S);
        FlowExporter ex = new FlowExporter(set, FlowExporter.Settings.defaults(), sender, lb);
        FlowCache cache = new FlowCache(10_000, FlowField.DEFAULT_MATCH, EnumSet.noneOf(FlowField.class),
                60 * S, 15 * S, S, FlowCache.FullPolicy.EVICT_OLDEST, ex);
        ex.boot(T0);
        try (r0; ex) {
            // 1. 100 sessions, one packet each, spread 50/50
            long t = T0;
            for (int i = 0; i < 100; i++) {
                cache.update(Frames.udp("10.0.0.1", "10.9.0." + i, 1000, 53, 20, t), t);
            }
            cache.flush();
            ex.flush();
            settle(r0, 50);
            settle(r1, 50);
            assertEquals(50, r0.dataRecords());
            assertEquals(50, r1.dataRecords());
            assertTrue(Receiver.firstSetIsTemplate(r0.snapshot().get(0)), "templates lead the first packet");

            // 2. collector 1 goes away: ICMP port unreachable marks it down, its sessions go to collector 0
            r1.close();
            t += S;
            for (int i = 0; i < 100; i++) {
                cache.update(Frames.udp("10.0.0.1", "10.9.0." + i, 1000, 53, 20, t), t);
            }
            cache.flush();
            ex.flush(); // the packet to collector 1 is lost: UDP learns of the loss afterwards
            // the ICMP error is queued on the socket asynchronously: poll (bounded) until the exporter sees it
            long now = t;
            Await.until(Duration.ofSeconds(5), "ICMP port unreachable seen", () -> {
                ex.tick(now);
                return !sender.isUp(1);
            });
            assertFalse(lb.isUp(1));
            assertEquals(1, sender.downEvents(1));
            assertTrue(sender.lastError(1).contains("unreachable"), sender.lastError(1));
            t += S;
            for (int i = 0; i < 100; i++) {
                cache.update(Frames.udp("10.0.0.1", "10.9.0." + i, 1000, 53, 20, t), t);
            }
            cache.flush();
            ex.flush();
            settle(r0, 50 + 50 + 100);
            assertEquals(200, r0.dataRecords(), "every session of the third round went to collector 0");
            assertEquals(0, sender.errors(0));

            // 3. collector 1 comes back on its port: after the retry interval it gets templates and its sessions
            try (Receiver back = new Receiver(port1)) {
                t += 6 * S;
                ex.tick(t);
                assertTrue(sender.isUp(1));
                for (int i = 0; i < 100; i++) {
                    cache.update(Frames.udp("10.0.0.1", "10.9.0." + i, 1000, 53, 20, t), t);
                }
                cache.flush();
                ex.flush();
                settle(back, 50);
                settle(r0, 250); // the receiver threads run independently: wait for both
                assertEquals(50, back.dataRecords(), "its sessions came back");
                assertTrue(Receiver.firstSetIsTemplate(back.snapshot().get(0)), "templates first after recovery");
                assertEquals(250, r0.dataRecords());
                // v9 sequence numbers per collector have no gap on collector 0
                List<ByteBuffer> ps = r0.snapshot();
                for (int i = 0; i < ps.size(); i++) {
                    assertEquals(i, ps.get(i).getInt(12), "sequence of packet " + i);
                }
            }
        }
    }
}
