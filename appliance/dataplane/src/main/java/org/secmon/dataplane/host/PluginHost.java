package org.secmon.dataplane.host;

import java.io.IOException;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import org.secmon.dataplane.Configuration;
import org.secmon.dataplane.agent.AgentRunner;
import org.secmon.dataplane.agent.IdleStrategy;
import org.secmon.dataplane.filter.Classifier;
import org.secmon.plugin.Counter;
import org.secmon.plugin.DeliveryMode;
import org.secmon.plugin.PluginApi;
import org.secmon.plugin.PluginContext;
import org.secmon.plugin.PluginDescriptor;
import org.secmon.plugin.PluginState;
import org.secmon.plugin.SecmonPlugin;

/**
 * Loads, configures, isolates and unloads plugins, and publishes to every rx thread the {@link Pipeline} of the
 * plugins that are STARTED.
 *
 * <p>Plugins come from jars in the plugins directory ({@link PluginDirectory}: each jar in its own class loader
 * whose parent shows only the exported API packages) or are registered as built-ins. A jar dropped in is loaded on
 * the next {@link #scan()}; a removed or replaced jar is unloaded (and the replacement loaded). A plugin that
 * throws from a lifecycle method or a packet callback is marked FAILED and taken out of the pipelines; the others
 * keep running.
 *
 * <p>All changes run under this object's lock on control threads; the data plane only ever sees immutable
 * pipelines, and a change returns once every running rx thread has picked it up.
 */
public final class PluginHost implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(PluginHost.class.getName());

    /** Package prefixes a plugin's class loader may see from the host. */
    public static final List<String> DEFAULT_EXPORTS = List.of("org.secmon.plugin.", "org.secmon.transport.");

    private final RxAgent[] rx;
    private final Path stateRoot;
    private final PluginDirectory jars;
    private final Map<String, LoadedPlugin> plugins = new LinkedHashMap<>();
    private final Map<String, PluginSetup> setups = new HashMap<>();
    private boolean requireSetup;
    private final ExecutorService control;
    private long version;
    private boolean closed;

    /** A jar that could not be loaded, and why; retried when the file changes. */
    public record Rejected(Path jar, long stamp, String reason) {
    }

    /**
     * @param rx         the rx agents to feed (their pipelines are owned by this host from now on)
     * @param pluginsDir directory scanned for plugin jars, or null for built-in plugins only
     * @param stateRoot  where plugins get their state directories
     */
    public PluginHost(List<RxAgent> rx, Path pluginsDir, Path stateRoot) {
        this(rx, pluginsDir, stateRoot, DEFAULT_EXPORTS);
    }

    public PluginHost(List<RxAgent> rx, Path pluginsDir, Path stateRoot, List<String> exports) {
        this.rx = rx.toArray(new RxAgent[0]);
        this.stateRoot = stateRoot;
        this.jars = new PluginDirectory(pluginsDir, exports, new PluginDirectory.Plugins() {
            @Override
            public java.util.Collection<LoadedPlugin> loaded() {
                return plugins.values();
            }

            @Override
            public void add(LoadedPlugin lp) {
                plugins.put(lp.name(), lp);
                start(lp);
            }

            @Override
            public void unload(String name) {
                PluginHost.this.unload(name);
            }
        });
        this.control = Executors.newSingleThreadExecutor(r -> Thread.ofPlatform().name("plugin-control")
                .daemon(true).unstarted(r));
        for (RxAgent a : this.rx) {
            a.failureListener(this::onFailureAsync);
        }
    }

    // ---- queries -----------------------------------------------------------------------------------------------

    public synchronized List<LoadedPlugin> plugins() {
        return List.copyOf(plugins.values());
    }

    public synchronized LoadedPlugin plugin(String name) {
        return plugins.get(name);
    }

    public synchronized List<Rejected> rejected() {
        return jars.rejected();
    }

    public Path pluginsDir() {
        return jars.dir();
    }

    // ---- built-in plugins and setup ------------------------------------------------------------------------

    /** Register and start a plugin instance that is not loaded from a jar. */
    public synchronized LoadedPlugin register(SecmonPlugin plugin) {
        PluginDescriptor d = plugin.descriptor();
        checkApi(d);
        if (plugins.containsKey(d.id())) {
            throw new IllegalStateException("a plugin named '" + d.id() + "' is already loaded");
        }
        LoadedPlugin lp = new LoadedPlugin(d.id(), plugin, d, null, 0, null);
        plugins.put(lp.name(), lp);
        start(lp);
        return lp;
    }

    /**
     * Set how plugin {@code name} runs. Applies at once if it is loaded (a new filter is swapped in between bursts;
     * a new plugin configuration or delivery mode restarts it: it flushes what it holds, then starts with the new
     * one), else when it is loaded.
     */
    /**
     * A new configuration without a gap: new instances are made, configured and started beside the running ones,
     * the rx threads switch to them between two bursts (as for a filter change), then the old ones are stopped —
     * their flows flushed to the collectors they had — and what they shared is closed. For DIRECT-mode plugins whose
     * class has a public no-argument constructor; false (nothing changed) for others, which are restarted. When the
     * new instances fail to start, the old ones keep running and the error is thrown.
     */
    private boolean replace(LoadedPlugin lp, PluginSetup setup) throws Exception {
        if (lp.mode != DeliveryMode.DIRECT || lp.state != PluginState.STARTED) {
            return false;
        }
        int n = lp.instances.length;
        SecmonPlugin[] fresh = new SecmonPlugin[n];
        for (int q = 0; q < n; q++) {
            try {
                fresh[q] = lp.plugin().getClass().getConstructor().newInstance();
            } catch (ReflectiveOperationException | RuntimeException e) {
                return false;
            }
        }
        long t0 = System.nanoTime();
        SecmonPlugin[] oldInstances = lp.instances;
        Map<String, Counter>[] oldCustom = lp.custom;
        LoadedPlugin.Mailbox[] oldBoxes = lp.mailboxes;
        Map<String, Object> oldShared = lp.shared;
        lp.shared = new java.util.LinkedHashMap<>();
        lp.instances(fresh);
        Thread t = Thread.currentThread();
        ClassLoader before = t.getContextClassLoader();
        t.setContextClassLoader(lp.plugin().getClass().getClassLoader());
        int started = 0;
        try {
            for (int q = 0; q < n; q++) {
                fresh[q].init(new Context(lp, q, n));
                fresh[q].configure(setup.config());
            }
            for (SecmonPlugin p : fresh) {
                p.start();
                started++;
            }
        } catch (Throwable e) {
            for (int q = 0; q < started; q++) {
                try {
                    fresh[q].stop();
                } catch (Throwable x) {
                    e.addSuppressed(x);
                }
            }
            closeShared(lp);
            lp.shared = oldShared;
            lp.custom = oldCustom;
            lp.mailboxes = oldBoxes;
            lp.instances = oldInstances;
            LOG.log(System.Logger.Level.WARNING, "plugin " + lp.name() + ": the new configuration did not start;"
                    + " the old one keeps running", e);
            throw new IllegalStateException("the new configuration did not start (the old one keeps running): " + e,
                    e);
        } finally {
            t.setContextClassLoader(before);
        }
        lp.setup = setup;
        lp.classifier = Classifier.compile(setup.rules(), setup.defaultAction());
        publish(); // the rx threads call the new instances from their next burst on
        for (int q = 0; q < oldInstances.length; q++) {
            try {
                oldInstances[q].stop(); // flushes what the old cache held, through the old sockets
            } catch (Throwable e) {
                LOG.log(System.Logger.Level.WARNING, "plugin " + lp.name() + " (old configuration"
                        + (n > 1 ? ", queue " + q : "") + ") failed to stop", e);
            }
        }
        closeShared(oldShared, lp.name());
        lp.retire(oldCustom); // their final counts: the plugin's counters go on from there
        replacements.incrementAndGet();
        LOG.log(System.Logger.Level.INFO, "plugin " + lp.name() + " runs its new configuration (swapped in without a"
                + " gap in " + (System.nanoTime() - t0) / 1_000_000 + " ms)");
        return true;
    }

    private final java.util.concurrent.atomic.AtomicLong replacements = new java.util.concurrent.atomic.AtomicLong();

    /** How many times a plugin's configuration was swapped in without a gap (new instances beside the old). */
    public long replacements() {
        return replacements.get();
    }

    /** How many times a plugin was restarted for a new configuration or delivery mode. */
    private final java.util.concurrent.atomic.AtomicLong restarts = new java.util.concurrent.atomic.AtomicLong();

    public long restarts() {
        return restarts.get();
    }

    public synchronized void setup(String name, PluginSetup setup) throws Exception {
        setups.put(name, setup);
        LoadedPlugin lp = plugins.get(name);
        if (lp != null && lp.state == PluginState.CREATED) {
            start(lp);
            return;
        }
        if (lp == null || lp.state != PluginState.STARTED) {
            return;
        }
        DeliveryMode mode = effectiveMode(lp, setup);
        if (mode == lp.mode && !setup.config().equals(lp.setup.config()) && replace(lp, setup)) {
            return;
        }
        if (mode != lp.mode || !setup.config().equals(lp.setup.config())) {
            // the plugin's own settings (collectors, timeouts, fields) are built into its caches, exporters and
            // sockets at start: a new configuration is a new start (what it holds is flushed by its stop first)
            long t0 = System.nanoTime();
            String why = mode != lp.mode ? "delivery mode" : "configuration";
            stop(lp, PluginState.STOPPED);
            lp.retire(lp.custom); // before start makes new counters: the plugin's counts go on from there
            lp.state = PluginState.CREATED;
            start(lp);
            restarts.incrementAndGet();
            LOG.log(System.Logger.Level.INFO, "plugin " + lp.name() + " restarted with its new " + why + " in "
                    + (System.nanoTime() - t0) / 1_000_000 + " ms");
            return;
        }
        Classifier c = Classifier.compile(setup.rules(), setup.defaultAction());
        lp.setup = setup;
        lp.classifier = c;
        publish();
    }

    // ---- jars ----------------------------------------------------------------------------------------------

    /** What a scan changed. */
    public record ScanResult(List<String> loaded, List<String> unloaded, List<Rejected> rejected) {
    }

    /** Compare the plugins directory with what is loaded: unload removed or replaced jars, load new ones. */
    public synchronized ScanResult scan() {
        if (closed) {
            return new ScanResult(List.of(), List.of(), List.of());
        }
        return jars.scan();
    }

    /** Scan now and then every {@code interval} on a background thread. */
    public synchronized void watch(Duration interval) {
        scan();
        jars.watch(interval, this::scan);
    }

    static void checkApi(PluginDescriptor d) {
        if (d.apiVersion() != PluginApi.VERSION) {
            throw new IllegalStateException("plugin '" + d.id() + "' was built for plugin API " + d.apiVersion()
                    + ", this host provides " + PluginApi.VERSION);
        }
    }

    /**
     * Unloads plugin {@code name} and keeps its jar from being loaded again by scans until {@link #enable}
     * (an operator's "plugin unload"; removing the jar from the directory does the same for good).
     */
    public synchronized boolean disable(String name) {
        LoadedPlugin lp = plugins.get(name);
        if (lp == null) {
            return false;
        }
        if (lp.jar() != null) {
            jars.disable(lp.jar());
        }
        return unload(name);
    }

    /**
     * Allows the disabled jars of plugin {@code name} (matched by jar file name: {@code NAME.jar},
     * {@code secmon-NAME.jar}) again and scans; answers the plugins loaded.
     */
    public synchronized List<String> enable(String name) {
        jars.enable(name);
        return scan().loaded();
    }

    /** Stop and forget plugin {@code name}; closes its class loader once no plugin of the jar is left. */
    public synchronized boolean unload(String name) {
        LoadedPlugin lp = plugins.get(name);
        if (lp == null) {
            return false;
        }
        if (lp.state == PluginState.STARTED) {
            stop(lp, PluginState.STOPPED);
        }
        plugins.remove(name);
        URLClassLoader loader = lp.loader;
        lp.loader = null;
        if (loader != null && plugins.values().stream().noneMatch(o -> o.loader == loader)) {
            try {
                loader.close();
            } catch (IOException e) {
                LOG.log(System.Logger.Level.WARNING, "closing class loader of " + name + ": " + e);
            }
        }
        LOG.log(System.Logger.Level.INFO, "plugin " + name + " unloaded");
        return true;
    }

    // ---- lifecycle -----------------------------------------------------------------------------------------

    private DeliveryMode effectiveMode(LoadedPlugin lp, PluginSetup setup) {
        DeliveryMode m = setup.mode() != null ? setup.mode() : lp.descriptor().mode();
        return m == DeliveryMode.DIRECT && rx.length > 1 && !queueLocal(lp, setup) ? DeliveryMode.RING : m;
    }

    /**
     * Whether {@code lp} runs as one instance per rx queue: it says it can, there are several queues, and the
     * configuration does not ask for RING mode (one instance behind rings).
     */
    private boolean queueLocal(LoadedPlugin lp, PluginSetup setup) {
        return lp.descriptor().queueLocal() && rx.length > 1 && setup.mode() != DeliveryMode.RING;
    }

    /**
     * The instances {@code lp} runs as: itself, and for a queue-local plugin one more per further rx queue, made
     * with its class's public no-argument constructor (in its own class loader, as the first). A plugin without one
     * runs as a single instance (and is told so in the log).
     */
    private SecmonPlugin[] instancesFor(LoadedPlugin lp, PluginSetup setup) {
        if (!queueLocal(lp, setup)) {
            return new SecmonPlugin[] {lp.plugin()};
        }
        SecmonPlugin[] all = new SecmonPlugin[rx.length];
        all[0] = lp.plugin();
        for (int q = 1; q < all.length; q++) {
            try {
                all[q] = lp.plugin().getClass().getConstructor().newInstance();
            } catch (ReflectiveOperationException | RuntimeException e) {
                throw new IllegalStateException("plugin " + lp.name() + " is queue-local but " + lp.plugin()
                        .getClass().getName() + " cannot be made again with a public no-argument constructor: " + e,
                        e);
            }
        }
        return all;
    }

    /**
     * When true, a plugin is started only once it has a {@link #setup}; until then it stays loaded but
     * {@code CREATED} ("not configured"). {@code secmon replay} works this way, so that an installed plugin the
     * operator did not ask for (say, netflow without a collector) does not run.
     */
    public synchronized void requireSetup(boolean v) {
        requireSetup = v;
    }

    private void start(LoadedPlugin lp) {
        if (requireSetup && !setups.containsKey(lp.name())) {
            LOG.log(System.Logger.Level.INFO, "plugin " + lp.name() + " loaded, not configured: not started");
            return;
        }
        PluginSetup setup = setups.getOrDefault(lp.name(), PluginSetup.defaults());
        try {
            lp.setup = setup;
            lp.classifier = Classifier.compile(setup.rules(), setup.defaultAction());
            lp.mode = effectiveMode(lp, setup);
            lp.failure = null;
            lp.shared.clear();
            lp.instances(instancesFor(lp, setup));
            Thread t = Thread.currentThread();
            ClassLoader before = t.getContextClassLoader();
            t.setContextClassLoader(lp.plugin().getClass().getClassLoader());
            try {
                SecmonPlugin[] all = lp.instances;
                for (int q = 0; q < all.length; q++) {
                    all[q].init(new Context(lp, q, all.length));
                    all[q].configure(setup.config());
                }
                for (SecmonPlugin p : all) {
                    p.start();
                }
            } finally {
                t.setContextClassLoader(before);
            }
        } catch (Throwable e) {
            lp.state = PluginState.FAILED;
            lp.failure = "start failed: " + e;
            LOG.log(System.Logger.Level.ERROR, "plugin " + lp.name() + " failed to start", e);
            safeStop(lp);
            return;
        }
        SlotState[] states = new SlotState[rx.length];
        for (int i = 0; i < rx.length; i++) {
            states[i] = new SlotState(lp.mode == DeliveryMode.RING
                    ? new PacketRing(Configuration.ringCapacity(), Configuration.ringSlotBytes()) : null);
        }
        lp.slotStates = states;
        if (lp.mode == DeliveryMode.RING) {
            lp.runner = new AgentRunner(new RingConsumer(lp, states, rx, this::onFailureAsync),
                    IdleStrategy.backoff(TimeUnit.MILLISECONDS.toNanos(1))).start();
        }
        lp.state = PluginState.STARTED;
        LOG.log(System.Logger.Level.INFO, "plugin " + lp.name() + " " + lp.descriptor().version() + " started ("
                + lp.mode + (lp.instances.length > 1 ? ", one instance per rx queue: " + lp.instances.length : "")
                + ", " + setup.rules().size() + " rules)");
        publish();
    }

    private void stop(LoadedPlugin lp, PluginState newState) {
        lp.state = newState;
        for (SlotState st : lp.slotStates) {
            st.stopping = true;
        }
        publish();
        if (lp.runner != null) {
            lp.runner.close();
            lp.runner = null;
        }
        safeStop(lp);
        for (SlotState st : lp.slotStates) {
            if (st.ring != null) {
                st.ring.close();
            }
        }
    }

    /** Stops every instance, then closes what they shared. */
    private void safeStop(LoadedPlugin lp) {
        SecmonPlugin[] all = lp.instances;
        for (int q = 0; q < all.length; q++) {
            try {
                all[q].stop();
            } catch (Throwable e) {
                LOG.log(System.Logger.Level.WARNING, "plugin " + lp.name() + (all.length > 1 ? " (queue " + q + ")"
                        : "") + " failed to stop", e);
            }
        }
        closeShared(lp);
    }

    private static void closeShared(LoadedPlugin lp) {
        closeShared(lp.shared, lp.name());
    }

    /** Closes what a generation of instances shared (sockets, sequences). */
    private static void closeShared(Map<String, Object> shared, String name) {
        synchronized (shared) {
            for (Map.Entry<String, Object> e : shared.entrySet()) {
                if (e.getValue() instanceof AutoCloseable c) {
                    try {
                        c.close();
                    } catch (Throwable x) {
                        LOG.log(System.Logger.Level.WARNING, "plugin " + name + ": closing its shared "
                                + e.getKey() + " failed", x);
                    }
                }
            }
            shared.clear();
        }
    }

    private void onFailureAsync(LoadedPlugin lp, Throwable error) {
        if (!control.isShutdown()) {
            control.execute(() -> onFailure(lp, error));
        }
    }

    private synchronized void onFailure(LoadedPlugin lp, Throwable error) {
        if (lp.state != PluginState.STARTED || plugins.get(lp.name()) != lp) {
            return;
        }
        lp.failure = "failed on a packet: " + error;
        LOG.log(System.Logger.Level.ERROR, "plugin " + lp.name() + " failed and is isolated", error);
        stop(lp, PluginState.FAILED);
    }

    /** Build and publish a new pipeline to every rx thread, and wait until the running ones use it. */
    private void publish() {
        long v = ++version;
        for (int r = 0; r < rx.length; r++) {
            List<PluginSlot> slots = new ArrayList<>();
            for (LoadedPlugin lp : plugins.values()) {
                if (lp.state == PluginState.STARTED) {
                    slots.add(new PluginSlot(lp, lp.instances.length > 1 ? r : 0, lp.classifierFor(r, rx.length),
                            lp.slotStates[r]));
                }
            }
            rx[r].publish(new Pipeline(v, slots.toArray(new PluginSlot[0])));
        }
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(Configuration.swapTimeoutMillis());
        for (RxAgent a : rx) {
            while (a.isRunning() && !a.isDone() && a.appliedVersion() < v) {
                if (System.nanoTime() > deadline) {
                    LOG.log(System.Logger.Level.WARNING, a.roleName() + " did not pick up pipeline " + v);
                    break;
                }
                LockSupport.parkNanos(20_000);
            }
        }
    }

    /** Wait until every RING-mode consumer has drained its rings after end of stream. */
    public void awaitRingsDrained(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        for (LoadedPlugin lp : plugins()) {
            AgentRunner r = lp.runner;
            if (r != null) {
                long left = deadline - System.nanoTime();
                r.awaitFinished(Math.max(0, left), TimeUnit.NANOSECONDS);
            }
        }
    }

    @Override
    public void close() {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
        }
        jars.close();
        synchronized (this) {
            for (String name : List.copyOf(plugins.keySet())) {
                unload(name);
            }
        }
        control.shutdown();
    }

    private final class Context implements PluginContext {
        private final LoadedPlugin lp;
        private final int queue;
        private final int queues;
        private final Map<String, Counter> counters;

        Context(LoadedPlugin lp, int queue, int queues) {
            this.lp = lp;
            this.queue = queue;
            this.queues = queues;
            this.counters = lp.custom[queue];
        }

        @Override
        public String name() {
            return lp.name();
        }

        @Override
        public Counter counter(String name) {
            return counters.computeIfAbsent(name, Counter::new);
        }

        @Override
        public int queue() {
            return queue;
        }

        @Override
        public int queues() {
            return queues;
        }

        @Override
        public <T> T shared(String key, java.util.function.Supplier<T> create) {
            Map<String, Object> m = lp.shared; // this generation's (a configuration change makes a new one)
            synchronized (m) {
                @SuppressWarnings("unchecked")
                T t = (T) m.computeIfAbsent(key, k -> create.get());
                return t;
            }
        }

        @Override
        public <T> T kept(String key, java.util.function.Supplier<T> create) {
            synchronized (lp.kept) {
                @SuppressWarnings("unchecked")
                T t = (T) lp.kept.computeIfAbsent(key, k -> create.get());
                return t;
            }
        }

        @Override
        public Path stateDirectory() {
            Path d = stateRoot.resolve(lp.name());
            try {
                Files.createDirectories(d);
            } catch (IOException e) {
                throw new IllegalStateException("cannot create state directory " + d + ": " + e.getMessage(), e);
            }
            return d;
        }

        @Override
        public void log(System.Logger.Level level, String message) {
            LOG.log(level, "[" + lp.name() + "] " + message);
        }

        /** The mirror port: one interface (ifIndex 1) whatever the number of its rx queues, counted over all. */
        @Override
        public List<org.secmon.plugin.RxPort> rxPorts() {
            if (rx.length == 0) {
                return List.of();
            }
            return List.of(new org.secmon.plugin.RxPort() {
                @Override
                public int ifIndex() {
                    return 1;
                }

                @Override
                public String name() {
                    return rx.length == 1 ? rx[0].roleName() : "rx-p0";
                }

                @Override
                public long packets() {
                    return RxQueues.sum(List.of(rx), a -> a.rxPackets());
                }

                @Override
                public long bytes() {
                    return RxQueues.sum(List.of(rx), a -> a.rxBytes());
                }

                @Override
                public long errors() {
                    return RxQueues.sum(List.of(rx), a -> a.malformed());
                }
            });
        }
    }

    /** The rx agents this host delivers to (one per port queue). */
    public List<RxAgent> rxAgents() {
        return List.of(rx);
    }
}
