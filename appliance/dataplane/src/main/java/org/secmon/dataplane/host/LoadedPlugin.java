package org.secmon.dataplane.host;

import java.net.URLClassLoader;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

import org.secmon.dataplane.agent.AgentRunner;
import org.secmon.dataplane.filter.Classifier;
import org.secmon.plugin.Counter;
import org.secmon.plugin.DeliveryMode;
import org.secmon.plugin.PluginDescriptor;
import org.secmon.plugin.PluginState;
import org.secmon.plugin.SecmonPlugin;

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
    DeliveryMode mode;
    SlotState[] slotStates = new SlotState[0];
    AgentRunner runner;
    final Map<String, Counter> custom = Collections.synchronizedMap(new LinkedHashMap<>());

    LoadedPlugin(String name, SecmonPlugin plugin, PluginDescriptor descriptor, Path jar, long jarStamp,
                 URLClassLoader loader) {
        this.name = name;
        this.plugin = plugin;
        this.descriptor = descriptor;
        this.jar = jar;
        this.jarStamp = jarStamp;
        this.loader = loader;
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

    /** The plugin's own counters (created through its context), by name. */
    public Map<String, Long> customCounters() {
        Map<String, Long> out = new LinkedHashMap<>();
        synchronized (custom) {
            custom.forEach((k, v) -> out.put(k, v.get()));
        }
        return out;
    }

    @Override
    public String toString() {
        return name + " " + descriptor.version() + " " + state;
    }
}
