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

@Doc("An operator: roles give permissions, projects limit them to the scopes of those projects.")
public record User(
        @ReadOnly String id,
        @ReadOnly Long version,
        @Required @Format(Kind.NAME) String name,
        @WriteOnly @Length(min = 8, max = 256) @Doc("write-only; required when creating a user") String password,
        @Ref("roles") List<String> roles,
        @Ref("projects") List<String> projects,
        @Doc("SSH public keys for the appliance CLI") List<String> sshKeys,
        @Doc("default true") Boolean enabled) implements Entity {
    public User {
        roles = roles == null ? List.of() : List.copyOf(roles);
        projects = projects == null ? List.of() : List.copyOf(projects);
        sshKeys = sshKeys == null ? List.of() : List.copyOf(sshKeys);
        enabled = enabled == null ? Boolean.TRUE : enabled;
    }

    /** The same user without its password, for reads. */
    public User withoutPassword() {
        return new User(id, version, name, null, roles, projects, sshKeys, enabled);
    }
}
