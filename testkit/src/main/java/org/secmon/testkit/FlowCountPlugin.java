package org.secmon.testkit;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import org.secmon.plugin.DeliveryMode;
import org.secmon.plugin.Packet;
import org.secmon.plugin.PacketFormat;
import org.secmon.plugin.PluginApi;
import org.secmon.plugin.PluginContext;
import org.secmon.plugin.PluginDescriptor;
import org.secmon.plugin.SecmonPlugin;

/** Test plugin: counts packets and frame bytes per flow key (allocates per packet: tests only). */
public class FlowCountPlugin implements SecmonPlugin {
    public final Map<String, long[]> flows = new ConcurrentHashMap<>();
    public volatile boolean ended;
    private final String id;
    private final DeliveryMode mode;

    public FlowCountPlugin() {
        this("flowcount", DeliveryMode.DIRECT);
    }

    public FlowCountPlugin(String id, DeliveryMode mode) {
        this.id = id;
        this.mode = mode;
    }

    @Override
    public PluginDescriptor descriptor() {
        return new PluginDescriptor(id, "1.0", PluginApi.VERSION, "counts packets per flow", mode, "");
    }

    @Override
    public void init(PluginContext context) {
    }

    @Override
    public void onPacket(Packet p) {
        if (p.ipVersion() == 0) {
            return;
        }
        String k = TrafficGenerator.key(p.ipVersion(), p.protocol(), PacketFormat.srcAddress(p),
                p.hasPorts() ? p.srcPort() : 0, PacketFormat.dstAddress(p), p.hasPorts() ? p.dstPort() : 0);
        long[] c = flows.computeIfAbsent(k, x -> new long[2]);
        c[0]++;
        c[1] += p.wireLength();
    }

    @Override
    public void endOfStream(long nowNanos) {
        ended = true;
    }

    @Override
    public void stop() {
    }
}
