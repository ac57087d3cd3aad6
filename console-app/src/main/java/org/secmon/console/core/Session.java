package org.secmon.console.core;

import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import org.secmon.ems.api.client.EmsClient;
import org.secmon.ems.api.model.ResourceKind;
import org.secmon.ems.api.schema.Schema;

/**
 * A logged-in operator: the EMS client with its token, and what the operator's roles allow, so that screens can hide
 * what would only be refused (the EMS checks every call regardless).
 */
public final class Session implements AutoCloseable {
    private final EmsClient client;
    private final String user;
    private final Set<String> permissions = new HashSet<>();

    public Session(EmsClient client, JsonNode whoami) {
        this.client = client;
        this.user = whoami.path("user").path("name").asText(whoami.path("name").asText("?"));
        for (JsonNode p : whoami.path("permissions")) {
            permissions.add(p.asText());
        }
    }

    public EmsClient client() {
        return client;
    }

    public String user() {
        return user;
    }

    /** Whether the roles grant {@code operation} (view, add, change, delete) on a collection. */
    public boolean can(String collection, String operation) {
        return permissions.contains("*:" + operation) || permissions.contains(collection + ":" + operation);
    }

    public boolean canView(ResourceKind kind) {
        return can(kind.collection(), "view");
    }

    /** Add or change: whether an editor for the kind is more than a read-only view. */
    public boolean canEdit(ResourceKind kind) {
        return can(kind.collection(), "change") || can(kind.collection(), "add");
    }

    /**
     * The entities a kind's references can point to, by collection (e.g. a rule's classification objects), those of
     * scoped collections from {@code scopeId} when the kind itself is scoped; collections the roles do not let the
     * user view are left out. A scoped kind's own {@code scope} reference is not listed.
     */
    public Map<String, List<ObjectNode>> referenced(ResourceKind kind, String scopeId) {
        Map<String, List<ObjectNode>> out = new LinkedHashMap<>();
        for (Schema.RefPath r : Schema.of(kind).refs()) {
            ResourceKind target = ResourceKind.of(r.target());
            if (target == null || out.containsKey(r.target()) || !canView(target)
                    || (kind.scoped() && r.path().equals(List.of("scope")))) {
                continue;
            }
            out.put(r.target(), target.scoped() && kind.scoped() && scopeId != null ? client.list(target, scopeId)
                    : client.list(target, Map.of()));
        }
        return out;
    }

    public String emsUrl() {
        return client.base().toString();
    }

    @Override
    public void close() {
        try {
            client.logout();
        } catch (RuntimeException e) {
            // the token expires on its own
        }
        client.close();
    }
}
