package org.secmon.ems.api.model;

import java.util.List;

import org.secmon.ems.api.schema.Doc;
import org.secmon.ems.api.schema.Errors;
import org.secmon.ems.api.schema.Format;
import org.secmon.ems.api.schema.Formats;
import org.secmon.ems.api.schema.Formats.Kind;
import org.secmon.ems.api.schema.Length;
import org.secmon.ems.api.schema.ReadOnly;
import org.secmon.ems.api.schema.Required;

@Doc("A site's subnets, named once and used by any number of tunnels (as local_endpoint_group or "
        + "remote_endpoint_group); changing it changes every tunnel that uses it.")
public record IpsecEndpointGroup(
        @ReadOnly String id,
        @ReadOnly Long version,
        @Required @Format(Kind.NAME) String name,
        @Required @Length(min = 1, max = 64) @Doc("the site's subnets (CIDR)") List<String> cidrs) implements Entity {
    public IpsecEndpointGroup {
        cidrs = cidrs == null ? null : List.copyOf(cidrs);
    }

    @Override
    public void validate(Errors errors) {
        IpsecTunnel.checkPrefixes(errors, "cidrs", cidrs);
    }
}
