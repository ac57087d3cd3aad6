package org.secmon.agent;

import org.secmon.plugin.Counter;
import org.secmon.plugin.DeliveryMode;
import org.secmon.plugin.Packet;
import org.secmon.plugin.PluginApi;
import org.secmon.plugin.PluginContext;
import org.secmon.plugin.PluginDescriptor;
import org.secmon.plugin.SecmonPlugin;

/**
 * Built-in plugin that counts what its filter passes: packets, bytes (on the wire and delivered after truncation),
 * IPv4/IPv6/non-IP, TCP/UDP/ICMP/other. Used by {@code secmon replay} when no export plugin is configured.
 */
public final class CountingPlugin implements SecmonPlugin {
    public static final String ID = "count";

    private Counter packets;
    private Counter bytes;
    private Counter delivered;
    private Counter ipv4;
    private Counter ipv6;
    private Counter nonIp;
    private Counter tcp;
    private Counter udp;
    private Counter icmp;
    private Counter other;

    @Override
    public PluginDescriptor descriptor() {
        return new PluginDescriptor(ID, "1.0", PluginApi.VERSION, "counts the packets its filter passes",
                DeliveryMode.DIRECT, "", true); // queue-local: an instance per rx queue, counters summed
    }

    @Override
    public void init(PluginContext context) {
        packets = context.counter("packets");
        bytes = context.counter("bytes");
        delivered = context.counter("delivered_bytes");
        ipv4 = context.counter("ipv4");
        ipv6 = context.counter("ipv6");
        nonIp = context.counter("non_ip");
        tcp = context.counter("tcp");
        udp = context.counter("udp");
        icmp = context.counter("icmp");
        other = context.counter("other");
    }

    @Override
    public void onPacket(Packet p) {
        packets.increment();
        bytes.add(p.wireLength());
        delivered.add(p.deliverLength());
        switch (p.ipVersion()) {
            case 4 -> ipv4.increment();
            case 6 -> ipv6.increment();
            default -> {
                nonIp.increment();
                return;
            }
        }
        switch (p.protocol()) {
            case Packet.PROTO_TCP -> tcp.increment();
            case Packet.PROTO_UDP -> udp.increment();
            case Packet.PROTO_ICMP, Packet.PROTO_ICMPV6 -> icmp.increment();
            default -> other.increment();
        }
    }

    @Override
    public void stop() {
    }
}
