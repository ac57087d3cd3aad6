package org.secmon.plugin;

import java.util.Locale;
import java.util.Map;

/**
 * The names a NetFlow match or collect field may be given: SecMon's own ({@code src_addr}...) or the name of the
 * information element in IANA's IPFIX registry that carries it ({@code sourceIPv4Address}...), which is what users
 * of nfdump, nProbe and pmacct look up. Shared by the NetFlow plugin and the EMS, so both accept the same names.
 */
public final class FlowFieldNames {
    private FlowFieldNames() {
    }

    /** IANA element name (lower case) → SecMon's field key. */
    private static final Map<String, String> IANA = Map.ofEntries(
            Map.entry("sourceipv4address", "src_addr"),
            Map.entry("sourceipv6address", "src_addr"),
            Map.entry("destinationipv4address", "dst_addr"),
            Map.entry("destinationipv6address", "dst_addr"),
            Map.entry("protocolidentifier", "protocol"),
            Map.entry("sourcetransportport", "src_port"),
            Map.entry("destinationtransportport", "dst_port"),
            Map.entry("ipclassofservice", "tos"),
            Map.entry("ingressinterface", "input_interface"),
            Map.entry("flowdirection", "direction"),
            Map.entry("sourcemacaddress", "src_mac"),
            Map.entry("destinationmacaddress", "dst_mac"),
            Map.entry("vlanid", "vlan"),
            Map.entry("observationpointid", "observation_point"),
            Map.entry("httprequesthost", "http_host"),
            Map.entry("httprequestmethod", "http_method"),
            Map.entry("httpuseragent", "http_user_agent"));

    /** SecMon's key for {@code name} when it is an IANA element name, else {@code name} as given. */
    public static String canonical(String name) {
        String k = IANA.get(name.strip().toLowerCase(Locale.ROOT));
        return k != null ? k : name;
    }
}
