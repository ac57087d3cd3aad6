package org.secmon.dataplane.host;

import java.lang.ref.WeakReference;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.function.BooleanSupplier;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.secmon.dataplane.agent.AgentRunner;
import org.secmon.dataplane.agent.IdleStrategy;
import org.secmon.dataplane.filter.Action;
import org.secmon.dataplane.filter.IpPrefix;
import org.secmon.dataplane.filter.PortRange;
import org.secmon.dataplane.filter.Rule;
import org.secmon.dataplane.source.CaptureFileSource;
import org.secmon.plugin.DeliveryMode;
import org.secmon.plugin.PluginConfig;
import org.secmon.plugin.PluginState;
import org.secmon.plugin.SecmonPlugin;
import org.secmon.testkit.Await;
import org.secmon.testkit.CaptureWriter;
import org.secmon.testkit.FlowCountPlugin;
import org.secmon.testkit.TrafficGenerator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PluginHostTest {
    @TempDir
    Path dir;
    Path plugins;
    Path capture;
    CaptureFileSource source;
    RxAgent rx;
    AgentRunner runner;
    PluginHost host;

    @BeforeEach
    void setUp() throws Exception {
        plugins = Files.createDirectories(dir.resolve("plugins"));
        capture = dir.resolve("loop.pcap");
        TrafficGenerator.generate(capture, 200, 5, 1, false, CaptureWriter.Format.PCAP_LE_MICROS);
        source = new CaptureFileSource(capture, Long.MAX_VALUE, 0); // effectively endless
        rx = new RxAgent("rx-test", source, 32);
        host = new PluginHost(List.of(rx), plugins, dir.resolve("state"));
        runner = new AgentRunner(rx, IdleStrategy.backoff(1_000_000)).start();
    }

    @AfterEach
    void tearDown() {
        host.close();
        runner.close();
        source.close();
    }

    static void await(String what, BooleanSupplier cond) {
        Await.until(Duration.ofSeconds(20), what, cond::getAsBoolean);
    }

    @Test
    void jarDroppedInIsLoadedAndRemovedJarIsUnloadedAndCollected() throws Exception {
        WeakReference<ClassLoader> loader = loadRunAndUnload();
        // nothing of the plugin is referenced any more: its class loader must be collectable
        Await.until(Duration.ofSeconds(5), "the unloaded plugin's class loader garbage collected", () -> {
            System.gc();
            return loader.get() == null;
        });
    }

    /** Everything that references the plugin lives in this frame only. */
    private WeakReference<ClassLoader> loadRunAndUnload() throws Exception {
        assertTrue(host.plugins().isEmpty());
        Path jar = PluginJars.write(plugins, "alpha.jar", "id=alpha\n");
        PluginHost.ScanResult r = host.scan();
        assertEquals(List.of("alpha"), r.loaded());
        LoadedPlugin alpha = host.plugin("alpha");
        assertEquals(PluginState.STARTED, alpha.state());
        assertEquals(jar, alpha.jar());
        await("alpha sees packets", () -> alpha.customCounters().getOrDefault("seen", 0L) > 1000);
        assertTrue(alpha.received() > 0);
        assertFalse(alpha.plugin().getClass().getClassLoader() == getClass().getClassLoader(),
                "the plugin class must come from its own class loader");
        WeakReference<ClassLoader> loader = new WeakReference<>(alpha.plugin().getClass().getClassLoader());

        Files.delete(jar);
        r = host.scan();
        assertEquals(List.of("alpha"), r.unloaded());
        assertNull(host.plugin("alpha"));
        assertEquals(PluginState.STOPPED, alpha.state());
        long seen = alpha.customCounters().get("seen");
        Thread.sleep(50);
        assertEquals(seen, alpha.customCounters().get("seen"), "an unloaded plugin receives nothing");
        return loader;
    }

    @Test
    void failingPluginIsIsolatedOthersContinue() throws Exception {
        PluginJars.write(plugins, "good.jar", "id=good\n");
        PluginJars.write(plugins, "bad.jar", "id=bad\nfailAt=500\n");
        host.scan();
        LoadedPlugin good = host.plugin("good");
        LoadedPlugin bad = host.plugin("bad");
        await("bad fails", () -> bad.state() == PluginState.FAILED);
        assertTrue(bad.failure().contains("boom at packet 500"), bad.failure());
        assertEquals(1, bad.errors());
        assertEquals(500, bad.customCounters().get("seen"), "no packet after the failure");
        long before = good.customCounters().get("seen");
        await("good keeps running", () -> good.customCounters().get("seen") > before + 1000);
        assertEquals(PluginState.STARTED, good.state());
        assertEquals(0, good.errors());
    }

    @Test
    void badJarsAreRejectedWithAReason() throws Exception {
        PluginJars.write(plugins, "initfail.jar", "id=initfail\nfailInit=true\n");
        PluginJars.write(plugins, "oldapi.jar", "id=oldapi\napi=0\n");
        Files.writeString(plugins.resolve("garbage.jar"), "not a zip");
        PluginHost.ScanResult r = host.scan();
        assertEquals(PluginState.FAILED, host.plugin("initfail").state());
        assertTrue(host.plugin("initfail").failure().contains("init refused"), host.plugin("initfail").failure());
        assertEquals(2, r.rejected().size(), r.rejected().toString());
        assertTrue(host.rejected().stream().anyMatch(x -> x.reason().contains("plugin API 0")), r.toString());
        // a second scan does not retry unchanged jars
        assertTrue(host.scan().rejected().isEmpty());
    }

    @Test
    void duplicateIdIsRejected() throws Exception {
        PluginJars.write(plugins, "a.jar", "id=same\n");
        PluginJars.write(plugins, "b.jar", "id=same\n");
        PluginHost.ScanResult r = host.scan();
        assertEquals(List.of("same"), r.loaded());
        assertEquals(1, r.rejected().size());
        assertTrue(r.rejected().getFirst().reason().contains("already loaded"));
    }

    @Test
    void watcherPicksUpJarsWhileRunning() throws Exception {
        host.watch(Duration.ofMillis(50));
        PluginJars.write(plugins, "late.jar", "id=late\n");
        await("late loaded", () -> host.plugin("late") != null
                && host.plugin("late").customCounters().getOrDefault("seen", 0L) > 0);
        Files.delete(plugins.resolve("late.jar"));
        await("late unloaded", () -> host.plugin("late") == null);
    }

    @Test
    void filterSwapAppliesBetweenBursts() throws Exception {
        FlowCountPlugin p = new FlowCountPlugin();
        host.register(p);
        LoadedPlugin lp = host.plugin("flowcount");
        await("packets", () -> lp.received() > 1000);
        // forward only TCP to port 80
        host.setup("flowcount", PluginSetup.defaults().withRules(List.of(new Rule(1, IpPrefix.ANY, IpPrefix.ANY, 6,
                PortRange.ANY, PortRange.parse("80"), Rule.ANY_MAC, Rule.ANY_MAC, Action.FORWARD, 0))));
        p.flows.clear();
        long filteredBefore = lp.filtered();
        await("filtered", () -> lp.filtered() > filteredBefore + 1000);
        assertFalse(p.flows.isEmpty());
        for (String k : p.flows.keySet()) {
            assertTrue(k.startsWith("4|6|") || k.startsWith("6|6|"), k);
            assertTrue(k.endsWith("|80"), k);
        }
    }

    @Test
    void ringModeConfiguresAndCounts() throws Exception {
        FlowCountPlugin p = new FlowCountPlugin("ringcount", DeliveryMode.RING);
        host.setup("ringcount", PluginSetup.defaults().withConfig(PluginConfig.of(java.util.Map.of("x", 1))));
        host.register(p);
        LoadedPlugin lp = host.plugin("ringcount");
        assertEquals(DeliveryMode.RING, lp.mode());
        await("ring packets", () -> p.flows.values().stream().mapToLong(c -> c[0]).sum() > 2000);
        assertNotNull(lp.setup());
        host.unload("ringcount");
        assertEquals(PluginState.STOPPED, lp.state());
    }

    /** A plugin that builds what it runs with at start, from the configuration it was given (as NetFlow does). */
    static final class BuildsAtStart extends FlowCountPlugin {
        final List<Object> startedWith = new java.util.concurrent.CopyOnWriteArrayList<>();
        final java.util.concurrent.atomic.AtomicInteger stops = new java.util.concurrent.atomic.AtomicInteger();
        private volatile PluginConfig config;

        BuildsAtStart() {
            super("builds", DeliveryMode.DIRECT);
        }

        @Override
        public void configure(PluginConfig c) {
            config = c;
        }

        @Override
        public void start() {
            startedWith.add(config.asMap().get("collector"));
        }

        @Override
        public void stop() {
            stops.incrementAndGet();
        }
    }

    @Test
    void aNewPluginConfigurationRestartsItAFilterDoesNot() throws Exception {
        BuildsAtStart p = new BuildsAtStart();
        host.setup("builds", PluginSetup.defaults().withConfig(PluginConfig.of(java.util.Map.of("collector", "a"))));
        host.register(p);
        LoadedPlugin lp = host.plugin("builds");
        await("packets", () -> lp.received() > 100);
        // before the fix the new collector was handed to configure() and never used: the plugin ran on with "a"
        host.setup("builds", PluginSetup.defaults().withConfig(PluginConfig.of(java.util.Map.of("collector", "b"))));
        assertEquals(List.of("a", "b"), p.startedWith);
        assertEquals(1, p.stops.get(), "the old instance stopped (flushed) first");
        assertEquals(PluginState.STARTED, lp.state());
        long before = lp.received();
        await("packets after the restart", () -> lp.received() > before + 100);
        // the same configuration with another filter: swapped between bursts, no restart
        host.setup("builds", PluginSetup.defaults().withConfig(PluginConfig.of(java.util.Map.of("collector", "b")))
                .withRules(List.of(Rule.forwardAll())));
        assertEquals(List.of("a", "b"), p.startedWith);
        assertEquals(1, host.restarts());
    }

    /** A plugin the host can make again (public no-argument constructor): its configuration is swapped in. */
    public static final class Swappable extends FlowCountPlugin {
        static final List<String> EVENTS = new java.util.concurrent.CopyOnWriteArrayList<>();
        /** What each start got from context.kept and context.shared. */
        static final List<Object> KEPT = new java.util.concurrent.CopyOnWriteArrayList<>();
        static final List<Object> SHARED = new java.util.concurrent.CopyOnWriteArrayList<>();
        private volatile PluginConfig config;
        private org.secmon.plugin.PluginContext context;

        private org.secmon.plugin.Counter seen;

        public Swappable() {
            super("swappable", DeliveryMode.DIRECT);
        }

        @Override
        public void init(org.secmon.plugin.PluginContext context) {
            this.context = context;
            seen = context.counter("seen");
            context.counter(org.secmon.plugin.CounterNames.FLOWS_ACTIVE).set(7); // a level, not a count
        }

        @Override
        public void onPacket(org.secmon.plugin.Packet p) {
            super.onPacket(p);
            seen.increment();
        }

        @Override
        public void configure(PluginConfig c) {
            config = c;
        }

        @Override
        public void start() {
            EVENTS.add("start " + config.asMap().get("collector"));
            KEPT.add(context.kept("book", Object::new));
            SHARED.add(context.shared("socket", Object::new));
        }

        @Override
        public void stop() {
            EVENTS.add("stop " + config.asMap().get("collector"));
        }
    }

    @Test
    void aNewConfigurationIsSwappedInBesideTheRunningInstances() throws Exception {
        Swappable.EVENTS.clear();
        Swappable.KEPT.clear();
        Swappable.SHARED.clear();
        host.setup("swappable", PluginSetup.defaults().withConfig(PluginConfig.of(java.util.Map.of("collector",
                "a"))));
        host.register(new Swappable());
        LoadedPlugin lp = host.plugin("swappable");
        await("packets", () -> lp.received() > 100 && lp.customCounters().getOrDefault("seen", 0L) > 100);
        long seenBefore = lp.customCounters().get("seen");
        SecmonPlugin old = lp.instances[0];
        host.setup("swappable", PluginSetup.defaults().withConfig(PluginConfig.of(java.util.Map.of("collector",
                "b"))));
        // the new instance started before the old one stopped: the rx thread always had one to give packets to
        assertEquals(List.of("start a", "start b", "stop a"), Swappable.EVENTS);
        // what the plugin keeps goes on to the new configuration (an exporter's sequence numbers); what its
        // instances share (sockets) is the new configuration's own
        assertEquals(2, Swappable.KEPT.size());
        assertTrue(Swappable.KEPT.get(0) == Swappable.KEPT.get(1), "kept across the swap");
        assertTrue(Swappable.SHARED.get(0) != Swappable.SHARED.get(1), "shared per configuration");
        assertEquals(1, host.replacements());
        assertEquals(0, host.restarts());
        assertTrue(lp.instances[0] != old, "a new instance runs");
        // the plugin's own counts go on across the change (they started again from 0); levels are not added up
        assertTrue(lp.customCounters().get("seen") >= seenBefore, lp.customCounters() + " vs " + seenBefore);
        assertEquals(7L, lp.customCounters().get(org.secmon.plugin.CounterNames.FLOWS_ACTIVE));
        long given = ((FlowCountPlugin) old).flows.values().stream().mapToLong(c -> c[0]).sum();
        await("packets to the new instance", () -> ((FlowCountPlugin) lp.instances[0]).flows.values().stream()
                .mapToLong(c -> c[0]).sum() > 100);
        long frozen = ((FlowCountPlugin) old).flows.values().stream().mapToLong(c -> c[0]).sum();
        assertEquals(given, frozen, "the old instance gets nothing once it is stopped");
        assertEquals(PluginState.STARTED, lp.state());
    }

    /** A configuration whose new instances fail to start leaves the old ones running, and says why. */
    public static final class FailsOnB extends FlowCountPlugin {
        private volatile PluginConfig config;

        public FailsOnB() {
            super("failsonb", DeliveryMode.DIRECT);
        }

        @Override
        public void configure(PluginConfig c) {
            config = c;
        }

        @Override
        public void start() {
            if ("b".equals(config.asMap().get("collector"))) {
                throw new IllegalStateException("collector b is not reachable");
            }
        }
    }

    @Test
    void aNewConfigurationThatFailsLeavesTheOldOneRunning() throws Exception {
        host.setup("failsonb", PluginSetup.defaults().withConfig(PluginConfig.of(java.util.Map.of("collector",
                "a"))));
        host.register(new FailsOnB());
        LoadedPlugin lp = host.plugin("failsonb");
        SecmonPlugin running = lp.instances[0];
        Exception e = org.junit.jupiter.api.Assertions.assertThrows(IllegalStateException.class, () -> host.setup(
                "failsonb", PluginSetup.defaults().withConfig(PluginConfig.of(java.util.Map.of("collector", "b")))));
        assertTrue(e.getMessage().contains("collector b is not reachable"), e.getMessage());
        assertEquals(PluginState.STARTED, lp.state());
        assertTrue(lp.instances[0] == running, "the old instance still runs");
        long before = lp.received();
        await("packets go on", () -> lp.received() > before + 100);
    }
}
