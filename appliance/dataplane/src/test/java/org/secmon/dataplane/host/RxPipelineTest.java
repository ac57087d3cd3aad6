package org.secmon.dataplane.host;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.secmon.dataplane.Configuration;
import org.secmon.dataplane.agent.AgentRunner;
import org.secmon.dataplane.agent.IdleStrategy;
import org.secmon.dataplane.parse.MalformedReason;
import org.secmon.dataplane.source.Burst;
import org.secmon.dataplane.source.CaptureFileSource;
import org.secmon.dataplane.source.PacketSource;
import org.secmon.plugin.DeliveryMode;
import org.secmon.testkit.Await;
import org.secmon.testkit.CaptureWriter;
import org.secmon.testkit.FlowCountPlugin;
import org.secmon.testkit.TrafficGenerator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A generated capture through the whole rx path: per-flow counts equal what the generator wrote. */
class RxPipelineTest {
    @TempDir
    Path dir;

    @ParameterizedTest
    @EnumSource(DeliveryMode.class)
    void perFlowCountsMatchTheGenerator(DeliveryMode mode) throws Exception {
        Path f = dir.resolve("gen.pcapng");
        TrafficGenerator.Expected exp = TrafficGenerator.generate(f, 3000, 12, 7, true,
                CaptureWriter.Format.PCAPNG_LE);
        FlowCountPlugin plugin = new FlowCountPlugin("count", mode);
        try (CaptureFileSource src = new CaptureFileSource(f)) {
            runToEnd(src, plugin, (rx, host) -> {
                assertTrue(plugin.ended, "end of stream reached the plugin");
                assertEquals(exp.packets(), src.records());
                assertEquals(exp.malformed(), rx.malformed());
                assertEquals(exp.goodPackets(), rx.rxPackets());
                assertEquals(exp.malformed(), rx.malformed(MalformedReason.ETHERNET_TRUNCATED)
                        + rx.malformed(MalformedReason.IPV4_BAD_VERSION)
                        + rx.malformed(MalformedReason.IPV4_BAD_TOTAL_LENGTH)
                        + rx.malformed(MalformedReason.TCP_BAD_DATA_OFFSET)
                        + rx.malformed(MalformedReason.IPV6_TRUNCATED)
                        + rx.malformed(MalformedReason.UDP_BAD_LENGTH));
                org.secmon.testkit.FlowAssert.assertSameFlows(exp.flows(), plugin.flows, "flows");
                assertEquals(exp.goodPackets(), host.plugin("count").received());
                assertEquals(0, host.plugin("count").dropped());
            });
        }
    }

    interface AfterRun {
        void check(RxAgent rx, PluginHost host) throws Exception;
    }

    /** {@code src} through one rx thread to its end, with {@code plugin} registered; then {@code check}. */
    private void runToEnd(PacketSource src, org.secmon.plugin.SecmonPlugin plugin, AfterRun check)
            throws Exception {
        RxAgent rx = new RxAgent("rx-p0q0", src, 32);
        try (PluginHost host = new PluginHost(List.of(rx), null, dir)) {
            host.register(plugin);
            AgentRunner runner = new AgentRunner(rx, IdleStrategy.busySpin()).start();
            assertTrue(runner.awaitFinished(60, TimeUnit.SECONDS));
            host.awaitRingsDrained(Duration.ofSeconds(30));
            check.check(rx, host);
            runner.close();
        }
    }

    /** A RING plugin that holds its first packet until {@code release} says so. */
    static final class HoldingPlugin extends FlowCountPlugin {
        final CountDownLatch holding = new CountDownLatch(1);
        volatile java.util.function.BooleanSupplier release = () -> true;
        volatile long delivered; // written by the plugin's thread only

        HoldingPlugin() {
            super("hold", DeliveryMode.RING);
        }

        @Override
        public void onPacket(org.secmon.plugin.Packet p) {
            if (holding.getCount() > 0) {
                holding.countDown();
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
                while (!release.getAsBoolean() && System.nanoTime() < deadline) {
                    LockSupport.parkNanos(100_000);
                }
            }
            delivered++;
            super.onPacket(p);
        }
    }

    /** Delegates to a capture file but claims to be a live port: a full ring must drop. */
    record LiveLike(CaptureFileSource file) implements PacketSource {
        public int poll(Burst b) {
            return file.poll(b);
        }

        public void release(Burst b) {
            file.release(b);
        }

        public boolean captureTime() {
            return true;
        }

        public boolean lossless() {
            return false;
        }

        public String describe() {
            return "live-like " + file.describe();
        }

        public void close() {
            file.close();
        }
    }

    /** A capture file posing as a live port without capture time (as DPDK is): it hands out 0 timestamps. */
    record Untimed(CaptureFileSource file) implements PacketSource {
        public int poll(Burst b) {
            int n = file.poll(b);
            for (int i = 0; i < Math.max(0, n); i++) {
                b.timestampNanos[i] = 0;
            }
            return n;
        }

        public void release(Burst b) {
            file.release(b);
        }

        public boolean captureTime() {
            return false;
        }

        public boolean lossless() {
            return true; // waits for a full ring: the count below is exact
        }

        public String describe() {
            return "untimed " + file.describe();
        }

        public void close() {
            file.close();
        }
    }

    @ParameterizedTest
    @EnumSource(DeliveryMode.class)
    void packetsOfASourceWithoutCaptureTimeCarryTheirArrivalTime(DeliveryMode mode) throws Exception {
        Path f = dir.resolve("untimed.pcap");
        TrafficGenerator.Expected exp = TrafficGenerator.generate(f, 1000, 12, 5, false,
                CaptureWriter.Format.PCAP_LE_MICROS);
        long[] seen = {Long.MAX_VALUE, Long.MIN_VALUE, 0};
        FlowCountPlugin plugin = new FlowCountPlugin("stamps", mode) {
            @Override
            public void onPacket(org.secmon.plugin.Packet p) {
                seen[0] = Math.min(seen[0], p.timestampNanos());
                seen[1] = Math.max(seen[1], p.timestampNanos());
                seen[2]++;
                super.onPacket(p);
            }
        };
        long before = System.currentTimeMillis() * 1_000_000L;
        try (Untimed src = new Untimed(new CaptureFileSource(f))) {
            runToEnd(src, plugin, (rx, host) -> { });
        }
        long after = System.currentTimeMillis() * 1_000_000L;
        assertEquals(exp.goodPackets(), seen[2]);
        // flow caches age flows by these times: 0 (1970) made every flow idle at once and its records undated
        assertTrue(seen[0] >= before && seen[1] <= after, "timestamps " + seen[0] + ".." + seen[1]
                + " outside the run " + before + ".." + after);
    }

    @Test
    void liveSourceDropsAndCountsWhenAPluginRingIsFull() throws Exception {
        Path f = dir.resolve("live.pcap");
        TrafficGenerator.Expected exp = TrafficGenerator.generate(f, 1500, 12, 11, false,
                CaptureWriter.Format.PCAP_LE_MICROS);
        assertTrue(exp.goodPackets() > 2 * Configuration.ringCapacity(), "capture larger than the ring");
        HoldingPlugin plugin = new HoldingPlugin();
        try (LiveLike src = new LiveLike(new CaptureFileSource(f))) {
            RxAgent rx = new RxAgent("rx-p0q0", src, 32);
            try (PluginHost host = new PluginHost(List.of(rx), null, dir)) {
                host.register(plugin);
                plugin.release = () -> rx.isDone();
                AgentRunner runner = new AgentRunner(rx, IdleStrategy.busySpin()).start();
                assertTrue(runner.awaitFinished(60, TimeUnit.SECONDS));
                host.awaitRingsDrained(Duration.ofSeconds(60));
                LoadedPlugin lp = host.plugin("hold");
                // the consumer held slot 0 while the rx thread filled the rest: exactly one ring's worth got in
                assertEquals(Configuration.ringCapacity(), lp.received());
                assertEquals(exp.goodPackets() - Configuration.ringCapacity(), lp.dropped());
                assertEquals(0, lp.stalls());
                assertEquals(lp.received(), plugin.delivered);
                runner.close();
            }
        }
    }

    @Test
    void replayWaitsForASlowPluginInsteadOfDropping() throws Exception {
        Path f = dir.resolve("replay.pcap");
        TrafficGenerator.Expected exp = TrafficGenerator.generate(f, 1500, 12, 11, false,
                CaptureWriter.Format.PCAP_LE_MICROS);
        HoldingPlugin plugin = new HoldingPlugin();
        try (CaptureFileSource src = new CaptureFileSource(f)) {
            RxAgent rx = new RxAgent("rx-p0q0", src, 32);
            try (PluginHost host = new PluginHost(List.of(rx), null, dir)) {
                host.register(plugin);
                LoadedPlugin lp = host.plugin("hold");
                plugin.release = () -> lp.stalls() > 0;
                AgentRunner runner = new AgentRunner(rx, IdleStrategy.busySpin()).start();
                assertTrue(runner.awaitFinished(60, TimeUnit.SECONDS));
                host.awaitRingsDrained(Duration.ofSeconds(60));
                assertTrue(lp.stalls() > 0, "the rx thread found the ring full");
                assertEquals(0, lp.dropped());
                assertEquals(exp.goodPackets(), lp.received());
                org.secmon.testkit.FlowAssert.assertSameFlows(exp.flows(), plugin.flows, "flows");
                runner.close();
            }
        }
    }

    @Test
    void unloadingAPluginReleasesAnRxThreadWaitingForItsRing() throws Exception {
        Path f = dir.resolve("unload.pcap");
        TrafficGenerator.generate(f, 1500, 12, 11, false, CaptureWriter.Format.PCAP_LE_MICROS);
        HoldingPlugin plugin = new HoldingPlugin();
        plugin.release = () -> false; // never lets go of its first packet (until the 60 s safety deadline)
        try (CaptureFileSource src = new CaptureFileSource(f)) {
            RxAgent rx = new RxAgent("rx-p0q0", src, 32);
            try (PluginHost host = new PluginHost(List.of(rx), null, dir)) {
                host.register(plugin);
                LoadedPlugin lp = host.plugin("hold");
                AgentRunner runner = new AgentRunner(rx, IdleStrategy.busySpin()).start();
                assertTrue(plugin.holding.await(30, TimeUnit.SECONDS));
                Await.until(Duration.ofSeconds(30), "the rx thread stalled on the full ring", () -> lp.stalls() > 0);
                Thread stopper = Thread.ofPlatform().start(() -> host.unload("hold"));
                // the rx thread gives up waiting and finishes the file without the plugin
                assertTrue(runner.awaitFinished(30, TimeUnit.SECONDS));
                assertTrue(lp.dropped() >= 1, "the packet it was waiting with is counted as dropped");
                plugin.release = () -> true;
                stopper.join(30_000);
                assertFalse(stopper.isAlive());
                runner.close();
            }
        }
    }
}
