package org.secmon.ems.server.entity;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.secmon.ems.api.model.Operation;
import org.secmon.ems.api.model.ResourceKind;
import org.secmon.ems.api.schema.Schema;
import org.secmon.ems.server.Audit;
import org.secmon.ems.server.auth.Principal;
import org.secmon.ems.server.http.ApiException;
import org.secmon.ems.server.net.CallbackPolicy;
import org.secmon.ems.server.store.Repository.Doc;
import org.secmon.ems.server.store.Repository;
import org.secmon.ems.server.store.StoreException;

/**
 * The entity service behind every collection of the data model, independent of HTTP: it checks permission and
 * visibility ({@link Visibility}), validates ({@link EntityValidator}), applies merge patches ({@link MergePatch}),
 * and keeps referential integrity, optimistic concurrency, the per-scope configuration version and the audit
 * trail. Each change is one
 * atomic store commit together with its audit record and scope version.
 */
public final class Entities {
    /** Table whose documents' versions are the per-scope configuration versions. */
    public static final String SCOPE_VERSIONS = "scope_versions";
    /** Server-private fields (never rendered) start with this. */
    public static final String PRIVATE = "_";
    /** When the entity was created and last changed (kept server-side, shown as created_at / updated_at). */
    static final String CREATED_AT = PRIVATE + "created_at";
    static final String UPDATED_AT = PRIVATE + "updated_at";

    /** A committed entity as rendered to clients. */
    public record Written(ObjectNode json, long version, String id) {
    }

    /** One page of a list. */
    public record Page(List<ObjectNode> items, int total) {
    }

    /** Notified after every committed change (the notifier). */
    @FunctionalInterface
    public interface ChangeListener {
        void changed(ResourceKind kind, String id, String scopeId, String operation, long revision);
    }

    private final Repository repo;
    private final Visibility visibility;
    private final EntityValidator validator;
    private volatile ChangeListener listener = (k, i, s, o, r) -> { };
    private volatile org.secmon.ems.server.auth.Escalation escalation;
    private volatile CallbackPolicy callbacks;

    public Entities(Repository repo) {
        this.repo = repo;
        this.visibility = new Visibility(repo);
        this.validator = new EntityValidator(repo, visibility);
    }

    public Repository repository() {
        return repo;
    }

    public void listener(ChangeListener l) {
        this.listener = l;
    }

    /** The escalation rule for users and roles (set once the EMS's Auth exists). */
    public void escalation(org.secmon.ems.server.auth.Escalation e) {
        this.escalation = e;
    }

    /** Where notification and health URLs may point (the EMS's one policy, set by {@code Ems}). */
    public void callbacks(CallbackPolicy c) {
        this.callbacks = c;
    }

    public CallbackPolicy callbacks() {
        return callbacks;
    }

    // ---- reads -------------------------------------------------------------------------------------------------

    public ObjectNode get(Principal p, ResourceKind kind, String id) throws StoreException {
        Visibility.require(p, kind, Operation.VIEW);
        Doc d = visibility.visible(p, kind, id);
        return render(kind, d);
    }

    /**
     * @param filters field = value (string form of a top-level scalar); {@code scope} also matches the scope's name
     */
    public Page list(Principal p, ResourceKind kind, Map<String, String> filters, int offset, int limit)
            throws StoreException {
        Visibility.require(p, kind, Operation.VIEW);
        Schema schema = Schema.of(kind);
        for (String f : filters.keySet()) {
            if (!schema.fields().contains(f) || schema.writeOnly().contains(f)) {
                throw ApiException.badRequest("cannot filter " + kind.collection() + " by '" + f + "'; fields: "
                        + String.join(", ", schema.fields()));
            }
        }
        Map<String, String> resolved = new HashMap<>(filters);
        if (kind.scoped() && filters.containsKey("scope")) {
            Doc scope = validator.resolve(p, "scopes", filters.get("scope"), null);
            resolved.put("scope", scope == null ? "\u0000none" : scope.id());
        }
        List<Doc> docs = new ArrayList<>();
        for (Doc d : repo.list(kind.collection())) {
            if (visibility.isVisible(p, kind, d) && matches(d, resolved)) {
                docs.add(d);
            }
        }
        docs.sort(Comparator.comparing((Doc d) -> d.json().path("name").asText()).thenComparing(Doc::id));
        List<ObjectNode> items = new ArrayList<>();
        for (int i = offset; i < docs.size() && items.size() < limit; i++) {
            items.add(render(kind, docs.get(i)));
        }
        return new Page(items, docs.size());
    }

    private static boolean matches(Doc d, Map<String, String> filters) {
        for (Map.Entry<String, String> f : filters.entrySet()) {
            JsonNode v = d.json().get(f.getKey());
            if (v == null || v.isContainerNode() || !v.asText().equals(f.getValue())) {
                return false;
            }
        }
        return true;
    }

    // ---- writes ------------------------------------------------------------------------------------------------

    public Written create(Principal p, ResourceKind kind, JsonNode body, String remote) throws StoreException {
        Visibility.require(p, kind, Operation.ADD);
        ObjectNode in = object(body);
        Repository.Result<String> r = repo.write(changes -> {
            String id = UUID.randomUUID().toString();
            ObjectNode stored = validator.prepare(p, kind, in, null, id);
            String now = java.time.Instant.now().toString();
            stored.put(CREATED_AT, now).put(UPDATED_AT, now);
            guard(p, kind, id, null, stored);
            changes.put(kind.collection(), id, stored);
            touchScope(changes, kind, stored, id);
            Audit.record(changes, p.name(), "add", kind, id, stored.path("name").asText(null), remote);
            return id;
        });
        return written(kind, r);
    }

    public Written replace(Principal p, ResourceKind kind, String id, JsonNode body, Long ifMatch, boolean merge,
            String remote) throws StoreException {
        Visibility.require(p, kind, Operation.CHANGE);
        ObjectNode in = object(body);
        Repository.Result<String> r = repo.write(changes -> {
            Doc current = visibility.visible(p, kind, id);
            checkVersion(current, ifMatch, in);
            ObjectNode input = in;
            if (merge) {
                input = current.json().deepCopy();
                MergePatch.apply(input, in);
            }
            ObjectNode stored = validator.prepare(p, kind, input, current, id);
            if (kind.scoped() && !stored.path("scope").asText().equals(current.json().path("scope").asText())) {
                throw ApiException.invalid("scope", "cannot move a " + kind.singular() + " to another scope; "
                        + "create a new one");
            }
            if (stored.equals(current.json())) {
                return id; // nothing changed: no commit, no version bump
            }
            stored.put(UPDATED_AT, java.time.Instant.now().toString());
            guard(p, kind, id, current, stored);
            if (kind == ResourceKind.USERS
                    && org.secmon.ems.server.auth.Escalation.revokesSessions(current.json(), stored)) {
                escalation.revokeSessions(changes, id); // a new password, roles or projects: sessions end
            }
            changes.put(kind.collection(), id, stored);
            touchScope(changes, kind, stored, id);
            Audit.record(changes, p.name(), "change", kind, id, stored.path("name").asText(null), remote);
            return id;
        });
        return written(kind, r);
    }

    public void delete(Principal p, ResourceKind kind, String id, Long ifMatch, String remote) throws StoreException {
        Visibility.require(p, kind, Operation.DELETE);
        Repository.Result<String> r = repo.write(changes -> {
            Doc current = visibility.visible(p, kind, id);
            checkVersion(current, ifMatch, null);
            guard(p, kind, id, current, null);
            ArrayNode dependents = dependents(kind, id);
            if (!dependents.isEmpty()) {
                throw ApiException.inUse(kind.singular() + " '" + current.json().path("name").asText(id)
                        + "' is still referenced by " + dependents.size() + " entit"
                        + (dependents.size() == 1 ? "y" : "ies") + "; delete or change them first", dependents);
            }
            changes.delete(kind.collection(), id);
            if (kind == ResourceKind.USERS) {
                escalation.revokeSessions(changes, id);
            }
            if (kind == ResourceKind.APPLIANCES || kind == ResourceKind.IPSEC_ENFORCERS) {
                // a removed node's certificates must not authenticate it anywhere any more
                org.secmon.ems.server.pki.EmsCa.revoke(repo, changes, id, false, "deleted by " + p.name());
            }
            if (kind == ResourceKind.SCOPES) {
                changes.delete(SCOPE_VERSIONS, id);
            } else {
                touchScope(changes, kind, current.json(), id);
            }
            Audit.record(changes, p.name(), "delete", kind, id, current.json().path("name").asText(null), remote);
            return kind == ResourceKind.SCOPES ? id : current.json().path("scope").asText(null);
        });
        listener.changed(kind, id, r.value(), "delete", r.revision());
    }

    /**
     * The checks that depend on who writes, beyond his permission on the collection: the escalation rule for users
     * and roles, and where callback URLs may point.
     */
    private void guard(Principal p, ResourceKind kind, String id, Doc current, ObjectNode next) {
        if (kind == ResourceKind.USERS) {
            escalation.checkUser(p, id, current, next);
        } else if (kind == ResourceKind.ROLES) {
            escalation.checkRole(p, current, next);
        } else if (next != null && (kind == ResourceKind.APPLIANCES || kind == ResourceKind.IPSEC_ENFORCERS)) {
            String field = kind == ResourceKind.APPLIANCES ? "notification_url" : "health_url";
            String url = next.path(field).asText(null);
            boolean unchanged = current != null && url != null && url.equals(current.json().path(field).asText(null))
                    && next.path("addresses").equals(current.json().path("addresses"));
            if (url != null && !unchanged) {
                String why = callbacks.check(url, next.path("addresses"));
                if (why != null) {
                    throw ApiException.invalid(field, why);
                }
            }
        }
    }

    private Written written(ResourceKind kind, Repository.Result<String> r) {
        Doc d = repo.get(kind.collection(), r.value());
        ObjectNode out = render(kind, d);
        listener.changed(kind, d.id(), kind.scoped() ? d.json().path("scope").asText() : null, "change",
                r.revision());
        return new Written(out, d.version(), d.id());
    }





    /** An entry of {@code target} by id, or by name (within {@code scopeId} for scoped kinds); null if none. */
    public static Doc find(Repository repo, String target, String value, String scopeId) {
        Doc d = repo.get(target, value);
        if (d != null) {
            return d;
        }
        ResourceKind k = ResourceKind.of(target);
        for (Doc c : repo.list(target)) {
            if (value.equals(c.json().path("name").asText(null))
                    && (k == null || !k.scoped() || c.json().path("scope").asText().equals(scopeId))) {
                return c;
            }
        }
        return null;
    }







    /** Every entity that references {@code id} of {@code kind}. */
    public ArrayNode dependents(ResourceKind kind, String id) {
        ArrayNode out = JsonNodeFactory.instance.arrayNode();
        for (ResourceKind k : ResourceKind.ALL) {
            for (Schema.RefPath ref : Schema.of(k).refs()) {
                if (!ref.target().equals(kind.collection())) {
                    continue;
                }
                for (Doc d : repo.list(k.collection())) {
                    if (references(d.json(), ref.path(), 0, id)) {
                        ObjectNode dep = out.addObject();
                        dep.put("collection", k.collection()).put("id", d.id())
                                .put("name", d.json().path("name").asText()).put("field", ref.display());
                    }
                }
            }
        }
        return out;
    }

    private static boolean references(JsonNode n, List<String> path, int i, String id) {
        if (n == null) {
            return false;
        }
        String seg = path.get(i);
        boolean last = i == path.size() - 1;
        if (seg.equals("[]")) {
            for (JsonNode item : n) {
                if (last ? id.equals(item.asText()) : references(item, path, i + 1, id)) {
                    return true;
                }
            }
            return false;
        }
        JsonNode v = n.get(seg);
        return last ? v != null && id.equals(v.asText()) : references(v, path, i + 1, id);
    }

    private static void checkVersion(Doc current, Long ifMatch, ObjectNode body) {
        if (ifMatch != null && ifMatch != current.version()) {
            throw ApiException.preconditionFailed("the " + current.table() + " entry changed: If-Match " + ifMatch
                    + " but the current version is " + current.version() + "; read it again and retry");
        }
        if (body != null && body.hasNonNull("version")) {
            long v = body.path("version").asLong(-1);
            if (v != current.version()) {
                throw ApiException.conflict("stale", "version " + body.get("version").asText()
                        + " is stale: the current version is " + current.version() + "; read it again and retry",
                        "version");
            }
        }
    }

    private void touchScope(Repository.Changes changes, ResourceKind kind, ObjectNode doc, String id) {
        String scope = kind == ResourceKind.SCOPES ? id : kind.scoped() ? doc.path("scope").asText(null) : null;
        if (scope != null) {
            ObjectNode v = JsonNodeFactory.instance.objectNode();
            v.put("last_change", kind.collection() + "/" + id);
            changes.put(SCOPE_VERSIONS, scope, v);
        }
    }

    // ---- visibility and rendering ------------------------------------------------------------------------------




    /** Whether the principal may see the entity (see {@link Visibility}). */
    public boolean isVisible(Principal p, ResourceKind kind, Doc d) {
        return visibility.isVisible(p, kind, d);
    }

    private static ObjectNode object(JsonNode body) {
        if (!(body instanceof ObjectNode o)) {
            throw ApiException.badRequest("the body must be a JSON object");
        }
        return o;
    }

    /** The document as clients see it: id, version, no private or write-only fields, computed versions. */
    public ObjectNode render(ResourceKind kind, Doc d) {
        ObjectNode out = JsonNodeFactory.instance.objectNode();
        out.put("id", d.id());
        out.put("version", d.version());
        Schema schema = Schema.of(kind);
        for (Iterator<Map.Entry<String, JsonNode>> it = d.json().fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> f = it.next();
            if (!f.getKey().startsWith(PRIVATE) && !schema.writeOnly().contains(f.getKey())) {
                out.set(f.getKey(), f.getValue());
            }
        }
        JsonNode created = d.json().get(CREATED_AT);
        if (created != null) {
            out.set("created_at", created);
        }
        JsonNode updated = d.json().get(UPDATED_AT);
        if (updated != null) {
            out.set("updated_at", updated);
        }
        if (kind == ResourceKind.SCOPES) {
            out.put("config_version", configVersion(d.id()));
        } else if (kind == ResourceKind.APPLIANCES) {
            out.put("desired_version", configVersion(d.json().path("scope").asText()));
        }
        return out;
    }

    /** The revision of the scope's latest change. */
    public long configVersion(String scopeId) {
        Doc v = repo.get(SCOPE_VERSIONS, scopeId);
        if (v != null) {
            return v.version();
        }
        Doc s = repo.get("scopes", scopeId);
        return s == null ? 0 : s.version();
    }


}
