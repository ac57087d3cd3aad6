package org.secmon.console.core;

import java.util.HashSet;
import java.util.Set;

import com.fasterxml.jackson.databind.JsonNode;

import org.secmon.ems.api.client.EmsClient;
import org.secmon.ems.api.model.ResourceKind;

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
