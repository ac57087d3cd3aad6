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

@Doc("Binds a plugin in a scope to a policy and a collector or collector set, for one traffic direction.")
public record Association(
        @ReadOnly String id,
        @ReadOnly Long version,
        @Required @Ref("scopes") String scope,
        @Required @Format(Kind.NAME) String name,
        @Required @Ref("policies") String policy,
        @Ref("collectors") @Doc("a single collector (or give collector_set)") String collector,
        @Ref("collector_sets") @Doc("a collector set (or give collector)") String collectorSet,
        @Doc("ingress, egress or both (default)") Direction direction,
        @Ref("netflow_monitors") @Doc("NetFlow only: match and collect fields (default monitor if unset)")
        String monitor) implements Scoped {
    public Association {
        direction = direction == null ? Direction.BOTH : direction;
    }

    @Override
    public void validate(Errors errors) {
        if ((collector == null) == (collectorSet == null)) {
            errors.add(collector == null ? "collector" : "collector_set",
                    "give exactly one of collector and collector_set");
        }
    }
}
