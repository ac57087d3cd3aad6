package org.secmon.ems.server.entity;

import com.fasterxml.jackson.databind.JsonNode;
import org.secmon.ems.api.model.Operation;
import org.secmon.ems.api.model.ResourceKind;
import org.secmon.ems.server.auth.Principal;
import org.secmon.ems.server.http.ApiException;
import org.secmon.ems.server.store.Repository.Doc;
import org.secmon.ems.server.store.Repository;

/**
 * Who sees what: the permission per collection, and the projects that limit users to their scopes (and everything
 * in them) and appliances to their own scope.
 */
public final class Visibility {
    private final Repository repo;

    public Visibility(Repository repo) {
        this.repo = repo;
    }

    /** The principal's permission for {@code op} on the kind's collection, or 403. */
    public static void require(Principal p, ResourceKind kind, Operation op) {
        if (!p.can(kind.collection(), op)) {
            throw ApiException.forbidden("user '" + p.name() + "' may not " + op.json() + " " + kind.collection());
        }
    }

    /** The entity if it exists and the principal may see it; else 404 (never 403: existence is not disclosed). */
    public Doc visible(Principal p, ResourceKind kind, String id) {
        Doc d = repo.get(kind.collection(), id);
        if (d == null || !isVisible(p, kind, d)) {
            throw ApiException.notFound("no " + kind.singular().replace('_', ' ') + " with id '" + id + "'");
        }
        return d;
    }

    /**
     * Projects limit users to the scopes (and everything in them) of their projects, and to the users who share a
     * project with them; an appliance sees its own scope, what is in it, and itself among the appliances.
     */
    public boolean isVisible(Principal p, ResourceKind kind, Doc d) {
        if (p.allProjects()) {
            return true;
        }
        if (p.scope() != null) {
            if (kind == ResourceKind.SCOPES) {
                return d.id().equals(p.scope());
            }
            if (kind == ResourceKind.APPLIANCES) {
                return d.id().equals(p.appliance());
            }
            return kind.scoped() && p.scope().equals(d.json().path("scope").asText());
        }
        if (kind == ResourceKind.USERS) {
            if (d.id().equals(p.userId())) {
                return true;
            }
            for (JsonNode pr : d.json().path("projects")) {
                if (p.projects().contains(pr.asText())) {
                    return true;
                }
            }
            return false;
        }
        if (kind == ResourceKind.PROJECTS) {
            return p.seesProject(d.id());
        }
        if (kind == ResourceKind.SCOPES) {
            return p.seesProject(d.json().path("project").asText(null));
        }
        if (kind.scoped()) {
            Doc scope = repo.get("scopes", d.json().path("scope").asText());
            return scope != null && p.seesProject(scope.json().path("project").asText(null));
        }
        return true;
    }
}
