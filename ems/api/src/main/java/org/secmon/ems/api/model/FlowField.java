package org.secmon.ems.api.model;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import org.secmon.plugin.FlowFieldNames;

/**
 * A NetFlow match or collect field. {@code observation_point}: the id of the mirror tunnel a packet arrived through
 * (ERSPAN session, GRE key, VXLAN/GENEVE VNI, GTP-U TEID), matched so that flows of different tunnels stay apart and
 * exported as observationPointId (IE 138).
 */
public enum FlowField {
    SRC_ADDR, DST_ADDR, PROTOCOL, SRC_PORT, DST_PORT, TOS, INPUT_INTERFACE, DIRECTION, SRC_MAC, DST_MAC, VLAN,
    OBSERVATION_POINT,
    // layer-7 metadata (collect only; docs/netflow.md "Layer-7 metadata")
    TLS_SNI, TLS_ALPN, TLS_JA4, TLS_VERSION, HTTP_HOST, HTTP_METHOD, HTTP_USER_AGENT, DNS_QUERY, DNS_QUERY_TYPE,
    DNS_RCODE, DNS_ANSWERS, QUIC_VERSION, APPLICATION_ID;

    /** Whether this is layer-7 metadata (read from a flow's first payload), which can be collected, not matched. */
    public boolean metadata() {
        return ordinal() >= TLS_SNI.ordinal();
    }

    @JsonValue
    public String json() {
        return Enums.json(this);
    }

    /** SecMon's name ({@code src_addr}) or the IANA element's ({@code sourceIPv4Address}, {@code vlanId}...). */
    @JsonCreator
    public static FlowField parse(String s) {
        return Enums.parse(FlowField.class, s == null ? null : FlowFieldNames.canonical(s));
    }
}
