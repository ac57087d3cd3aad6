package org.secmon.dataplane.host;

import java.io.IOException;
import java.io.OutputStream;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;

import org.secmon.dataplane.host.jar.JarTestPlugin;

/** Builds plugin jars from the test's compiled {@link JarTestPlugin}, with per-jar properties. */
final class PluginJars {
    private PluginJars() {
    }

    static Path write(Path dir, String fileName, String properties) throws IOException {
        Path tmp = dir.resolveSibling(fileName + ".tmp");
        String cls = JarTestPlugin.class.getName().replace('.', '/') + ".class";
        Path classFile;
        try {
            classFile = Path.of(JarTestPlugin.class.getProtectionDomain().getCodeSource().getLocation().toURI())
                    .resolve(cls);
        } catch (URISyntaxException e) {
            throw new IOException(e);
        }
        try (OutputStream os = Files.newOutputStream(tmp); JarOutputStream jar = new JarOutputStream(os)) {
            jar.putNextEntry(new JarEntry(cls));
            jar.write(Files.readAllBytes(classFile));
            jar.putNextEntry(new JarEntry("META-INF/services/org.secmon.plugin.SecmonPlugin"));
            jar.write((JarTestPlugin.class.getName() + "\n").getBytes(StandardCharsets.UTF_8));
            jar.putNextEntry(new JarEntry("secmon-test-plugin.properties"));
            jar.write(properties.getBytes(StandardCharsets.UTF_8));
        }
        Path target = dir.resolve(fileName);
        Files.move(tmp, target, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        return target;
    }
}
