package org.secmon.ems.api.model;

import java.util.List;
import java.util.Locale;

import org.secmon.ems.api.schema.Doc;
import org.secmon.ems.api.schema.Errors;
import org.secmon.ems.api.schema.Format;
import org.secmon.ems.api.schema.Formats.Kind;
import org.secmon.ems.api.schema.Formats;
import org.secmon.ems.api.schema.Length;
import org.secmon.ems.api.schema.OneOf;
import org.secmon.ems.api.schema.Range;
import org.secmon.ems.api.schema.ReadOnly;
import org.secmon.ems.api.schema.Ref;
import org.secmon.ems.api.schema.Required;
import org.secmon.ems.api.schema.WriteOnly;

@Doc("A tunnel binding: which enforcer (an appliance, or a registered IPsec enforcer on another node) keeps an "
        + "IPsec tunnel to which peer, for which subnets, with which policies and authentication.")
public record IpsecTunnel(
        @ReadOnly String id,
        @ReadOnly Long version,
        @Required @Format(Kind.NAME) String name,
        @Ref("appliances") @Doc("the appliance whose enforcer runs this end (or: enforcer)") String appliance,
        @Ref("ipsec_enforcers") @Doc("the registered IPsec enforcer that runs this end (or: appliance)")
        String enforcer,
        @Required @Ref("ike_policies") String ikePolicy,
        @Required @Ref("ipsec_policies") String ipsecPolicy,
        @Required @Format(Kind.IP) @Doc("this end's address for IKE") String localAddress,
        @Required @Format(Kind.IP) @Doc("the peer's address") String remoteAddress,
        @Length(max = 255) @Format(Kind.IKE_ID) @Doc("IKE identity of this end (default: local_address)")
        String localId,
        @Length(max = 255) @Format(Kind.IKE_ID) @Doc("IKE identity of the peer (default: remote_address)")
        String remoteId,
        @Length(min = 1, max = 64) @Doc("traffic selectors of this end (CIDR), or: local_endpoint_group")
        List<String> localSubnets,
        @Length(min = 1, max = 64) @Doc("traffic selectors of the peer (CIDR), or: remote_endpoint_group")
        List<String> remoteSubnets,
        @Ref("ipsec_endpoint_groups") @Doc("this end's site: its subnets are the local traffic selectors")
        String localEndpointGroup,
        @Ref("ipsec_endpoint_groups") @Doc("the peer's site: its subnets are the remote traffic selectors")
        String remoteEndpointGroup,
        @Doc("psk (default) or certificate (issued by the EMS CA; this end's id defaults to its certificate's name)")
        @OneOf({"psk", "certificate"}) String auth,
        @WriteOnly @Length(min = 16, max = 256) @Doc("pre-shared key, write-only: never returned by reads, only "
                + "delivered to the appliance that runs the tunnel") String psk,
        @Range(min = 0, max = 3600) @Doc("dead peer detection interval in seconds, 0 = off; default 30") Integer dpdDelay,
        @Doc("this end starts the tunnel (default true); else it waits for the peer") Boolean initiator,
        @Range(min = 0, max = 63) @Doc("only exports with this DSCP use the tunnel (marked), default: all") Integer dscp)
        implements Entity {

    public IpsecTunnel {
        auth = auth == null ? "psk" : auth.toLowerCase(Locale.ROOT);
        dpdDelay = dpdDelay == null ? 30 : dpdDelay;
        initiator = initiator == null ? Boolean.TRUE : initiator;
        localSubnets = localSubnets == null ? null : List.copyOf(localSubnets);
        remoteSubnets = remoteSubnets == null ? null : List.copyOf(remoteSubnets);
    }

    @Override
    public void validate(Errors errors) {
        if ((appliance == null) == (enforcer == null)) {
            errors.add(appliance == null ? "appliance" : "enforcer", appliance == null
                    ? "is required (or enforcer): who runs this end of the tunnel"
                    : "and appliance both set: one of them runs this end of the tunnel");
        }
        if (!auth.equals("psk") && !auth.equals("certificate")) {
            errors.add("auth", "must be psk or certificate");
        } else if (auth.equals("certificate") && (remoteId == null || remoteId.isBlank())) {
            errors.add("remote_id", "is required with certificate authentication: the peer certificate's name");
        } else if (auth.equals("certificate") && psk != null) {
            errors.add("psk", "is only for auth psk");
        }
        if ((localSubnets == null) == (localEndpointGroup == null)) {
            errors.add("local_subnets", localSubnets == null ? "are required (or local_endpoint_group)"
                    : "and local_endpoint_group both set: use one");
        }
        if ((remoteSubnets == null) == (remoteEndpointGroup == null)) {
            errors.add("remote_subnets", remoteSubnets == null ? "are required (or remote_endpoint_group)"
                    : "and remote_endpoint_group both set: use one");
        }
        checkPrefixes(errors, "local_subnets", localSubnets);
        checkPrefixes(errors, "remote_subnets", remoteSubnets);
    }

    /** Each entry an IPv4 or IPv6 prefix (not "any"). */
    static void checkPrefixes(Errors errors, String field, List<String> l) {
        if (l == null) {
            return;
        }
        for (int i = 0; i < l.size(); i++) {
            if (l.get(i) == null || Formats.check(Kind.CIDR, l.get(i)) != null || l.get(i).equalsIgnoreCase("any")) {
                errors.add(field + "[" + i + "]", "must be an IPv4 or IPv6 prefix such as 10.0.0.0/24");
            }
        }
    }
}
