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

@Doc("A role rule: a resource (a collection name such as rules, or * for all) and the operations allowed on it.")
public record Permission(
        @Required @Doc("collection name, e.g. collector_sets, or *") String resource,
        @Required @Length(min = 1, max = 4) List<Operation> operations) {
}
