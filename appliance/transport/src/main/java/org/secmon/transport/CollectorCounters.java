package org.secmon.transport;

import org.secmon.plugin.Counter;
import org.secmon.plugin.CounterNames;
import org.secmon.plugin.PluginContext;

/**
 * The per-collector counters every exporting plugin shows: {@code collector.NAME.datagrams|bytes|sessions|errors|
 * paced|down} (down: 1 while the collector is marked down), published from its {@link UdpSender} and {@link LoadBalancer}.
 */
public final class CollectorCounters {
    private final Counter[][] c;

    public CollectorCounters(PluginContext context, CollectorSet set) {
        c = new Counter[set.size()][];
        for (int i = 0; i < c.length; i++) {
            String p = CounterNames.COLLECTOR_PREFIX + set.collectors().get(i).name() + ".";
            c[i] = new Counter[] {context.counter(p + "datagrams"), context.counter(p + "bytes"),
                context.counter(p + "sessions"), context.counter(p + "errors"), context.counter(p + "paced"),
                context.counter(p + "down")};
        }
    }

    /** Copies the sender's and balancer's figures into the counters (the plugin's data-plane thread). */
    public void publish(UdpSender sender, LoadBalancer lb) {
        publishSessions(lb);
        publishSender(sender);
    }

    /** The balancer's sessions per collector. */
    public void publishSessions(LoadBalancer lb) {
        for (int i = 0; i < c.length; i++) {
            c[i][2].set(lb.sessionsAssigned(i));
        }
    }

    /**
     * The sender's figures per collector. Instances on several rx queues that share one sender publish them into
     * one set of counters (the host sums a plugin's counters over its instances), each after it sent, under the
     * sender's lock.
     */
    public void publishSender(UdpSender sender) {
        for (int i = 0; i < c.length; i++) {
            c[i][0].set(sender.datagrams(i));
            c[i][1].set(sender.bytes(i));
            c[i][3].set(sender.errors(i));
            c[i][4].set(sender.paced(i));
            c[i][5].set(sender.isUp(i) ? 0 : 1);
        }
    }
}
