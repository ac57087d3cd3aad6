package org.secmon.tools.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.secmon.dataplane.Configuration;
import org.secmon.dataplane.agent.AgentRunner;
import org.secmon.dataplane.agent.IdleStrategy;
import org.secmon.dataplane.filter.Rule;
import org.secmon.dataplane.host.LoadedPlugin;
import org.secmon.dataplane.host.PluginHost;
import org.secmon.dataplane.host.PluginSetup;
import org.secmon.dataplane.host.RxAgent;
import org.secmon.dataplane.source.Burst;
import org.secmon.dataplane.source.PacketSource;
import org.secmon.plugin.PluginConfig;
import org.secmon.plugin.PluginState;
import org.secmon.plugin.SecmonPlugin;

/**
 * A plugin through the product's own data path — an {@link RxAgent} per rx queue, the {@link PluginHost}, the
 * plugin from its jar in the plugins directory, as the agent runs it (a queue-local plugin: an instance per queue) —
 * over sources that end after a number of packets each. What {@code secmon agent --queues N} does with a NIC's RSS queues, timed from the start of the rx
 * threads until every queue has ended and its plugin instance has flushed.
 */
final class HostBench {
    private HostBench() {
    }

    /** NetFlow v9 to {@code sinkPort} on loopback, {@code maxFlows} for the appliance (split over the queues). */
    static PluginConfig netflowConfig(int sinkPort, int maxFlows) {
        return PluginConfig.of(Map.of("collectors", List.of(Map.of("name", "sink", "address", "127.0.0.1", "port",
                sinkPort, "type", "netflow")), "max_flows", maxFlows, "active_timeout", 60, "inactive_timeout", 120));
    }

    /** sFlow 1-in-{@code rate} to {@code sinkPort} on loopback. */
    static PluginConfig sflowConfig(int sinkPort, int rate) {
        return PluginConfig.of(Map.of("collectors", List.of(Map.of("name", "sink", "address", "127.0.0.1", "port",
                sinkPort, "type", "sflow")), "sampling_rate", rate));
    }

    /**
     * Runs plugin {@code id} — loaded from the plugins directory as the agent loads it — with {@code config} behind
     * one rx agent per source, each source ending after {@code perQueue} packets.
     */
    static BenchCommand.Result run(String name, String id, PluginConfig config,
                                   List<? extends PacketSource> sources, long perQueue) throws Exception {
        List<RxAgent> rxs = new ArrayList<>();
        for (int i = 0; i < sources.size(); i++) {
            rxs.add(new RxAgent("rx-p0q" + i, new Limited(sources.get(i), perQueue), 32));
        }
        Path state = Files.createTempDirectory("secmon-bench-host");
        try (PluginHost host = new PluginHost(rxs, null, state)) {
            host.setup(id, PluginSetup.defaults().withRules(List.of(Rule.forwardAll())).withConfig(config));
            LoadedPlugin lp = host.register(plugin(id));
            if (lp.state() != PluginState.STARTED || lp.instanceCount() != rxs.size()) {
                throw new IllegalStateException(name + ": plugin " + id + " is " + lp.state() + " with "
                        + lp.instanceCount() + " instances for " + rxs.size() + " queues: " + lp.failure());
            }
            long t = System.nanoTime();
            List<AgentRunner> runners = new ArrayList<>();
            for (RxAgent rx : rxs) {
                runners.add(new AgentRunner(rx, IdleStrategy.busySpin()).start());
            }
            for (AgentRunner r : runners) {
                if (!r.awaitFinished(30, TimeUnit.MINUTES)) {
                    throw new IllegalStateException(name + ": a queue did not finish in 30 minutes");
                }
            }
            double secs = (System.nanoTime() - t) / 1e9;
            long packets = 0;
            for (RxAgent rx : rxs) {
                packets += rx.rxPackets();
            }
            for (AgentRunner r : runners) {
                r.close();
                if (r.failure() != null) {
                    throw new IllegalStateException(name + ": rx failed: " + r.failure());
                }
            }
            if (lp.state() != PluginState.STARTED) {
                throw new IllegalStateException(name + ": plugin " + id + " " + lp.state() + ": " + lp.failure());
            }
            return new BenchCommand.Result(name, packets, secs);
        } finally {
            try (var s = Files.walk(state)) {
                s.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    /**
     * The plugin's jars are loaded once per bench, in one class loader each, and every run registers a new instance
     * of the same class: a later run finds the plugin's code compiled by the JIT, as a long-running agent does (a
     * fresh class loader per run would time the JIT's warm-up of the plugin in every run, and more so with more busy
     * rx threads than cores left for the compiler).
     */
    private static final Map<String, Class<? extends SecmonPlugin>> LOADED = new java.util.HashMap<>();

    private static synchronized SecmonPlugin plugin(String id) throws Exception {
        Class<? extends SecmonPlugin> c = LOADED.get(id);
        if (c == null) {
            Path dir = Path.of(Configuration.pluginsDir());
            try (var jars = Files.list(dir)) {
                for (Path jar : jars.filter(j -> j.toString().endsWith(".jar")).sorted().toList()) {
                    java.net.URLClassLoader loader = new java.net.URLClassLoader(new java.net.URL[] {
                        jar.toUri().toURL()}, HostBench.class.getClassLoader());
                    for (SecmonPlugin p : java.util.ServiceLoader.load(SecmonPlugin.class, loader)) {
                        if (p.descriptor().id().equals(id)) { // netflow: from the classpath (the bench uses it)
                            c = p.getClass();
                        }
                    }
                    if (c != null) {
                        break;
                    }
                    loader.close();
                }
            }
            if (c == null) {
                throw new IllegalStateException("no plugin " + id + " in " + dir);
            }
            LOADED.put(id, c);
        }
        return c.getConstructor().newInstance();
    }

    /**
     * The queues of one port read by one thread, a burst from each in turn: what one core does with the traffic
     * that {@code queues.size()} cores share in {@link #run} with a source each — the same packets from the same
     * mbufs, so the two can alternate in one round. The thread's set-up (a DPDK port's: registering the thread with
     * the EAL) is done once, by the first queue's source.
     */
    static PacketSource oneThread(List<? extends PacketSource> queues) {
        return new OneThread(queues.toArray(new PacketSource[0]));
    }

    private static final class OneThread implements PacketSource {
        private final PacketSource[] in;
        private int next;
        private PacketSource filled;

        OneThread(PacketSource[] in) {
            this.in = in;
        }

        @Override
        public int poll(Burst burst) {
            for (int tries = 0; tries < in.length; tries++) {
                PacketSource s = in[next];
                next = next + 1 == in.length ? 0 : next + 1;
                int n = s.poll(burst);
                if (n > 0) {
                    filled = s;
                    return n;
                }
                if (n == END_OF_STREAM) {
                    return END_OF_STREAM;
                }
            }
            return 0;
        }

        @Override
        public void release(Burst burst) {
            filled.release(burst);
        }

        @Override
        public void onThreadStart() {
            in[0].onThreadStart();
        }

        @Override
        public void onThreadStop() {
            in[0].onThreadStop();
        }

        @Override
        public boolean captureTime() {
            return in[0].captureTime();
        }

        @Override
        public boolean lossless() {
            return in[0].lossless();
        }

        @Override
        public String describe() {
            return in.length + " queues on one thread";
        }

        @Override
        public void close() {
            // the bench closes the sources itself
        }
    }

    /** A source that ends after {@code limit} packets (a DPDK vdev replaying its capture for ever does not). */
    private static final class Limited implements PacketSource {
        private final PacketSource in;
        private final long limit;
        private long count;

        Limited(PacketSource in, long limit) {
            this.in = in;
            this.limit = limit;
        }

        @Override
        public int poll(Burst burst) {
            if (count >= limit) {
                return END_OF_STREAM;
            }
            int n = in.poll(burst);
            if (n > 0) {
                count += n;
            }
            return n;
        }

        @Override
        public void release(Burst burst) {
            in.release(burst);
        }

        @Override
        public void onThreadStart() {
            in.onThreadStart();
        }

        @Override
        public void onThreadStop() {
            in.onThreadStop();
        }

        @Override
        public boolean captureTime() {
            return in.captureTime();
        }

        @Override
        public boolean lossless() {
            return in.lossless();
        }

        @Override
        public String describe() {
            return in.describe() + ", first " + limit + " packets";
        }

        @Override
        public void close() {
            // the bench closes the source itself
        }
    }
}
