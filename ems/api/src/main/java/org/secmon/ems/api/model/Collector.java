package org.secmon.ems.api.model;

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

@Doc("An analyzer endpoint (nfdump, pmacct, Wireshark, Snort...) that receives a plugin's output over UDP.")
public record Collector(
        @ReadOnly String id,
        @ReadOnly Long version,
        @Required @Ref("scopes") String scope,
        @Required @Format(Kind.NAME) String name,
        @Required @Format(Kind.HOST) String address,
        @Required @Range(min = 1, max = 65535) Integer port,
        @Required CollectorType type,
        @Doc("raw forward only: udp (default), sflow, vxlan or erspan") Encapsulation encapsulation,
        @Range(min = 0, max = 63) @Doc("DSCP of every datagram to this collector (default 0, best effort); an IPsec "
                + "tunnel with the same dscp carries them") Integer dscp,
        @Doc("IPFIX only: RFC 5103 biflows, one record per conversation with the responder's packets, bytes and TCP"
                + " flags in reverse elements (default false: a record per direction)") Boolean biflow)
        implements Scoped {
    public Collector {
        encapsulation = encapsulation == null && type == CollectorType.RAWFORWARD ? Encapsulation.UDP : encapsulation;
    }

    @Override
    public void validate(Errors errors) {
        if (encapsulation != null && type != null && type != CollectorType.RAWFORWARD) {
            errors.add("encapsulation", "only rawforward collectors have an encapsulation");
        }
        if (Boolean.TRUE.equals(biflow) && type != null && type != CollectorType.IPFIX) {
            errors.add("biflow", "biflows are IPFIX only (RFC 5103): NetFlow v9, sFlow and raw forward stay"
                    + " unidirectional");
        }
    }
}
