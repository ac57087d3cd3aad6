package org.secmon.plugins.rawforward;

import org.secmon.transport.CollectorSet;
import org.secmon.transport.KeptNumbers;

/**
 * ERSPAN's GRE sequence numbers (RFC 2890), per tunnel — collector address and ERSPAN session — kept for as long as
 * the plugin is loaded ({@code PluginContext.kept}): the instances a configuration change starts go on numbering
 * after the old ones, under the same lock. A GRE receiver with sequencing (Linux's ip_gre with {@code iseq}) drops
 * every packet whose number is not after the last one's: a sequence starting again at 1 would lose everything until
 * it passed the old count. Numbers of tunnels the new configuration no longer has are remembered too, should they
 * come back ({@link KeptNumbers}).
 */
final class GreSequences {
    private final KeptNumbers numbers = new KeptNumbers(1);

    /**
     * Per collector of {@code set}, a one-element array holding its tunnel's last number; read and written under
     * this object's lock.
     */
    long[][] cells(CollectorSet set, int session) {
        return numbers.cells(set.collectors().stream().map(c -> c.host() + " " + session).toList());
    }
}
