package org.secmon.dataplane.host;

import java.io.IOException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.stream.Stream;

import org.secmon.plugin.PluginDescriptor;
import org.secmon.plugin.SecmonPlugin;

/**
 * The plugins directory: which jars are there, which changed, and loading one — each jar in its own class loader
 * whose parent shows only the exported API packages, implementations found with {@link ServiceLoader}. What happens
 * to a plugin once loaded (start, setup, failures, unload) is {@link PluginHost}'s; this class tells it what the
 * directory holds. Called under the host's lock; the watcher thread calls back through the host.
 */
final class PluginDirectory implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(PluginDirectory.class.getName());

    /** What the host lets the directory see and change. */
    interface Plugins {
        Collection<LoadedPlugin> loaded();

        /** Start a plugin found in a jar. */
        void add(LoadedPlugin plugin);

        void unload(String name);
    }

    private final Path dir;
    private final ApiClassLoader apiLoader;
    private final Plugins plugins;
    private final Map<Path, PluginHost.Rejected> rejected = new LinkedHashMap<>();
    private final Set<Path> disabled = new HashSet<>();
    private ScheduledExecutorService watcher;

    /** @param dir the plugins directory, or null for built-in plugins only */
    PluginDirectory(Path dir, List<String> exports, Plugins plugins) {
        this.dir = dir;
        this.apiLoader = new ApiClassLoader(PluginDirectory.class.getClassLoader(), exports);
        this.plugins = plugins;
    }

    Path dir() {
        return dir;
    }

    List<PluginHost.Rejected> rejected() {
        return List.copyOf(rejected.values());
    }

    /** Compare the directory with what is loaded: unload removed or replaced jars, load new ones. */
    PluginHost.ScanResult scan() {
        List<String> loaded = new ArrayList<>();
        List<String> unloaded = new ArrayList<>();
        List<PluginHost.Rejected> newlyRejected = new ArrayList<>();
        if (dir == null || !Files.isDirectory(dir)) {
            return new PluginHost.ScanResult(loaded, unloaded, newlyRejected);
        }
        Map<Path, Long> jars = new LinkedHashMap<>();
        try (Stream<Path> s = Files.list(dir)) {
            for (Path p : s.filter(f -> f.getFileName().toString().endsWith(".jar")).sorted().toList()) {
                Long stamp = stamp(p);
                if (stamp != null) {
                    jars.put(p, stamp);
                }
            }
        } catch (IOException e) {
            LOG.log(System.Logger.Level.WARNING, "cannot list plugins directory " + dir + ": " + e);
            return new PluginHost.ScanResult(loaded, unloaded, newlyRejected);
        }
        for (LoadedPlugin lp : List.copyOf(plugins.loaded())) {
            if (lp.jar() != null) {
                Long stamp = jars.get(lp.jar());
                if (stamp == null || stamp != lp.jarStamp()) {
                    plugins.unload(lp.name());
                    unloaded.add(lp.name());
                }
            }
        }
        rejected.keySet().removeIf(p -> !jars.containsKey(p));
        for (Map.Entry<Path, Long> e : jars.entrySet()) {
            Path jar = e.getKey();
            boolean isLoaded = plugins.loaded().stream().anyMatch(lp -> jar.equals(lp.jar()));
            PluginHost.Rejected r = rejected.get(jar);
            if (disabled.contains(jar) || isLoaded || (r != null && r.stamp() == e.getValue())) {
                continue;
            }
            try {
                loaded.addAll(load(jar, e.getValue()));
                rejected.remove(jar);
            } catch (Exception ex) {
                PluginHost.Rejected rej = new PluginHost.Rejected(jar, e.getValue(),
                        ex.getMessage() == null ? ex.toString() : ex.getMessage());
                rejected.put(jar, rej);
                newlyRejected.add(rej);
                LOG.log(System.Logger.Level.WARNING, "plugin jar " + jar + " rejected: " + rej.reason());
            }
        }
        return new PluginHost.ScanResult(loaded, unloaded, newlyRejected);
    }

    /** Run {@code scan} every {@code interval} on a background thread (the host's scan, under its lock). */
    void watch(Duration interval, Supplier<PluginHost.ScanResult> scan) {
        if (watcher != null) {
            return;
        }
        watcher = Executors.newSingleThreadScheduledExecutor(r -> Thread.ofPlatform().name("plugin-watch")
                .daemon(true).unstarted(r));
        watcher.scheduleWithFixedDelay(() -> {
            try {
                scan.get();
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.WARNING, "plugin scan failed", e);
            }
        }, interval.toMillis(), interval.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Keep {@code jar} from being loaded by scans until {@link #enable} (an operator's "plugin unload"). */
    void disable(Path jar) {
        disabled.add(jar);
    }

    /** Allow the disabled jars of plugin {@code name} again (by file name: NAME.jar, secmon-NAME.jar). */
    void enable(String name) {
        disabled.removeIf(j -> {
            String f = j.getFileName().toString();
            return f.equals(name + ".jar") || f.equals("secmon-" + name + ".jar") || f.equals(name);
        });
    }

    private static Long stamp(Path p) {
        try {
            BasicFileAttributes a = Files.readAttributes(p, BasicFileAttributes.class);
            return a.lastModifiedTime().toMillis() * 31 + a.size();
        } catch (IOException e) {
            return null; // vanished between list and stat
        }
    }

    private List<String> load(Path jar, long stamp) throws Exception {
        URLClassLoader loader = new URLClassLoader("plugin:" + jar.getFileName(),
                new URL[] {jar.toUri().toURL()}, apiLoader);
        List<LoadedPlugin> found = new ArrayList<>();
        try {
            for (ServiceLoader.Provider<SecmonPlugin> p : ServiceLoader.load(SecmonPlugin.class, loader).stream()
                    .toList()) {
                if (p.type().getClassLoader() != loader) {
                    continue;
                }
                SecmonPlugin plugin = p.get();
                PluginDescriptor d = plugin.descriptor();
                PluginHost.checkApi(d);
                for (LoadedPlugin other : plugins.loaded()) {
                    if (other.name().equals(d.id())) {
                        throw new IllegalStateException("plugin id '" + d.id() + "' is already loaded from "
                                + other.jar());
                    }
                }
                found.add(new LoadedPlugin(d.id(), plugin, d, jar, stamp, loader));
            }
            if (found.isEmpty()) {
                throw new IllegalStateException("no " + SecmonPlugin.class.getName()
                        + " provider in META-INF/services");
            }
        } catch (Exception | ServiceConfigurationError e) {
            loader.close();
            throw e instanceof Exception ex ? ex : new IllegalStateException(e.getMessage(), e);
        }
        List<String> names = new ArrayList<>();
        for (LoadedPlugin lp : found) {
            plugins.add(lp);
            names.add(lp.name());
        }
        return names;
    }

    /** Stop watching (the host unloads the plugins). */
    @Override
    public void close() {
        if (watcher != null) {
            watcher.shutdownNow();
        }
    }
}
