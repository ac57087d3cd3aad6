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
        @Doc("any of src_mac, dst_mac, vlan") List<FlowField> collectFields) implements Scoped {
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
        for (int i = 0; i < collectFields.size(); i++) {
            FlowField f = collectFields.get(i);
            if (!COLLECTABLE.contains(f)) {
                errors.add("collect_fields[" + i + "]", "only src_mac, dst_mac and vlan can be collected, not "
                        + f.json());
            } else if (matchFields.contains(f)) {
                errors.add("collect_fields[" + i + "]", f.json() + " is already a match field");
            }
        }
    }
}
