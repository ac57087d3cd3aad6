package org.secmon.dataplane.host;

import java.net.URLClassLoader;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;

import org.secmon.dataplane.agent.AgentRunner;
import org.secmon.dataplane.filter.Classifier;
import org.secmon.plugin.Counter;
import org.secmon.plugin.DeliveryMode;
import org.secmon.plugin.PluginDescriptor;
import org.secmon.plugin.PluginState;
import org.secmon.plugin.SecmonPlugin;
import org.secmon.plugin.Table;

/** A plugin the host manages: where it came from, its state, setup, and counters summed over rx threads. */
public final class LoadedPlugin {
    private final String name;
    private final SecmonPlugin plugin;
    private final PluginDescriptor descriptor;
    private final Path jar;
    private final long jarStamp;
    URLClassLoader loader;
    volatile PluginState state = PluginState.CREATED;
    volatile String failure;
    volatile PluginSetup setup;
    volatile Classifier classifier;
    private Classifier[] perRx = new Classifier[0]; // classifier and its replicas, one per rx thread
    private Classifier perRxOf;
    DeliveryMode mode;
    SlotState[] slotStates = new SlotState[0];
    AgentRunner runner;
    /**
     * The running instances: one, or one per rx queue for a queue-local plugin ({@link #plugin()} is the first).
     * Replaced on every start, read by the control side.
     */
    volatile SecmonPlugin[] instances;
    /** Each instance's own counters, by name (summed by {@link #customCounters()}). */
    volatile Map<String, Counter>[] custom;
    /** Each instance's query mailbox, answered on that instance's data-plane thread. */
    volatile Mailbox[] mailboxes;
    /**
     * What the instances share ({@code PluginContext.shared}): emptied at every start, closed at stop; a new map for
     * the instances a configuration change starts beside the running ones.
     */
    volatile Map<String, Object> shared = new LinkedHashMap<>();
    /** What the plugin keeps across configurations ({@code PluginContext.kept}), until it is unloaded. */
    final Map<String, Object> kept = new LinkedHashMap<>();

    /** A query waiting for one instance's data-plane thread (at most one at a time). */
    static final class Mailbox {
        private final AtomicReference<PendingQuery> query = new AtomicReference<>();

        /**
         * Data-plane side: answer a waiting query, if any. One volatile read when there is none. A plugin whose
         * query method throws is not marked FAILED: the asker gets the error.
         */
        int answer(SecmonPlugin plugin) {
            PendingQuery q = query.get();
            if (q == null || !query.compareAndSet(q, null)) {
                return 0;
            }
            try {
                q.answer().complete(plugin.query(q.topic(), q.limit()));
            } catch (Throwable t) {
                q.answer().completeExceptionally(t);
            }
            return 1;
        }
    }

    private record PendingQuery(String topic, int limit, CompletableFuture<Table> answer) {
    }

    LoadedPlugin(String name, SecmonPlugin plugin, PluginDescriptor descriptor, Path jar, long jarStamp,
                 URLClassLoader loader) {
        this.name = name;
        this.plugin = plugin;
        this.descriptor = descriptor;
        this.jar = jar;
        this.jarStamp = jarStamp;
        this.loader = loader;
        instances(new SecmonPlugin[] {plugin});
    }

    @SuppressWarnings("unchecked")
    void instances(SecmonPlugin[] all) {
        Map<String, Counter>[] maps = new Map[all.length];
        Mailbox[] boxes = new Mailbox[all.length];
        for (int i = 0; i < all.length; i++) {
            maps[i] = Collections.synchronizedMap(new LinkedHashMap<>());
            boxes[i] = new Mailbox();
        }
        custom = maps;
        mailboxes = boxes;
        instances = all;
    }

    /** How many instances run (one per rx queue for a queue-local plugin). */
    public int instanceCount() {
        return instances.length;
    }

    public String name() {
        return name;
    }

    public SecmonPlugin plugin() {
        return plugin;
    }

    public PluginDescriptor descriptor() {
        return descriptor;
    }

    /** The jar it was loaded from, or null for a built-in plugin. */
    public Path jar() {
        return jar;
    }

    long jarStamp() {
        return jarStamp;
    }

    public PluginState state() {
        return state;
    }

    /** Why it FAILED, or null. */
    public String failure() {
        return failure;
    }

    public DeliveryMode mode() {
        return mode;
    }

    public PluginSetup setup() {
        return setup;
    }

    public Classifier classifier() {
        return classifier;
    }

    /** The classifier instance rx thread {@code r} of {@code n} uses: the compiled one or a replica of it. */
    synchronized Classifier classifierFor(int r, int n) {
        Classifier c = classifier;
        if (perRxOf != c || perRx.length != n) {
            perRx = new Classifier[n];
            for (int i = 0; i < n; i++) {
                perRx[i] = i == 0 ? c : c.replica();
            }
            perRxOf = c;
        }
        return perRx[r];
    }

    public long received() {
        return sum(st -> st.received);
    }

    public long filtered() {
        return sum(st -> st.filtered);
    }

    /** Packets lost because the plugin's ring was full. */
    public long dropped() {
        return sum(st -> st.dropped);
    }

    /** Times a replay waited for room in the plugin's full ring (replay never drops). */
    public long stalls() {
        return sum(st -> st.stalls);
    }

    public long errors() {
        return sum(st -> st.errors);
    }

    /** A counter summed over the plugin's rx threads. */
    private long sum(java.util.function.Function<SlotState, Counter> counter) {
        long s = 0;
        for (SlotState st : slotStates) {
            s += counter.apply(st).get();
        }
        return s;
    }

    /**
     * What the instances a configuration change replaced had counted (their counts, not their levels), so that the
     * plugin's counters go on growing across the change instead of starting again from 0.
     */
    private final Map<String, Long> retired = new LinkedHashMap<>();

    /** Adds the final counts of replaced instances' counters ({@link #retired}). Control thread. */
    void retire(Map<String, Counter>[] maps) {
        synchronized (retired) {
            for (Map<String, Counter> m : maps) {
                synchronized (m) {
                    m.forEach((k, v) -> {
                        if (!org.secmon.plugin.CounterNames.isGauge(k)) {
                            retired.merge(k, v.get(), Long::sum);
                        }
                    });
                }
            }
        }
    }

    /**
     * The plugin's own counters (created through its context), by name; summed over its instances, with what
     * instances replaced by configuration changes had counted.
     */
    public Map<String, Long> customCounters() {
        Map<String, Long> out = new LinkedHashMap<>();
        synchronized (retired) {
            out.putAll(retired);
        }
        for (Map<String, Counter> m : custom) {
            synchronized (m) {
                m.forEach((k, v) -> out.merge(k, v.get(), Long::sum));
            }
        }
        return out;
    }

    /**
     * Ask the plugin {@link SecmonPlugin#query} on its own data-plane thread (the rx thread in DIRECT mode, its ring
     * thread in RING mode), so that it answers from a consistent state, and wait for the answer. A queue-local
     * plugin is asked on every queue and the answers merged ({@link SecmonPlugin#merge}).
     *
     * @return the answer, or null when the plugin knows nothing about {@code topic}
     * @throws IllegalStateException when the plugin is not running, other queries kept it busy, or the data-plane
     *                               thread did not answer within {@code timeoutMillis}
     */
    public Table query(String topic, int limit, long timeoutMillis) throws InterruptedException {
        if (state != PluginState.STARTED) {
            throw new IllegalStateException("plugin " + name + " is " + state.name().toLowerCase(java.util.Locale.ROOT));
        }
        Mailbox[] boxes = mailboxes;
        SecmonPlugin[] all = instances;
        int n = Math.min(boxes.length, all.length);
        int lim = Math.max(1, limit);
        PendingQuery[] asked = new PendingQuery[n];
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
        try {
            for (int i = 0; i < n; i++) {
                PendingQuery q = new PendingQuery(topic, lim, new CompletableFuture<>());
                // one question at a time per queue: another one (the SSH CLI's, the agent's report) is answered
                // between two bursts, so its turn comes within milliseconds
                while (!boxes[i].query.compareAndSet(null, q)) {
                    if (System.nanoTime() - deadline > 0) {
                        throw new IllegalStateException("another query to plugin " + name + " kept it busy for "
                                + timeoutMillis + " ms; try again");
                    }
                    if (Thread.interrupted()) {
                        throw new InterruptedException();
                    }
                    java.util.concurrent.locks.LockSupport.parkNanos(200_000);
                }
                asked[i] = q;
            }
            java.util.List<Table> parts = new java.util.ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                Table t;
                try {
                    t = asked[i].answer().get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
                } catch (TimeoutException e) {
                    throw new IllegalStateException("plugin " + name + "'s data-plane thread" + (n > 1 ? " of queue "
                            + i : "") + " did not answer within " + timeoutMillis
                            + " ms (is the data plane running? see show status)");
                } catch (ExecutionException e) {
                    Throwable c = e.getCause();
                    throw new IllegalStateException("plugin " + name + " could not answer: " + c, c);
                }
                if (t != null) {
                    parts.add(t);
                }
            }
            if (parts.isEmpty()) {
                return null;
            }
            return parts.size() == 1 ? parts.get(0) : all[0].merge(topic, parts, lim);
        } finally {
            for (int i = 0; i < n; i++) {
                if (asked[i] != null) {
                    boxes[i].query.compareAndSet(asked[i], null);
                }
            }
        }
    }

    @Override
    public String toString() {
        return name + " " + descriptor.version() + " " + state;
    }
}
