package org.secmon.plugins.netflow.cache;

import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

import org.secmon.plugin.FlowFieldNames;

/** Fields a flow cache can match on (its key) or collect (taken from the flow's first packet). */
public enum FlowField {
    SRC_ADDR, DST_ADDR, PROTOCOL, SRC_PORT, DST_PORT, TOS, INPUT_INTERFACE, DIRECTION, SRC_MAC, DST_MAC, VLAN,
    /**
     * The packet's observation point: the id of the tunnel it arrived through (0 for none). Matched, flows of
     * different tunnels stay apart, and records carry it as observationPointId (IE 138).
     */
    OBSERVATION_POINT;

    /** The default key, as the original SecMon and most NetFlow exporters. */
    public static final Set<FlowField> DEFAULT_MATCH = EnumSet.of(SRC_ADDR, DST_ADDR, PROTOCOL, SRC_PORT, DST_PORT,
            TOS, INPUT_INTERFACE, DIRECTION);

    /** Fields that may be collected without being part of the key. */
    public static final Set<FlowField> COLLECTABLE = EnumSet.of(SRC_MAC, DST_MAC, VLAN);

    public String key() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** SecMon's name ({@code src_addr}), an older alias ({@code src_ip}) or the IANA element's name ({@code sourceIPv4Address}). */
    public static FlowField parse(String s) {
        String k = FlowFieldNames.canonical(s).trim().toUpperCase(Locale.ROOT).replace('-', '_');
        k = switch (k) {
            case "SRC_IP", "SOURCE_ADDRESS", "SRC_ADDRESS" -> "SRC_ADDR";
            case "DST_IP", "DESTINATION_ADDRESS", "DST_ADDRESS" -> "DST_ADDR";
            case "PROTO" -> "PROTOCOL";
            case "INPUT_IF", "INTERFACE", "INPUT" -> "INPUT_INTERFACE";
            case "VLAN_ID" -> "VLAN";
            case "OBSERVATION_POINT_ID", "TUNNEL", "TUNNEL_ID" -> "OBSERVATION_POINT";
            default -> k;
        };
        try {
            return valueOf(k);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("unknown flow field '" + s + "'; known: "
                    + String.join(", ", List.of(values()).stream().map(FlowField::key).toList())
                    + " (or the IANA element names, e.g. sourceIPv4Address, protocolIdentifier)");
        }
    }

    public static Set<FlowField> parseAll(List<String> names) {
        EnumSet<FlowField> out = EnumSet.noneOf(FlowField.class);
        for (String n : names) {
            out.add(parse(n));
        }
        return out;
    }
}
