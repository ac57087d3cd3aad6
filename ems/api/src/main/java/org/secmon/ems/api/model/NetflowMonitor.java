package org.secmon.ems.api.model;

import java.util.EnumSet;
import java.util.List;
import java.util.Set;

import org.secmon.ems.api.schema.Errors;
import org.secmon.ems.api.schema.Doc;
import org.secmon.ems.api.schema.Format;
import org.secmon.ems.api.schema.Formats.Kind;
import org.secmon.ems.api.schema.Length;
import org.secmon.ems.api.schema.Range;
import org.secmon.ems.api.schema.ReadOnly;
import org.secmon.ems.api.schema.Ref;
import org.secmon.ems.api.schema.Required;
import org.secmon.ems.api.schema.WriteOnly;

@Doc("Which fields key a NetFlow flow (match) and which are only recorded from its first packet (collect).")
public record NetflowMonitor(
        @ReadOnly String id,
        @ReadOnly Long version,
        @Required @Ref("scopes") String scope,
        @Required @Format(Kind.NAME) String name,
        @Doc("default: src_addr, dst_addr, protocol, src_port, dst_port, tos, input_interface, direction; add"
                + " observation_point where appliances terminate mirror tunnels (decap)")
        List<FlowField> matchFields,
        @Doc("any of src_mac, dst_mac, vlan (from the flow's first packet) and the layer-7 metadata tls_sni, tls_alpn,"
                + " tls_ja4, tls_version, http_host, http_method, http_user_agent, dns_query, dns_query_type,"
                + " dns_rcode, dns_answers, quic_version, application_id (from the first ClientHello, QUIC Initial,"
                + " HTTP request or DNS message; IPFIX carries"
                + " them all, NetFlow v9 those nProbe defines)") List<FlowField> collectFields) implements Scoped {
    public static final List<FlowField> DEFAULT_MATCH = List.of(FlowField.SRC_ADDR, FlowField.DST_ADDR,
            FlowField.PROTOCOL, FlowField.SRC_PORT, FlowField.DST_PORT, FlowField.TOS, FlowField.INPUT_INTERFACE,
            FlowField.DIRECTION);
    private static final Set<FlowField> COLLECTABLE = EnumSet.of(FlowField.SRC_MAC, FlowField.DST_MAC,
            FlowField.VLAN);

    public NetflowMonitor {
        matchFields = matchFields == null || matchFields.isEmpty() ? DEFAULT_MATCH : List.copyOf(matchFields);
        collectFields = collectFields == null ? List.of() : List.copyOf(collectFields);
    }

    @Override
    public void validate(Errors errors) {
        for (int i = 0; i < matchFields.size(); i++) {
            if (matchFields.get(i).metadata()) {
                errors.add("match_fields[" + i + "]", matchFields.get(i).json() + " is layer-7 metadata: it can be"
                        + " collected, not matched");
            }
        }
        for (int i = 0; i < collectFields.size(); i++) {
            FlowField f = collectFields.get(i);
            if (!COLLECTABLE.contains(f) && !f.metadata()) {
                errors.add("collect_fields[" + i + "]", "only src_mac, dst_mac, vlan and the layer-7 metadata fields"
                        + " (tls_sni, http_host, dns_query ...) can be collected, not " + f.json());
            } else if (matchFields.contains(f)) {
                errors.add("collect_fields[" + i + "]", f.json() + " is already a match field");
            }
        }
    }
}
