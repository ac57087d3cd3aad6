package org.secmon.plugins.rawforward;

import java.util.Locale;

import org.secmon.plugin.PluginConfig;
import org.secmon.transport.CollectorSet;
import org.secmon.transport.CollectorType;

/**
 * Configuration of the raw-forward plugin. Keys (all optional but the collectors):
 * <pre>
 * collectors:            # a collector set; or "collector: HOST:PORT" for a single one
 *   - {name: ids1, address: 10.0.0.9, port: 4789, encapsulation: vxlan, weight: 0..100}
 * lb: session | round_robin | weighted_round_robin     (default session; a session's packets stay together)
 * encapsulation: udp | sflow | vxlan | erspan          (default udp; a collector's own value wins, but a set
 *                                                       uses one encapsulation)
 * vni: 1                      VXLAN network identifier, 0..16777215
 * erspan_session: 1           ERSPAN session id, 0..1023
 * batch_size: 32              datagrams per sendmmsg (1: one send per packet)
 * max_frame: 9216             longest frame forwarded whole; longer ones are cut (counted, ERSPAN T bit)
 * agent_address, sub_agent_id, mtu (default 9000)    for encapsulation sflow
 * collector_retry: 5          seconds before a collector that refused packets is tried again
 * session_timeout: 300        seconds a session sticks to its collector
 * </pre>
 * The plugin's packets are those its filter passes, each cut to its rule's truncate_to_size.
 */
record RawForwardSettings(CollectorSet collectors, Encapsulation encapsulation, int vni, int erspanSession,
                          int batchSize, int maxFrame, PluginConfig sflow, long retryNanos,
                          long sessionTimeoutNanos) {
    private static final long S = 1_000_000_000L;

    enum Encapsulation {
        UDP(0, 4789), SFLOW(0, 6343), VXLAN(8, 4789), ERSPAN(16, 0);

        /** Bytes in front of the frame. */
        final int header;
        final int defaultPort;

        Encapsulation(int header, int defaultPort) {
            this.header = header;
            this.defaultPort = defaultPort;
        }

        static Encapsulation parse(String s) {
            return switch (s.trim().toLowerCase(Locale.ROOT)) {
                case "udp", "raw" -> UDP;
                case "sflow" -> SFLOW;
                case "vxlan" -> VXLAN;
                case "erspan", "erspan2", "gre" -> ERSPAN;
                default -> throw new IllegalArgumentException("encapsulation must be udp, sflow, vxlan or erspan, not '"
                        + s + "'");
            };
        }
    }

    static RawForwardSettings parse(PluginConfig c) {
        // the plugin's own value, else the first collector's, else udp; every collector must agree
        String first = c.children("collectors").stream().filter(cc -> cc.has("encapsulation")).findFirst()
                .map(cc -> cc.string("encapsulation", "udp")).orElse("udp");
        Encapsulation e = Encapsulation.parse(c.string("encapsulation", first));
        for (PluginConfig cc : c.children("collectors")) {
            if (cc.has("encapsulation") && Encapsulation.parse(cc.string("encapsulation", "")) != e) {
                throw new IllegalArgumentException("collector " + cc.string("name", cc.string("address", "?"))
                        + ": encapsulation " + cc.string("encapsulation", "") + " differs from the set's "
                        + e.name().toLowerCase(Locale.ROOT) + " (a raw-forward set uses one encapsulation)");
            }
        }
        CollectorSet set = CollectorSet.parse(c, CollectorType.RAWFORWARD, Math.max(1, e.defaultPort),
                "rawforward");
        long vni = c.longValue("vni", 1);
        if (vni < 0 || vni > 0xffffff) {
            throw new IllegalArgumentException("vni must be 0..16777215, not " + vni);
        }
        long session = c.longValue("erspan_session", 1);
        if (session < 0 || session > 1023) {
            throw new IllegalArgumentException("erspan_session must be 0..1023, not " + session);
        }
        int batch = c.intValue("batch_size", 32);
        if (batch < 1 || batch > 1024) {
            throw new IllegalArgumentException("batch_size must be 1..1024, not " + batch);
        }
        int maxFrame = c.intValue("max_frame", 9216);
        if (maxFrame < 64 || maxFrame > 65_000) {
            throw new IllegalArgumentException("max_frame must be 64..65000 bytes, not " + maxFrame);
        }
        long retry = c.longValue("collector_retry", 5);
        long timeout = c.longValue("session_timeout", 300);
        if (retry < 1 || timeout < 1) {
            throw new IllegalArgumentException("collector_retry and session_timeout must be >= 1 second");
        }
        return new RawForwardSettings(set, e, (int) vni, (int) session, batch, maxFrame, c, retry * S,
                timeout * S);
    }
}
