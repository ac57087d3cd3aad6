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

@Doc("A named set of permissions (resource x view/add/change/delete), as in the original EMS.")
public record Role(
        @ReadOnly String id,
        @ReadOnly Long version,
        @Required @Format(Kind.NAME) String name,
        @Length(max = 255) String description,
        @Required @Length(max = 256) List<Permission> permissions,
        @Doc("the role is not limited to the user's projects (administrators); default false") Boolean allProjects)
        implements Entity {
    public Role {
        permissions = permissions == null ? null : List.copyOf(permissions);
        allProjects = allProjects == null ? Boolean.FALSE : allProjects;
    }
}
