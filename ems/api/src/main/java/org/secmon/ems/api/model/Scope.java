package org.secmon.ems.api.model;

import org.secmon.ems.api.schema.Doc;
import org.secmon.ems.api.schema.Format;
import org.secmon.ems.api.schema.Formats.Kind;
import org.secmon.ems.api.schema.Length;
import org.secmon.ems.api.schema.Range;
import org.secmon.ems.api.schema.ReadOnly;
import org.secmon.ems.api.schema.Ref;
import org.secmon.ems.api.schema.Required;
import org.secmon.ems.api.schema.WriteOnly;

@Doc("A monitoring domain (a tenant network): appliances, rules, collectors and associations belong to one scope.")
public record Scope(
        @ReadOnly String id,
        @ReadOnly Long version,
        @Required @Format(Kind.NAME) String name,
        @Required @Ref("projects") @Doc("the owning project") String project,
        @Length(max = 255) String description,
        @Doc("NetFlow/IPFIX plugin enabled in this scope (default true)") Boolean netflowEnabled,
        @Doc("sFlow plugin enabled in this scope (default true)") Boolean sflowEnabled,
        @Doc("raw-forward plugin enabled in this scope (default true)") Boolean rawforwardEnabled,
        @ReadOnly @Doc("configuration version: the store revision of the scope's latest change") Long configVersion)
        implements Entity {
    public Scope {
        netflowEnabled = netflowEnabled == null ? Boolean.TRUE : netflowEnabled;
        sflowEnabled = sflowEnabled == null ? Boolean.TRUE : sflowEnabled;
        rawforwardEnabled = rawforwardEnabled == null ? Boolean.TRUE : rawforwardEnabled;
    }
}
