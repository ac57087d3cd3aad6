package org.secmon.ems.server.entity;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import org.secmon.ems.api.Json;
import org.secmon.ems.api.model.Association;
import org.secmon.ems.api.model.CollectorSet;
import org.secmon.ems.api.model.CollectorType;
import org.secmon.ems.api.model.Entity;
import org.secmon.ems.api.model.ResourceKind;
import org.secmon.ems.api.model.User;
import org.secmon.ems.api.schema.Errors;
import org.secmon.ems.api.schema.FieldError;
import org.secmon.ems.api.schema.MappingErrors;
import org.secmon.ems.api.schema.Schema;
import org.secmon.ems.api.schema.Validator;
import org.secmon.ems.server.auth.Passwords;
import org.secmon.ems.server.auth.Principal;
import org.secmon.ems.server.http.ApiException;
import org.secmon.ems.server.store.Repository.Doc;
import org.secmon.ems.server.store.Repository;

/**
 * Turns a client's document into what is stored: read-only and private fields dropped, references (ids, or names
 * within the scope) resolved to ids, the record's constraints and the checks that need other entities (collector
 * types, uniqueness), write-only secrets kept server-private. Every error names its field.
 */
final class EntityValidator {
    private final Repository repo;
    private final Visibility visibility;

    EntityValidator(Repository repo, Visibility visibility) {
        this.repo = repo;
        this.visibility = visibility;
    }

    /** Validates and normalizes an input document into what is stored (private fields kept from current). */
    ObjectNode prepare(Principal p, ResourceKind kind, ObjectNode input, Doc current, String id) {
        Schema schema = Schema.of(kind);
        ObjectNode in = input.deepCopy();
        for (String ro : schema.readOnly()) {
            in.remove(ro);
        }
        in.remove("created_at"); // read-only, kept by the server (a GET's body may be PUT back as it is)
        in.remove("updated_at");
        for (Iterator<String> it = in.fieldNames(); it.hasNext(); ) {
            if (it.next().startsWith(Entities.PRIVATE)) {
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
                && (current == null || !current.json().has(Entities.PRIVATE + "psk"))) {
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
                if (f.getKey().startsWith(Entities.PRIVATE) || schema.readOnly().contains(f.getKey())) {
                    stored.set(f.getKey(), f.getValue());
                }
            }
        }
        if (entity instanceof User u && u.password() != null) {
            stored.put(Entities.PRIVATE + "password_hash", Passwords.hash(u.password()));
        }
        if (entity instanceof org.secmon.ems.api.model.IpsecTunnel t && t.psk() != null) {
            stored.put(Entities.PRIVATE + "psk", t.psk()); // server-private: only GET /appliances/{id}/ipsec delivers it
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
    Doc resolve(Principal p, String target, String value, String scopeId) {
        ResourceKind k = ResourceKind.of(target);
        Doc d = Entities.find(repo, target, value, scopeId);
        if (d == null) {
            return null;
        }
        if (k != null && k.scoped() && scopeId != null && !d.json().path("scope").asText().equals(scopeId)) {
            return null;
        }
        if (k != null && (k.scoped() || k == ResourceKind.SCOPES || k == ResourceKind.PROJECTS) && !visibility.isVisible(p, k, d)) {
            return null;
        }
        return d;
    }

    private static Entity toRecord(ResourceKind kind, ObjectNode in) {
        try {
            return Json.mapper().treeToValue(in, kind.type());
        } catch (JsonMappingException e) {
            throw ApiException.invalid(MappingErrors.path(e), MappingErrors.message(e));
        } catch (Exception e) {
            throw ApiException.badRequest("cannot read the " + kind.singular() + ": " + e.getMessage());
        }
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
}
