package org.secmon.ems.api.model;

import org.secmon.ems.api.schema.Errors;
import org.secmon.ems.api.schema.Formats;
import org.secmon.ems.api.schema.Doc;
import org.secmon.ems.api.schema.Format;
import org.secmon.ems.api.schema.Formats.Kind;
import org.secmon.ems.api.schema.Length;
import org.secmon.ems.api.schema.Range;
import org.secmon.ems.api.schema.ReadOnly;
import org.secmon.ems.api.schema.Ref;
import org.secmon.ems.api.schema.Required;
import org.secmon.ems.api.schema.WriteOnly;

@Doc("A 7-tuple: source and destination prefix, protocol, source and destination port range, source and "
        + "destination MAC. Unset fields match anything.")
public record ClassificationObject(
        @ReadOnly String id,
        @ReadOnly Long version,
        @Required @Ref("scopes") String scope,
        @Required @Format(Kind.NAME) String name,
        @Format(Kind.CIDR) String srcIp,
        @Format(Kind.CIDR) String dstIp,
        @Format(Kind.PROTOCOL) String protocol,
        @Format(Kind.PORT_RANGE) String srcPort,
        @Format(Kind.PORT_RANGE) String dstPort,
        @Format(Kind.MAC) String srcMac,
        @Format(Kind.MAC) String dstMac) implements Scoped {
    public ClassificationObject {
        srcIp = any(srcIp);
        dstIp = any(dstIp);
        protocol = any(protocol);
        srcPort = any(srcPort);
        dstPort = any(dstPort);
        srcMac = any(srcMac);
        dstMac = any(dstMac);
    }

    private static String any(String s) {
        return Formats.isAny(s) ? "any" : s.strip();
    }

    @Override
    public void validate(Errors errors) {
        Boolean s4 = Formats.cidrIsV4(srcIp);
        Boolean d4 = Formats.cidrIsV4(dstIp);
        if (s4 != null && d4 != null && !s4.equals(d4) && !errors.has("src_ip") && !errors.has("dst_ip")) {
            errors.add("dst_ip", "src_ip and dst_ip must both be IPv4 or both IPv6");
        }
        if (!Formats.hasPorts(protocol)) {
            if (!"any".equals(srcPort)) {
                errors.add("src_port", "ports need protocol tcp, udp, sctp or any, not " + protocol);
            }
            if (!"any".equals(dstPort)) {
                errors.add("dst_port", "ports need protocol tcp, udp, sctp or any, not " + protocol);
            }
        }
    }
}
