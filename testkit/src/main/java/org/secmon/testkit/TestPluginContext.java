package org.secmon.testkit;

import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import org.secmon.plugin.Counter;
import org.secmon.plugin.PluginContext;

/**
 * A plugin context without a host, for driving a plugin's lifecycle directly (unit tests, JMH): it keeps the
 * plugin's counters and gives it a state directory; log lines are dropped. {@link #successor()} is the context of
 * the instance a configuration change starts: what the plugin {@linkplain #kept keeps} goes on to it, as the host
 * hands it on; its counters are its own. (One instance per context: {@link #shared} makes a new object each call.)
 */
public final class TestPluginContext implements PluginContext {
    private final String name;
    private final Path state;
    private final Map<String, Counter> counters = new ConcurrentHashMap<>();
    private final Map<String, Object> kept;

    public TestPluginContext(String name, Path state) {
        this(name, state, new ConcurrentHashMap<>());
    }

    private TestPluginContext(String name, Path state, Map<String, Object> kept) {
        this.name = name;
        this.state = state;
        this.kept = kept;
    }

    /** The context of the next configuration's instance: the same kept objects, new counters. */
    public TestPluginContext successor() {
        return new TestPluginContext(name, state, kept);
    }

    @Override
    public <T> T kept(String key, java.util.function.Supplier<T> create) {
        @SuppressWarnings("unchecked")
        T t = (T) kept.computeIfAbsent(key, k -> create.get());
        return t;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public Counter counter(String counter) {
        return counters.computeIfAbsent(counter, Counter::new);
    }

    @Override
    public Path stateDirectory() {
        return state;
    }

    @Override
    public void log(System.Logger.Level level, String message) {
    }

    /** The value of a counter the plugin made; fails when it made none of that name. */
    public long value(String counter) {
        Counter c = counters.get(counter);
        if (c == null) {
            throw new IllegalArgumentException("plugin " + name + " has no counter '" + counter + "'; it has "
                    + counters.keySet());
        }
        return c.get();
    }
}
