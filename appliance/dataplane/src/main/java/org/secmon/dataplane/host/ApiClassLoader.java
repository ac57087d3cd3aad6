package org.secmon.dataplane.host;

import java.io.IOException;
import java.net.URL;
import java.util.Collections;
import java.util.Enumeration;
import java.util.List;

/**
 * The parent of every plugin class loader: it shows a plugin the JDK (platform loader) plus only the host packages
 * listed as exported (the plugin API, the export module), never the host's own classes or libraries. A plugin can
 * therefore bundle its own versions of anything, and unloading it leaves nothing of it in the host.
 */
final class ApiClassLoader extends ClassLoader {
    static {
        registerAsParallelCapable();
    }

    private final ClassLoader host;
    private final List<String> exportedPrefixes;

    ApiClassLoader(ClassLoader host, List<String> exportedPrefixes) {
        super("secmon-plugin-api", ClassLoader.getPlatformClassLoader());
        this.host = host;
        this.exportedPrefixes = List.copyOf(exportedPrefixes);
    }

    private boolean exported(String name) {
        for (String p : exportedPrefixes) {
            if (name.startsWith(p)) {
                return true;
            }
        }
        return false;
    }

    @Override
    protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException {
        if (exported(name)) {
            return host.loadClass(name);
        }
        return super.loadClass(name, resolve);
    }

    @Override
    public URL getResource(String name) {
        // service files of the host must not leak into plugin discovery
        return name.startsWith("META-INF/services/") ? null : super.getResource(name);
    }

    @Override
    public Enumeration<URL> getResources(String name) throws IOException {
        return name.startsWith("META-INF/services/") ? Collections.emptyEnumeration() : super.getResources(name);
    }
}
