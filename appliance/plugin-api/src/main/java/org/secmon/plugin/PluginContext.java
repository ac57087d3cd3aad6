package org.secmon.plugin;

import java.nio.file.Path;

/** What the host gives a plugin at {@link SecmonPlugin#init}. */
public interface PluginContext {

    /** The plugin's instance name (its id unless the operator named it). */
    String name();

    /**
     * A named counter of this plugin, shown by the CLI and reported to the EMS. Create counters in {@code init};
     * the returned counter has a single writer: the plugin's data-plane thread.
     */
    Counter counter(String name);

    /** A directory the plugin may write state into (created on demand). */
    Path stateDirectory();

    /** The appliance's receive ports with their counters (sFlow counter samples); empty when not known. */
    default java.util.List<RxPort> rxPorts() {
        return java.util.List.of();
    }

    /**
     * The rx queue this instance serves, 0..{@link #queues()}-1. A {@linkplain PluginDescriptor#queueLocal()
     * queue-local} plugin gets one instance per queue; any other plugin is instance 0 of 1.
     */
    default int queue() {
        return 0;
    }

    /** How many instances of this plugin run, one per rx queue (1 unless the plugin is queue-local). */
    default int queues() {
        return 1;
    }

    /**
     * The object every instance of this plugin shares under {@code key}: made by {@code create} for the first
     * instance that asks after a start, returned as is to the others (what must stay global across queues: an
     * export socket and its sequence numbers, say). Call from lifecycle methods (control thread); the object is
     * used from several data-plane threads, so it is thread-safe. The host forgets it when the plugin stops, after
     * every instance stopped, and closes it then if it is {@link AutoCloseable}.
     */
    default <T> T shared(String key, java.util.function.Supplier<T> create) {
        return create.get();
    }

    /**
     * The object this plugin keeps under {@code key} for as long as it is loaded: made by {@code create} the first
     * time, then returned to every instance of every later configuration — across hitless swaps and restarts — until
     * the plugin is unloaded. For what a peer must see continue through a configuration change (an exporter's
     * sequence numbers and boot time, say), not for resources: those are {@link #shared}, closed with their
     * instances. Thread-safe, as {@link #shared}; an old configuration's instances may still use it while a new
     * one's start.
     */
    default <T> T kept(String key, java.util.function.Supplier<T> create) {
        return create.get();
    }

    /** Log a line attributed to this plugin (control path only; never per packet). */
    void log(System.Logger.Level level, String message);
}
