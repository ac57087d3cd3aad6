package org.secmon.plugins.sflow;

import java.net.InetAddress;
import java.net.UnknownHostException;

import org.secmon.plugin.PluginConfig;
import org.secmon.transport.CollectorSet;
import org.secmon.transport.CollectorType;

/**
 * The plugin's configuration, as the original's sflowconfig (agent address, sub-agent id, sampling rate, truncate
 * size) plus the polling interval. Keys (all optional but the collectors):
 * <pre>
 * collectors:            # a collector set; or "collector: HOST:PORT" for a single one
 *   - {name: c1, address: 127.0.0.1, port: 6343, weight: 0..100}
 * lb: session | round_robin | weighted_round_robin     (default session)
 * agent_address: 10.0.0.5     in every datagram (default: the local address towards the first collector)
 * sub_agent_id: 0
 * sampling_rate: 1000         1-in-N random sampling of the packets the filter passes (1: every packet)
 * header_size: 128            bytes of each sampled packet sent (alias truncate_size), 14..1400
 * polling_interval: 20        seconds between counter samples (0: none)
 * mtu: 1400                   bytes of UDP payload per datagram
 * flush_delay_ms: 500         a datagram waits at most this long for more samples
 * collector_retry: 5          seconds before a collector that went down is tried again
 * session_timeout: 300        seconds a load-balancing session sticks to its collector
 * seed: 0                     random seed (0: from the clock); for reproducible tests
 * pacing_kbps: 0              at most this rate to each collector (0: no pacing)
 * </pre>
 */
record SflowSettings(CollectorSet collectors, InetAddress agentAddress, int subAgentId, long samplingRate,
                     int headerSize, long pollingNanos, int mtu, long flushDelayNanos, long retryNanos,
                     long sessionTimeoutNanos, long seed, long pacingKbps) {
    private static final long S = 1_000_000_000L;
    static final int MAX_HEADER = 1400;

    static SflowSettings parse(PluginConfig c) {
        CollectorSet set = CollectorSet.parse(c, CollectorType.SFLOW, 6343, "sflow");
        InetAddress agent = null;
        String a = c.string("agent_address", c.string("agent_ip", null));
        if (a != null) {
            if (!a.matches("[0-9.]+|[0-9a-fA-F:.]*:[0-9a-fA-F:.]*")) {
                throw new IllegalArgumentException("agent_address must be an IPv4 or IPv6 address, not '" + a + "'");
            }
            try {
                agent = InetAddress.getByName(a);
            } catch (UnknownHostException e) {
                throw new IllegalArgumentException("agent_address must be an IPv4 or IPv6 address, not '" + a + "'");
            }
        }
        long sub = c.longValue("sub_agent_id", 0);
        if (sub < 0 || sub > 0xffffffffL) {
            throw new IllegalArgumentException("sub_agent_id must be 0..4294967295, not " + sub);
        }
        long rate = c.longValue("sampling_rate", c.longValue("sampling", 1000));
        if (rate < 1 || rate > 0xffffffffL) {
            throw new IllegalArgumentException("sampling_rate must be 1..4294967295 (1-in-N), not " + rate);
        }
        int header = c.intValue("header_size", c.intValue("truncate_size", 128));
        if (header < 14 || header > MAX_HEADER) {
            throw new IllegalArgumentException("header_size must be 14.." + MAX_HEADER + " bytes, not " + header);
        }
        long polling = c.longValue("polling_interval", 20);
        if (polling < 0 || polling > 86_400) {
            throw new IllegalArgumentException("polling_interval must be 0..86400 seconds (0: no counter samples)");
        }
        int mtu = c.intValue("mtu", 1400);
        long flush = c.longValue("flush_delay_ms", 500);
        if (flush < 1) {
            throw new IllegalArgumentException("flush_delay_ms must be >= 1");
        }
        long retry = c.longValue("collector_retry", 5);
        long session = c.longValue("session_timeout", 300);
        if (retry < 1 || session < 1) {
            throw new IllegalArgumentException("collector_retry and session_timeout must be >= 1 second");
        }
        return new SflowSettings(set, agent, (int) sub, rate, header, polling * S, mtu, flush * 1_000_000L,
                retry * S, session * S, c.longValue("seed", 0), org.secmon.transport.UdpSender.pacingKbps(c));
    }

}
