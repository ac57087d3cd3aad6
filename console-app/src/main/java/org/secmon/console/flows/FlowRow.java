package org.secmon.console.flows;

/**
 * One of an appliance's largest flows as its flow cache listed it: the 5-tuple, the server or query name from the
 * flow's layer-7 metadata ("-" without), packets and bytes since its last export, TCP flags, age and idle time.
 */
public record FlowRow(String plugin, String protocol, String source, String destination, String name, long packets,
        long bytes, String flags, String age, String idle) {
    /** Whether {@code text} (any case) is in the flow's addresses, ports, protocol or name; blank matches all. */
    public boolean matches(String text) {
        if (text == null || text.isBlank()) {
            return true;
        }
        String t = text.strip().toLowerCase(java.util.Locale.ROOT);
        for (String s : new String[] {protocol, source, destination, name, plugin}) {
            if (s.toLowerCase(java.util.Locale.ROOT).contains(t)) {
                return true;
            }
        }
        return false;
    }
}
