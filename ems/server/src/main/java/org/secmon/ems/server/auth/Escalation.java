package org.secmon.ems.server.auth;

import java.util.HashSet;
import java.util.Objects;
import java.util.Set;

import com.fasterxml.jackson.databind.JsonNode;
import org.secmon.ems.server.http.ApiException;
import org.secmon.ems.server.store.Repository;
import org.secmon.ems.server.store.Repository.Doc;

/**
 * The rule against privilege escalation, as Kubernetes RBAC has it: whoever creates, changes or deletes a user or a
 * role may give (or take) only permissions he holds himself, and only inside his own projects.
 * <ul>
 * <li>A user is manageable by an editor when every permission of the user is the editor's too, the user's projects
 * are among the editor's (unless the editor's roles span all projects), and the user is not an all-projects user
 * (unless the editor is). This holds for the user as he is and as he will be: resetting the password of someone
 * more powerful is taking his powers.</li>
 * <li>Nobody changes his own roles, projects or enabled flag.</li>
 * <li>A role's permissions must all be the editor's; all-projects roles are made and changed only by all-projects
 * users; a project-limited editor changes or deletes only roles whose holders are all inside his projects.</li>
 * </ul>
 * Refusals are 403 and name what was not his to give.
 */
public final class Escalation {
    private final Repository repo;
    private final Auth auth;

    public Escalation(Repository repo, Auth auth) {
        this.repo = repo;
        this.auth = auth;
    }

    /** A user written ({@code next}; null when deleted) over {@code current} (null when created) by {@code p}. */
    public void checkUser(Principal p, String id, Doc current, JsonNode next) {
        if (p.appliance() != null) {
            throw ApiException.forbidden(p.name() + " may not manage users");
        }
        boolean self = id.equals(p.userId());
        if (self && current != null && (next == null || accessChanged(current.json(), next))) {
            throw ApiException.forbidden("nobody changes his own roles, projects or enabled flag, or deletes himself; "
                    + "ask another administrator");
        }
        if (current != null && !self) {
            within(p, auth.principal(current), "user '" + current.json().path("name").asText() + "'");
        }
        if (next != null) {
            within(p, auth.principal(id, next), "the user");
        }
    }

    /** A role written ({@code next}; null when deleted) over {@code current} (null when created) by {@code p}. */
    public void checkRole(Principal p, Doc current, JsonNode next) {
        if (p.appliance() != null) {
            throw ApiException.forbidden(p.name() + " may not manage roles");
        }
        if (current != null) {
            String name = "role '" + current.json().path("name").asText() + "'";
            rolePermissions(p, current.json(), name);
            if (!p.allProjects()) {
                for (Doc u : repo.list("users")) {
                    boolean holds = false;
                    for (JsonNode r : u.json().path("roles")) {
                        holds |= r.asText().equals(current.id());
                    }
                    if (holds && !p.projects().containsAll(strings(u.json().path("projects")))) {
                        throw ApiException.forbidden(name + " is held by user '" + u.json().path("name").asText()
                                + "' outside your projects; only an all-projects administrator changes it");
                    }
                }
            }
        }
        if (next != null) {
            rolePermissions(p, next, "the role");
        }
    }

    private static void rolePermissions(Principal p, JsonNode role, String what) {
        if (role.path("all_projects").asBoolean(false) && !p.allProjects()) {
            throw ApiException.forbidden(what + " spans all projects: only an all-projects administrator grants or "
                    + "changes that");
        }
        for (JsonNode perm : role.path("permissions")) {
            String res = perm.path("resource").asText();
            for (JsonNode op : perm.path("operations")) {
                if (!holds(p, res, op.asText())) {
                    throw ApiException.forbidden(what + " grants " + res + ":" + op.asText()
                            + ", which you do not hold; you can only grant permissions you have");
                }
            }
        }
    }

    /** Whether {@code p} holds {@code resource:op} (a wildcard resource only through the wildcard). */
    private static boolean holds(Principal p, String resource, String op) {
        if (resource.equals("*")) {
            return p.permissions().contains("*:" + op);
        }
        return p.permissions().contains(resource + ":" + op) || p.permissions().contains("*:" + op);
    }

    private void within(Principal p, Principal target, String what) {
        if (target.allProjects() && !p.allProjects()) {
            throw ApiException.forbidden(what + " has all-projects roles: only an all-projects administrator manages "
                    + "such users");
        }
        for (String perm : target.permissions()) {
            int c = perm.lastIndexOf(':');
            if (!holds(p, perm.substring(0, c), perm.substring(c + 1))) {
                throw ApiException.forbidden(what + " would hold " + perm + ", which you do not; you can only "
                        + "grant permissions you have");
            }
        }
        if (!p.allProjects() && !p.projects().containsAll(target.projects())) {
            throw ApiException.forbidden(what + " belongs to projects outside yours; you can only assign your own "
                    + "projects");
        }
    }

    private static Set<String> strings(JsonNode arr) {
        Set<String> s = new HashSet<>();
        arr.forEach(n -> s.add(n.asText()));
        return s;
    }

    /** Whether a user change ends the user's sessions: password, roles, projects or enabled. */
    public static boolean revokesSessions(JsonNode before, JsonNode after) {
        return !Objects.equals(before.path("_password_hash").asText(null), after.path("_password_hash").asText(null))
                || accessChanged(before, after);
    }

    /** Whether roles, projects or the enabled flag differ (what nobody changes for himself). */
    private static boolean accessChanged(JsonNode before, JsonNode after) {
        return !strings(before.path("roles")).equals(strings(after.path("roles")))
                || !strings(before.path("projects")).equals(strings(after.path("projects")))
                || before.path("enabled").asBoolean(true) != after.path("enabled").asBoolean(true);
    }

    /** Ends every session of a user (in the commit of the change that calls for it). */
    public void revokeSessions(Repository.Changes changes, String userId) {
        auth.revokeMachineTokens(changes, "user", userId);
    }
}
