package org.secmon.ems.api.model;

import java.util.List;

import org.secmon.ems.api.schema.Doc;
import org.secmon.ems.api.schema.Format;
import org.secmon.ems.api.schema.Formats.Kind;
import org.secmon.ems.api.schema.Length;
import org.secmon.ems.api.schema.Range;
import org.secmon.ems.api.schema.ReadOnly;
import org.secmon.ems.api.schema.Ref;
import org.secmon.ems.api.schema.Required;
import org.secmon.ems.api.schema.WriteOnly;

@Doc("An ordered list of rules; a packet takes the first matching rule in priority order (then list order).")
public record Policy(
        @ReadOnly String id,
        @ReadOnly Long version,
        @Required @Ref("scopes") String scope,
        @Required @Format(Kind.NAME) String name,
        @Ref("rules") @Length(max = 4096) List<String> rules,
        @Doc("action for packets no rule matches (default drop)") Action defaultAction) implements Scoped {
    public Policy {
        rules = rules == null ? List.of() : List.copyOf(rules);
        defaultAction = defaultAction == null ? Action.DROP : defaultAction;
    }
}
