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

@Doc("A classification object with a priority (1 is the highest), an action and a truncation size.")
public record Rule(
        @ReadOnly String id,
        @ReadOnly Long version,
        @Required @Ref("scopes") String scope,
        @Required @Format(Kind.NAME) String name,
        @Required @Ref("classification_objects") String classificationObject,
        @Required @Range(min = 1, max = 65535) Integer priority,
        @Doc("forward (default) or drop") Action action,
        @Range(min = 0, max = 1600) @Doc("bytes kept of each packet, 0 = whole packet (default)") Integer truncateToSize)
        implements Scoped {
    public Rule {
        action = action == null ? Action.FORWARD : action;
        truncateToSize = truncateToSize == null ? 0 : truncateToSize;
    }
}
