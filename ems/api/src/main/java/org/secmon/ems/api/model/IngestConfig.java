package org.secmon.ems.api.model;

import java.util.List;

import org.secmon.ems.api.schema.Doc;
import org.secmon.ems.api.schema.Errors;
import org.secmon.ems.api.schema.Format;
import org.secmon.ems.api.schema.Formats.Kind;
import org.secmon.ems.api.schema.Length;
import org.secmon.ems.api.schema.Range;
import org.secmon.ems.api.schema.ReadOnly;
import org.secmon.ems.api.schema.Ref;
import org.secmon.ems.api.schema.Required;

@Doc("How the scope's appliances take mirrored traffic in (at most one per scope): the tunnels they terminate before"
        + " filtering, so that rules and plugins see the inner packets, and deduplication. Without one, each appliance"
        + " keeps its own setting (secmon-init: none on a tap service port, all tunnels in tunnel mode).")
public record IngestConfig(
        @ReadOnly String id,
        @ReadOnly Long version,
        @Required @Ref("scopes") String scope,
        @Format(Kind.NAME) @Doc("default 'default'") String name,
        @Length(max = 5) @Doc("tunnels to terminate: erspan, gre, vxlan, geneve, gtpu; empty = none") List<TunnelKind> decap,
        @Length(max = 8) @Doc("VXLAN's UDP ports, default 4789 and 8472") List<Integer> vxlanPorts,
        @Length(max = 8) @Doc("GENEVE's UDP ports, default 6081") List<Integer> genevePorts,
        @Length(max = 8) @Doc("GTP-U's UDP ports, default 2152") List<Integer> gtpuPorts,
        @Range(min = 1, max = 8) @Doc("tunnels nested in tunnels terminated at most, default 2") Integer decapDepth,
        @Range(min = 0, max = 10000) @Doc("drop a packet seen again within this many ms; 0 = off (default)")
        Integer dedupMs,
        @Length(max = 1024) @Doc("interface index per tunnel id: a packet from that tunnel counts as received on it"
                + " (NetFlow's ingressInterface)") List<TunnelInterface> interfaces) implements Scoped {
    /** A tunnel (by its ERSPAN session, GRE key, VNI or TEID) numbered as an interface. */
    public record TunnelInterface(
            @Required @Range(min = 0, max = 4294967295L) Long tunnelId,
            @Required @Range(min = 0, max = 65535) Integer ifIndex) {
    }

    public IngestConfig {
        name = name == null ? "default" : name;
        decap = decap == null ? List.of() : List.copyOf(decap);
        vxlanPorts = vxlanPorts == null ? List.of() : List.copyOf(vxlanPorts);
        genevePorts = genevePorts == null ? List.of() : List.copyOf(genevePorts);
        gtpuPorts = gtpuPorts == null ? List.of() : List.copyOf(gtpuPorts);
        decapDepth = decapDepth == null ? 2 : decapDepth;
        dedupMs = dedupMs == null ? 0 : dedupMs;
        interfaces = interfaces == null ? List.of() : List.copyOf(interfaces);
    }

    @Override
    public void validate(Errors errors) {
        if (decap.stream().distinct().count() != decap.size()) {
            errors.add("decap", "names a tunnel twice");
        }
        ports(errors, "vxlan_ports", vxlanPorts, TunnelKind.VXLAN);
        ports(errors, "geneve_ports", genevePorts, TunnelKind.GENEVE);
        ports(errors, "gtpu_ports", gtpuPorts, TunnelKind.GTPU);
        java.util.Set<Long> seen = new java.util.HashSet<>();
        for (int i = 0; i < interfaces.size(); i++) {
            TunnelInterface t = interfaces.get(i);
            if (t == null || t.tunnelId() == null || t.ifIndex() == null) {
                errors.add("interfaces[" + i + "]", "needs tunnel_id and if_index");
            } else if (!seen.add(t.tunnelId())) {
                errors.add("interfaces[" + i + "].tunnel_id", "tunnel " + t.tunnelId() + " is numbered twice");
            }
        }
    }

    private void ports(Errors errors, String field, List<Integer> ports, TunnelKind kind) {
        for (int i = 0; i < ports.size(); i++) {
            Integer p = ports.get(i);
            if (p == null || p < 1 || p > 65535) {
                errors.add(field + "[" + i + "]", "a UDP port is 1..65535, not " + p);
            }
        }
        if (!ports.isEmpty() && !decap.contains(kind)) {
            errors.add(field, "ports for " + kind.json() + ", which decap does not name");
        }
    }

    /**
     * The data plane's decap specification ({@code none}, or e.g. {@code erspan,vxlan=4789/4790}), for the agent.
     */
    public String decapSpec() {
        if (decap.isEmpty()) {
            return "none";
        }
        StringBuilder b = new StringBuilder();
        for (TunnelKind k : decap) {
            List<Integer> ports = switch (k) {
                case VXLAN -> vxlanPorts;
                case GENEVE -> genevePorts;
                case GTPU -> gtpuPorts;
                default -> List.of();
            };
            if (!b.isEmpty()) {
                b.append(',');
            }
            b.append(k.json());
            for (int i = 0; i < ports.size(); i++) {
                b.append(i == 0 ? '=' : '/').append(ports.get(i));
            }
        }
        return b.toString();
    }
}
