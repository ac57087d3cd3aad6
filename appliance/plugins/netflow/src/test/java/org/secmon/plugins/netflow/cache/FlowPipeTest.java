package org.secmon.plugins.netflow.cache;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;
import org.secmon.plugin.Packet;
import org.secmon.plugins.netflow.cache.FlowCacheTest.Crowd;
import org.secmon.plugins.netflow.cache.FlowCacheTest.Recorder;
import org.secmon.testkit.Await;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.secmon.plugins.netflow.cache.FlowCacheTest.S;
import static org.secmon.plugins.netflow.cache.FlowCacheTest.T0;

class FlowPipeTest {
    /** An owner that expires the cache with the clock it is given and flushes it at the end, as the plugin does. */
    static final class Owner implements FlowPipe.Owner {
        final FlowCache cache;
        final AtomicLong bootedAt = new AtomicLong();
        volatile long failAfter = Long.MAX_VALUE;

        Owner(FlowCache cache) {
            this.cache = cache;
        }

        @Override
        public void boot(long firstNanos) {
            bootedAt.set(firstNanos);
        }

        @Override
        public void housekeeping(long nowNanos) {
            if (nowNanos > failAfter) {
                throw new IllegalArgumentException("housekeeping broke at " + nowNanos);
            }
            if (nowNanos != 0) {
                cache.expire(nowNanos);
            }
        }

        @Override
        public void finish() {
            cache.flush();
        }
    }

    /** ARP: not IP, so only counted. */
    static Packet arp(long ts) {
        byte[] f = new byte[42];
        for (int i = 0; i < 6; i++) {
            f[i] = (byte) 0xff;
        }
        f[12] = 0x08;
        f[13] = 0x06;
        return Frames.parse(f, ts);
    }

    @Test
    void theCacheThreadAccountsEveryPacketExactlyOnceThroughASmallRing() {
        // the crowded cache of FlowCacheTest (64 flows, 300 conversations: evictions, FIN/RST, idle), its packets
        // through a 32-entry ring, so that the packet thread keeps finding it full
        Recorder r = new Recorder();
        FlowCache c = Crowd.cache(r, -1);
        Owner o = new Owner(c);
        Crowd crowd = new Crowd(29);
        long first = 0;
        int arps = 0;
        try (FlowPipe pipe = new FlowPipe(c, o, 32, "test-cache")) {
            for (int i = 0; i < 50_000; i++) {
                Packet p = crowd.next();
                first = first == 0 ? crowd.t : first;
                pipe.offer(p, crowd.t);
                if (i % 97 == 0) {
                    pipe.offer(arp(crowd.t), crowd.t);
                    arps++;
                }
                if (i % 7 == 0) {
                    pipe.publish(crowd.t);
                }
            }
            pipe.publish(crowd.t + 4 * S); // past the idle timeout: the cache empties by itself
            Await.until(Duration.ofSeconds(10), "every flow left by its idle timeout",
                    () -> pipe.call(c::size, 10_000), n -> n == 0);
            pipe.finish(30_000);
            assertEquals(crowd.model, r.packetsPerFlow(), "every packet in exactly one exported record of its flow");
            assertEquals(50_000, pipe.accounted(), "entries accounted (ARP is not one)");
            assertEquals(arps, pipe.nonIp());
            assertTrue(pipe.fullWaits() > 0, "a 32-entry ring fills up");
            assertEquals(first, o.bootedAt.get(), "booted with the first packet's time");
            assertTrue(c.evicted() > 100, "evictions: " + c.evicted());
            assertTrue(r.with(FlowCache.REASON_END_OF_FLOW).size() > 100, "FIN/RST ends on the cache thread");
            assertTrue(r.with(FlowCache.REASON_IDLE).size() > 0, "idle ends on the cache thread");
            pipe.finish(1000); // a second finish returns at once
        }
    }

    @Test
    void theClockExpiresIdleFlowsWithoutNewPacketsAndQueriesRunOnTheCacheThread() {
        Recorder r = new Recorder();
        FlowCache c = Crowd.cache(r, -1);
        try (FlowPipe pipe = new FlowPipe(c, new Owner(c), 64, "test-cache-2")) {
            pipe.offer(Frames.udp("10.0.0.1", "10.0.0.2", 1000, 53, 10, T0), T0);
            pipe.offer(Frames.udp("10.0.0.3", "10.0.0.2", 1000, 53, 10, T0), T0);
            pipe.publish(T0);
            assertEquals("test-cache-2", pipe.call(() -> Thread.currentThread().getName(), 10_000));
            assertEquals(2, pipe.call(c::size, 10_000), "both accounted before the query ran");
            pipe.publish(T0 + 3 * S); // 2 s idle timeout, no packet
            Await.until(Duration.ofSeconds(10), "both flows exported", () -> pipe.call(() -> r.out.size(), 10_000),
                    n -> n >= 2);
            assertEquals(2, pipe.call(() -> r.with(FlowCache.REASON_IDLE).size(), 10_000));
            assertEquals(0, pipe.call(c::size, 10_000));
        }
    }

    @Test
    void aFailureOnTheCacheThreadReachesThePacketThread() {
        FlowCache c = Crowd.cache(new Recorder(), -1);
        Owner o = new Owner(c);
        o.failAfter = T0 + S;
        try (FlowPipe pipe = new FlowPipe(c, o, 64, "test-cache-3")) {
            pipe.offer(Frames.udp("10.0.0.1", "10.0.0.2", 1000, 53, 10, T0), T0);
            pipe.publish(T0 + 2 * S);
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> {
                long deadline = System.nanoTime() + 10 * S;
                while (System.nanoTime() < deadline) {
                    pipe.publish(T0 + 2 * S);
                    Thread.onSpinWait();
                }
            });
            assertTrue(e.getMessage().contains("housekeeping broke"), e.getMessage());
            IllegalStateException f = assertThrows(IllegalStateException.class, () -> pipe.finish(10_000));
            assertTrue(f.getMessage().contains("housekeeping broke"), f.getMessage());
        }
    }

    @Test
    void theRingIsAPowerOfTwo() {
        FlowCache c = Crowd.cache(new Recorder(), -1);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new FlowPipe(c, new Owner(c), 48, "x"));
        assertTrue(e.getMessage().contains("power of two"), e.getMessage());
    }
}
