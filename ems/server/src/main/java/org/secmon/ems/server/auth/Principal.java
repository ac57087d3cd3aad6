package org.secmon.ems.server.auth;

import java.util.Set;

import org.secmon.ems.api.model.Operation;

/**
 * Who makes a request: a user (with the permissions of their roles and the projects they belong to) or an
 * appliance (credentials issued at registration; may only report about itself and read its scope).
 *
 * @param permissions "collection:operation" strings, "*:operation" for every collection
 * @param allProjects a role grants every project (administrators)
 * @param projects    project ids the user belongs to
 * @param appliance   the appliance's id when the caller is an appliance, the enforcer's when it is a registered IPsec
 *                    enforcer (ids are unique across collections), else null
 * @param scope       an appliance's scope: the only scope (and scope content) it sees; null for anyone else
 */
public record Principal(String userId, String name, Set<String> permissions, boolean allProjects,
        Set<String> projects, String appliance, String scope) {

    public boolean can(String collection, Operation op) {
        String o = op.json();
        return permissions.contains(collection + ":" + o) || permissions.contains("*:" + o);
    }

    /** Whether the caller is a registered IPsec enforcer (not an appliance, not a user). */
    public boolean isEnforcer() {
        return appliance != null && name.startsWith("enforcer:");
    }

    public boolean seesProject(String projectId) {
        return allProjects || (projectId != null && projects.contains(projectId));
    }
}
