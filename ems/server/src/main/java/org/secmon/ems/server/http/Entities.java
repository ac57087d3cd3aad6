package org.secmon.ems.server.http;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.exc.InvalidFormatException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.exc.ValueInstantiationException;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import org.secmon.ems.api.Json;
import org.secmon.ems.api.model.Association;
import org.secmon.ems.api.model.CollectorSet;
import org.secmon.ems.api.model.CollectorType;
import org.secmon.ems.api.model.Entity;
import org.secmon.ems.api.model.Operation;
import org.secmon.ems.api.model.ResourceKind;
import org.secmon.ems.api.model.User;
import org.secmon.ems.api.schema.Errors;
import org.secmon.ems.api.schema.FieldError;
import org.secmon.ems.api.schema.Schema;
import org.secmon.ems.api.schema.Validator;
import org.secmon.ems.server.Audit;
import org.secmon.ems.server.auth.Passwords;
import org.secmon.ems.server.net.CallbackPolicy;
import org.secmon.ems.server.auth.Principal;
import org.secmon.ems.server.store.Repository;
import org.secmon.ems.server.store.Repository.Doc;
import org.secmon.ems.server.store.StoreException;

/**
 * The generic entity logic behind every collection of the data model, independent of HTTP: permission and
 * project checks, reference resolution (ids, or names within the scope), validation, uniqueness, referential
 * integrity, optimistic concurrency, the per-scope configuration version and the audit trail. Each change is one
 * atomic store commit together with its audit record and scope version.
 */
public final class Entities {
    /** Table whose documents' versions are the per-scope configuration versions. */
    public static final String SCOPE_VERSIONS = "scope_versions";
    /** Server-private fields (never rendered) start with this. */
    public static final String PRIVATE = "_";

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
    private volatile ChangeListener listener = (k, i, s, o, r) -> { };
    private volatile org.secmon.ems.server.auth.Escalation escalation;
    private volatile CallbackPolicy callbacks;

    public Entities(Repository repo) {
        this.repo = repo;
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
        require(p, kind, Operation.VIEW);
        Doc d = visible(p, kind, id);
        return render(kind, d);
    }

    /**
     * @param filters field = value (string form of a top-level scalar); {@code scope} also matches the scope's name
     */
    public Page list(Principal p, ResourceKind kind, Map<String, String> filters, int offset, int limit)
            throws StoreException {
        require(p, kind, Operation.VIEW);
        Schema schema = Schema.of(kind);
        for (String f : filters.keySet()) {
            if (!schema.fields().contains(f) || schema.writeOnly().contains(f)) {
                throw ApiException.badRequest("cannot filter " + kind.collection() + " by '" + f + "'; fields: "
                        + String.join(", ", schema.fields()));
            }
        }
        Map<String, String> resolved = new HashMap<>(filters);
        if (kind.scoped() && filters.containsKey("scope")) {
            Doc scope = resolve(p, "scopes", filters.get("scope"), null);
            resolved.put("scope", scope == null ? "\u0000none" : scope.id());
        }
        List<Doc> docs = new ArrayList<>();
        for (Doc d : repo.list(kind.collection())) {
            if (isVisible(p, kind, d) && matches(d, resolved)) {
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
        require(p, kind, Operation.ADD);
        ObjectNode in = object(body);
        Repository.Result<String> r = repo.write(changes -> {
            String id = UUID.randomUUID().toString();
            ObjectNode stored = prepare(p, kind, in, null, id);
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
        require(p, kind, Operation.CHANGE);
        ObjectNode in = object(body);
        Repository.Result<String> r = repo.write(changes -> {
            Doc current = visible(p, kind, id);
            checkVersion(current, ifMatch, in);
            ObjectNode input = in;
            if (merge) {
                input = current.json().deepCopy();
                mergePatch(input, in);
            }
            ObjectNode stored = prepare(p, kind, input, current, id);
            if (kind.scoped() && !stored.path("scope").asText().equals(current.json().path("scope").asText())) {
                throw ApiException.invalid("scope", "cannot move a " + kind.singular() + " to another scope; "
                        + "create a new one");
            }
            if (stored.equals(current.json())) {
                return id; // nothing changed: no commit, no version bump
            }
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
        require(p, kind, Operation.DELETE);
        Repository.Result<String> r = repo.write(changes -> {
            Doc current = visible(p, kind, id);
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

    /** Validates and normalizes an input document into what is stored (private fields kept from current). */
    private ObjectNode prepare(Principal p, ResourceKind kind, ObjectNode input, Doc current, String id) {
        Schema schema = Schema.of(kind);
        ObjectNode in = input.deepCopy();
        for (String ro : schema.readOnly()) {
            in.remove(ro);
        }
        for (Iterator<String> it = in.fieldNames(); it.hasNext(); ) {
            if (it.next().startsWith(PRIVATE)) {
                it.remove();
            }
        }
        List<FieldError> errors = new ArrayList<>();
        String scopeId = null;
        if (kind.scoped()) {
            JsonNode s = in.get("scope");
            if (s != null && s.isTextual()) {
                Doc scope = resolve(p, "scopes", s.asText(), null);
                if (scope == null) {
                    errors.add(new FieldError("scope", "no scope '" + s.asText() + "'"));
                } else {
                    scopeId = scope.id();
                    in.put("scope", scopeId);
                }
            }
        }
        if (errors.isEmpty()) {
            for (Schema.RefPath ref : schema.refs()) {
                if (ref.target().equals("scopes") && kind.scoped()) {
                    continue;
                }
                resolveRefs(p, in, ref.path(), 0, ref, scopeId, "", errors);
            }
        }
        if (!errors.isEmpty()) {
            throw ApiException.invalid(errors);
        }
        Entity entity = toRecord(kind, in);
        Errors e = Validator.validate(entity);
        if (kind == ResourceKind.USERS && current == null && ((User) entity).password() == null) {
            e.add("password", "is required when creating a user");
        }
        if (entity instanceof org.secmon.ems.api.model.IpsecTunnel t && t.auth().equals("psk") && t.psk() == null
                && (current == null || !current.json().has(PRIVATE + "psk"))) {
            e.add("psk", "is required with auth psk (write-only: it is never shown again)");
        }
        if (e.isEmpty()) {
            semanticChecks(kind, entity, e);
        }
        if (!e.isEmpty()) {
            throw ApiException.invalid(e.list());
        }
        ObjectNode stored = Json.mapper().valueToTree(entity);
        for (String ro : schema.readOnly()) {
            stored.remove(ro);
        }
        for (String wo : schema.writeOnly()) {
            stored.remove(wo);
        }
        if (current != null) {
            // keep server-private and read-only state (password hash, appliance status...)
            for (Iterator<Map.Entry<String, JsonNode>> it = current.json().fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> f = it.next();
                if (f.getKey().startsWith(PRIVATE) || schema.readOnly().contains(f.getKey())) {
                    stored.set(f.getKey(), f.getValue());
                }
            }
        }
        if (entity instanceof User u && u.password() != null) {
            stored.put(PRIVATE + "password_hash", Passwords.hash(u.password()));
        }
        if (entity instanceof org.secmon.ems.api.model.IpsecTunnel t && t.psk() != null) {
            stored.put(PRIVATE + "psk", t.psk()); // server-private: only GET /appliances/{id}/ipsec delivers it
        }
        unique(kind, stored, id);
        return stored;
    }

    private void resolveRefs(Principal p, JsonNode node, List<String> path, int i, Schema.RefPath ref, String scopeId,
            String at, List<FieldError> errors) {
        if (node == null || node.isNull()) {
            return;
        }
        String seg = path.get(i);
        boolean last = i == path.size() - 1;
        if (seg.equals("[]")) {
            if (!node.isArray()) {
                return; // type errors are reported by the record mapping
            }
            ArrayNode arr = (ArrayNode) node;
            for (int k = 0; k < arr.size(); k++) {
                if (last) {
                    JsonNode v = arr.get(k);
                    if (v.isTextual()) {
                        Doc d = resolve(p, ref.target(), v.asText(), scopeId);
                        if (d == null) {
                            errors.add(new FieldError(at + "[" + k + "]", missing(ref.target(), v.asText(), scopeId)));
                        } else {
                            arr.set(k, TextNode.valueOf(d.id()));
                        }
                    }
                } else {
                    resolveRefs(p, arr.get(k), path, i + 1, ref, scopeId, at + "[" + k + "]", errors);
                }
            }
            return;
        }
        if (!(node instanceof ObjectNode o)) {
            return;
        }
        String field = at.isEmpty() ? seg : at + "." + seg;
        if (last) {
            JsonNode v = o.get(seg);
            if (v != null && v.isTextual() && !v.asText().isEmpty()) {
                Doc d = resolve(p, ref.target(), v.asText(), scopeId);
                if (d == null) {
                    errors.add(new FieldError(field, missing(ref.target(), v.asText(), scopeId)));
                } else {
                    o.put(seg, d.id());
                }
            }
        } else {
            resolveRefs(p, o.get(seg), path, i + 1, ref, scopeId, field, errors);
        }
    }

    private String missing(String target, String value, String scopeId) {
        ResourceKind k = ResourceKind.of(target);
        String where = k != null && k.scoped() && scopeId != null
                ? " in scope '" + repo.get("scopes", scopeId).json().path("name").asText() + "'" : "";
        return "no " + (k == null ? target : k.singular().replace('_', ' ')) + " '" + value + "'" + where;
    }

    /** By id, or by name (within the scope for scoped kinds); only what the principal may see. */
    private Doc resolve(Principal p, String target, String value, String scopeId) {
        ResourceKind k = ResourceKind.of(target);
        Doc d = find(repo, target, value, scopeId);
        if (d == null) {
            return null;
        }
        if (k != null && k.scoped() && scopeId != null && !d.json().path("scope").asText().equals(scopeId)) {
            return null;
        }
        if (k != null && (k.scoped() || k == ResourceKind.SCOPES || k == ResourceKind.PROJECTS) && !isVisible(p, k, d)) {
            return null;
        }
        return d;
    }

    /** An entry of {@code target} by id, or by name (within {@code scopeId} for scoped kinds); null if none. */
    static Doc find(Repository repo, String target, String value, String scopeId) {
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

    private static Entity toRecord(ResourceKind kind, ObjectNode in) {
        try {
            return Json.mapper().treeToValue(in, kind.type());
        } catch (JsonMappingException e) {
            throw ApiException.invalid(path(e), mappingMessage(e));
        } catch (Exception e) {
            throw ApiException.badRequest("cannot read the " + kind.singular() + ": " + e.getMessage());
        }
    }

    static String path(JsonMappingException e) {
        StringBuilder b = new StringBuilder();
        for (JsonMappingException.Reference r : e.getPath()) {
            if (r.getIndex() >= 0) {
                b.append('[').append(r.getIndex()).append(']');
            } else if (r.getFieldName() != null) {
                if (!b.isEmpty()) {
                    b.append('.');
                }
                b.append(r.getFieldName());
            }
        }
        return b.isEmpty() ? "(body)" : b.toString();
    }

    static String mappingMessage(JsonMappingException e) {
        if (e instanceof UnrecognizedPropertyException u) {
            List<String> known = new ArrayList<>();
            if (u.getKnownPropertyIds() != null) {
                for (Object o : u.getKnownPropertyIds()) {
                    known.add(String.valueOf(o));
                }
            }
            known.sort(null);
            return "is not a field here; fields: " + String.join(", ", known);
        }
        if (e instanceof ValueInstantiationException v && v.getCause() instanceof IllegalArgumentException iae) {
            return iae.getMessage();
        }
        Throwable c = e.getCause();
        if (c instanceof IllegalArgumentException iae && iae.getMessage() != null) {
            return iae.getMessage();
        }
        if (e instanceof InvalidFormatException f) {
            return "must be " + typeName(f.getTargetType()) + ", not '" + f.getValue() + "'";
        }
        if (e instanceof com.fasterxml.jackson.databind.exc.MismatchedInputException m && m.getTargetType() != null) {
            return "must be " + typeName(m.getTargetType());
        }
        return "has the wrong type";
    }

    private static String typeName(Class<?> t) {
        if (t == null) {
            return "of another type";
        }
        if (t == Integer.class || t == int.class || t == Long.class || t == long.class) {
            return "an integer";
        }
        if (t == Boolean.class || t == boolean.class) {
            return "true or false";
        }
        if (t == String.class) {
            return "a string";
        }
        if (List.class.isAssignableFrom(t)) {
            return "a list";
        }
        if (t.isEnum()) {
            return "one of " + String.join(", ", java.util.Arrays.stream(t.getEnumConstants())
                    .map(x -> ((Enum<?>) x).name().toLowerCase(java.util.Locale.ROOT)).toList());
        }
        return "an object";
    }

    /** Checks that need other entities: types of referenced collectors. */
    private void semanticChecks(ResourceKind kind, Entity e, Errors errors) {
        if (e instanceof CollectorSet set) {
            for (int i = 0; i < set.members().size(); i++) {
                Doc c = repo.get("collectors", set.members().get(i).collector());
                if (c != null && !c.json().path("type").asText().equals(set.type().json())) {
                    errors.add("members[" + i + "].collector", "collector '" + c.json().path("name").asText()
                            + "' is of type " + c.json().path("type").asText() + ", the set is " + set.type().json());
                }
            }
        }
        if (e instanceof Association a) {
            List<String> allowed = switch (kind.collection()) {
                case "netflow_associations" -> List.of(CollectorType.NETFLOW.json(), CollectorType.IPFIX.json());
                case "sflow_associations" -> List.of(CollectorType.SFLOW.json());
                default -> List.of(CollectorType.RAWFORWARD.json());
            };
            String type = null;
            String field = null;
            if (a.collector() != null) {
                Doc c = repo.get("collectors", a.collector());
                type = c == null ? null : c.json().path("type").asText();
                field = "collector";
            } else if (a.collectorSet() != null) {
                Doc c = repo.get("collector_sets", a.collectorSet());
                type = c == null ? null : c.json().path("type").asText();
                field = "collector_set";
            }
            if (type != null && !allowed.contains(type)) {
                errors.add(field, "a " + kind.singular().replace('_', ' ') + " needs a " + String.join(" or ", allowed)
                        + " " + field.replace('_', ' ') + ", not " + type);
            }
            if (a.monitor() != null && !kind.collection().equals("netflow_associations")) {
                errors.add("monitor", "only NetFlow associations have a monitor");
            }
        }
    }

    private void unique(ResourceKind kind, ObjectNode stored, String id) {
        String scope = kind.scoped() ? stored.path("scope").asText() : null;
        String name = stored.path("name").asText(null);
        for (Doc d : repo.list(kind.collection())) {
            if (d.id().equals(id) || (scope != null && !scope.equals(d.json().path("scope").asText()))) {
                continue;
            }
            if (kind.singletonPerScope()) {
                throw ApiException.conflict("exists", "the scope already has a " + kind.singular().replace('_', ' ')
                        + " (id " + d.id() + "); change that one", "scope");
            }
            if (name != null && name.equals(d.json().path("name").asText(null))) {
                throw ApiException.conflict("exists", "a " + kind.singular().replace('_', ' ') + " named '" + name
                        + "' already exists" + (scope != null ? " in this scope" : "") + " (id " + d.id() + ")",
                        "name");
            }
        }
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

    static void require(Principal p, ResourceKind kind, Operation op) {
        if (!p.can(kind.collection(), op)) {
            throw ApiException.forbidden("user '" + p.name() + "' may not " + op.json() + " " + kind.collection());
        }
    }

    private Doc visible(Principal p, ResourceKind kind, String id) {
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

    private static ObjectNode object(JsonNode body) {
        if (!(body instanceof ObjectNode o)) {
            throw ApiException.badRequest("the body must be a JSON object");
        }
        return o;
    }

    /** RFC 7396 JSON merge patch. */
    static void mergePatch(ObjectNode target, ObjectNode patch) {
        for (Iterator<Map.Entry<String, JsonNode>> it = patch.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> f = it.next();
            if (f.getValue().isNull()) {
                target.remove(f.getKey());
            } else if (f.getValue() instanceof ObjectNode po && target.get(f.getKey()) instanceof ObjectNode to) {
                mergePatch(to, po);
            } else {
                target.set(f.getKey(), f.getValue());
            }
        }
    }
}
