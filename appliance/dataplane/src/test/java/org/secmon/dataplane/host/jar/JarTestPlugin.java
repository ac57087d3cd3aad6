package org.secmon.dataplane.host.jar;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;

import org.secmon.plugin.Counter;
import org.secmon.plugin.DeliveryMode;
import org.secmon.plugin.Packet;
import org.secmon.plugin.PluginApi;
import org.secmon.plugin.PluginContext;
import org.secmon.plugin.PluginDescriptor;
import org.secmon.plugin.SecmonPlugin;

/**
 * Packaged into jars by the tests (never loaded from the test class path): its id and behaviour come from
 * {@code secmon-test-plugin.properties} inside its jar.
 */
public class JarTestPlugin implements SecmonPlugin {
    private final Properties props = new Properties();
    private Counter seen;
    private long failAt;

    public JarTestPlugin() {
        try (InputStream in = JarTestPlugin.class.getResourceAsStream("/secmon-test-plugin.properties")) {
            if (in != null) {
                props.load(in);
            }
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public PluginDescriptor descriptor() {
        return new PluginDescriptor(props.getProperty("id", "jartest"), "1.0",
                Integer.parseInt(props.getProperty("api", Integer.toString(PluginApi.VERSION))), "test plugin",
                DeliveryMode.valueOf(props.getProperty("mode", "DIRECT")), "");
    }

    @Override
    public void init(PluginContext context) {
        seen = context.counter("seen");
        failAt = Long.parseLong(props.getProperty("failAt", "0"));
        if (Boolean.parseBoolean(props.getProperty("failInit", "false"))) {
            throw new IllegalStateException("init refused by configuration");
        }
    }

    @Override
    public void onPacket(Packet packet) {
        seen.increment();
        if (failAt > 0 && seen.get() >= failAt) {
            throw new IllegalStateException("boom at packet " + seen.get());
        }
    }

    @Override
    public void stop() {
    }
}
