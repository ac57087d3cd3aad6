package org.secmon.ems.api.model;

import java.util.HashSet;
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

@Doc("Collectors of one type that share the sessions of an association by a load-balancing algorithm.")
public record CollectorSet(
        @ReadOnly String id,
        @ReadOnly Long version,
        @Required @Ref("scopes") String scope,
        @Required @Format(Kind.NAME) String name,
        @Required CollectorType type,
        @Doc("session (least active sessions, default), round_robin or weighted_round_robin") LbAlgorithm lbAlgorithm,
        @Required @Length(min = 1, max = 64) List<CollectorSetMember> members) implements Scoped {
    public CollectorSet {
        lbAlgorithm = lbAlgorithm == null ? LbAlgorithm.SESSION : lbAlgorithm;
        members = members == null ? null : List.copyOf(members);
    }

    @Override
    public void validate(Errors errors) {
        if (members == null) {
            return;
        }
        Set<String> seen = new HashSet<>();
        int total = 0;
        for (int i = 0; i < members.size(); i++) {
            CollectorSetMember m = members.get(i);
            if (m == null) {
                errors.add("members[" + i + "]", "must be an object with collector and weight");
                continue;
            }
            if (m.collector() != null && !seen.add(m.collector())) {
                errors.add("members[" + i + "].collector", "collector listed twice: " + m.collector());
            }
            total += m.weight() == null ? 0 : m.weight();
        }
        if (total == 0 && !members.isEmpty()) {
            errors.add("members", "at least one member needs a weight above 0 (weight 0 is standby)");
        }
    }
}
