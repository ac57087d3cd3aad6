package org.secmon.plugins.rawforward;

import java.util.HashMap;
import java.util.Map;

import org.secmon.transport.CollectorSet;

/**
 * ERSPAN's GRE sequence numbers (RFC 2890), per tunnel — collector address and ERSPAN session — kept for as long as
 * the plugin is loaded ({@code PluginContext.kept}): the instances a configuration change starts go on numbering
 * after the old ones, under the same lock. A GRE receiver with sequencing (Linux's ip_gre with {@code iseq}) drops
 * every packet whose number is not after the last one's: a sequence starting again at 1 would lose everything until
 * it passed the old count. Numbers of tunnels the new configuration no longer has are remembered too (should they
 * come back), up to {@value #MAX_REMEMBERED} tunnels.
 */
final class GreSequences {
    static final int MAX_REMEMBERED = 1024;
    private Map<String, long[]> byTunnel = new HashMap<>();

    /**
     * Per collector of {@code set}, a one-element array holding its tunnel's last number; read and written under
     * this object's lock.
     */
    synchronized long[][] cells(CollectorSet set, int session) {
        Map<String, long[]> now = new HashMap<>();
        long[][] cells = new long[set.size()][];
        for (int i = 0; i < cells.length; i++) {
            String key = set.collectors().get(i).host() + " " + session;
            long[] known = byTunnel.get(key);
            cells[i] = now.computeIfAbsent(key, k -> known != null ? known : new long[1]);
        }
        if (byTunnel.size() + now.size() <= MAX_REMEMBERED) {
            byTunnel.forEach(now::putIfAbsent);
        }
        byTunnel = now;
        return cells;
    }
}
