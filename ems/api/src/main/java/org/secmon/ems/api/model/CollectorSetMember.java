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

@Doc("A collector in a collector set with its weight (0 = standby, used only when the others are down).")
public record CollectorSetMember(
        @Required @Ref("collectors") String collector,
        @Range(min = 0, max = 100) @Doc("default 1") Integer weight) {
    public CollectorSetMember {
        weight = weight == null ? 1 : weight;
    }
}
