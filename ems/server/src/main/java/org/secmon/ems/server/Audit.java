package org.secmon.ems.server;

import java.time.Instant;
import java.util.UUID;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.secmon.ems.api.model.ResourceKind;
import org.secmon.ems.server.store.Repository;

/** Audit records: staged into the same commit as the change they describe. */
public final class Audit {
    public static final String TABLE = "audit";

    private Audit() {
    }

    /**
     * @param kind, id, name what was changed (null for logins and the like)
     * @param remote the client's address, or null
     */
    public static void record(Repository.Changes changes, String user, String operation, ResourceKind kind, String id,
            String name, String remote) {
        ObjectNode a = JsonNodeFactory.instance.objectNode();
        a.put("time", Instant.now().toString());
        a.put("user", user);
        a.put("operation", operation);
        if (kind != null) {
            a.put("collection", kind.collection());
        }
        if (id != null) {
            a.put("resource_id", id);
        }
        if (name != null) {
            a.put("name", name);
        }
        if (remote != null) {
            a.put("remote", remote);
        }
        changes.put(TABLE, id(), a);
    }

    private static long lastMillis;
    private static int sequence;

    /**
     * Time-ordered, unique audit ids: milliseconds, then a sequence within the millisecond (several writes commit in
     * one millisecond since group commit), then a random part that keeps ids of different EMS instances apart.
     */
    private static synchronized String id() {
        long now = System.currentTimeMillis();
        if (now <= lastMillis) {
            now = lastMillis; // never backwards, even if the clock is
            sequence++;
        } else {
            lastMillis = now;
            sequence = 0;
        }
        return String.format("%013d-%06d-%s", now, sequence, UUID.randomUUID().toString().substring(0, 8));
    }
}
