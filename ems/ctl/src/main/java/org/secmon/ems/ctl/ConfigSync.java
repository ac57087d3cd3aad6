package org.secmon.ems.ctl;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.exc.InvalidFormatException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.secmon.ems.api.Json;
import org.secmon.ems.api.client.EmsClient;
import org.secmon.ems.api.model.Entity;
import org.secmon.ems.api.model.ResourceKind;
import org.secmon.ems.api.schema.Errors;
import org.secmon.ems.api.schema.FieldError;
import org.secmon.ems.api.schema.Schema;
import org.secmon.ems.api.schema.Validator;

/**
 * {@code apply} and {@code export} of a whole configuration: a document whose keys are collections
 * ({@code scopes}, {@code rules}, ...) and whose values are lists of entities, with references by name. Entities
 * are matched by (scope, name) (by scope alone for the per-scope configs, by name for unscoped kinds): missing
 * ones are created, different ones replaced (with If-Match, so a concurrent change is not overwritten), equal ones
 * left alone, so applying the same file twice changes nothing.
 */
final class ConfigSync {
    /** What apply did (or would do) with one entity. */
    enum Outcome { CREATED, CONFIGURED, UNCHANGED }

    record Step(ResourceKind kind, String key, Outcome outcome) {
    }

    private final EmsClient ems;

    ConfigSync(EmsClient ems) {
        this.ems = ems;
    }

    // ---- parse and check ---------------------------------------------------------------------------------------

    /** The document's entities by kind, in dependency order; every problem of the whole file reported at once. */
    static Map<ResourceKind, List<ObjectNode>> parse(JsonNode doc) {
        if (!(doc instanceof ObjectNode root)) {
            throw new CtlException("the configuration must be a mapping of collection to a list of entities, e.g. "
                    + "'scopes: [{name: tenant-a, project: default}]'");
        }
        Map<ResourceKind, List<ObjectNode>> byKind = new HashMap<>();
        List<String> problems = new ArrayList<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            ResourceKind kind;
            try {
                kind = Kinds.of(e.getKey());
            } catch (CtlException x) {
                problems.add(e.getKey() + ": " + x.getMessage());
                continue;
            }
            if (e.getValue().isNull()) {
                continue;
            }
            if (!(e.getValue() instanceof ArrayNode list)) {
                problems.add(e.getKey() + ": must be a list of entities");
                continue;
            }
            List<ObjectNode> entries = byKind.computeIfAbsent(kind, k -> new ArrayList<>());
            Set<String> keys = new java.util.HashSet<>();
            for (int i = 0; i < list.size(); i++) {
                String at = kind.collection() + "[" + i + "]";
                if (!(list.get(i) instanceof ObjectNode o)) {
                    problems.add(at + ": must be a mapping of field to value");
                    continue;
                }
                problems.addAll(check(kind, o, at));
                if (!keys.add(key(kind, o))) {
                    problems.add(at + ": " + key(kind, o) + " appears twice");
                }
                entries.add(o);
            }
        }
        if (!problems.isEmpty()) {
            throw new CtlException("the configuration has " + problems.size() + " problem(s), nothing was changed:\n  "
                    + String.join("\n  ", problems));
        }
        Map<ResourceKind, List<ObjectNode>> ordered = new LinkedHashMap<>();
        for (ResourceKind k : ResourceKind.ALL) {
            if (byKind.containsKey(k)) {
                ordered.put(k, byKind.get(k));
            }
        }
        return ordered;
    }

    /** The checks that need no EMS: field types, ranges and formats, required fields, read-only fields. */
    private static List<String> check(ResourceKind kind, ObjectNode o, String at) {
        List<String> out = new ArrayList<>();
        Schema schema = Schema.of(kind);
        for (String ro : schema.readOnly()) {
            if (o.has(ro) && !ro.equals("version")) {
                out.add(at + "." + ro + ": is read-only (set by the EMS); remove it");
            }
        }
        if (kind == ResourceKind.APPLIANCES) {
            out.add(at + ": appliances register themselves (./secmon agent); they cannot be applied");
            return out;
        }
        if (kind.scoped() && !o.path("scope").isTextual()) {
            out.add(at + ".scope: required (the scope's name)");
        }
        if (!kind.singletonPerScope() && !o.path("name").isTextual()) {
            out.add(at + ".name: required");
        }
        ObjectNode copy = o.deepCopy();
        schema.readOnly().forEach(copy::remove);
        copy.remove(EMS_STAMPS); // created_at / updated_at: the EMS keeps its own
        Entity entity;
        try {
            entity = (Entity) Json.mapper().treeToValue(copy, kind.type());
        } catch (UnrecognizedPropertyException e) {
            out.add(at + "." + e.getPropertyName() + ": unknown field; fields: " + String.join(", ", schema.fields()));
            return out;
        } catch (InvalidFormatException e) {
            out.add(at + "." + path(e) + ": " + e.getValue() + " is not a valid " + e.getTargetType().getSimpleName()
                    .toLowerCase(java.util.Locale.ROOT));
            return out;
        } catch (MismatchedInputException e) {
            out.add(at + "." + path(e) + ": wrong type (" + e.getOriginalMessage().split("\n")[0] + ")");
            return out;
        } catch (IOException e) {
            out.add(at + ": " + e.getMessage());
            return out;
        }
        Errors errors = Validator.validate(entity);
        for (FieldError fe : errors.list()) {
            out.add(at + "." + fe.field() + ": " + fe.message());
        }
        return out;
    }

    private static String path(MismatchedInputException e) {
        StringBuilder sb = new StringBuilder();
        for (com.fasterxml.jackson.databind.JsonMappingException.Reference r : e.getPath()) {
            if (r.getFieldName() != null) {
                sb.append(sb.isEmpty() ? "" : ".").append(r.getFieldName());
            } else if (r.getIndex() >= 0) {
                sb.append('[').append(r.getIndex()).append(']');
            }
        }
        return sb.toString();
    }

    /** How an entity is named in messages and matched against the EMS: scope/name, scope, or name. */
    static String key(ResourceKind kind, JsonNode o) {
        if (!kind.scoped()) {
            return o.path("name").asText();
        }
        return kind.singletonPerScope() ? o.path("scope").asText() : o.path("scope").asText() + "/"
                + o.path("name").asText();
    }

    // ---- apply ------------------------------------------------------------------------------------------------

    interface Progress {
        void step(Step step);
    }

    List<Step> apply(Map<ResourceKind, List<ObjectNode>> config, boolean dryRun, Progress progress) {
        Kinds.Names names = new Kinds.Names(ems);
        List<Step> steps = new ArrayList<>();
        for (Map.Entry<ResourceKind, List<ObjectNode>> e : config.entrySet()) {
            ResourceKind kind = e.getKey();
            Map<String, ObjectNode> existing = new HashMap<>();
            for (ObjectNode n : ems.list(kind, Map.of())) {
                existing.put(key(kind, names.withNames(kind, n)), n);
            }
            for (ObjectNode desired : e.getValue()) {
                String key = key(kind, desired);
                ObjectNode current = existing.get(key);
                Outcome outcome;
                ObjectNode body = desired.deepCopy();
                body.remove("version");
                if (current == null) {
                    outcome = Outcome.CREATED;
                    if (!dryRun) {
                        ems.create(kind, body);
                    }
                } else if (normalize(kind, desired).equals(normalize(kind, names.withNames(kind, current)))) {
                    outcome = Outcome.UNCHANGED;
                } else {
                    outcome = Outcome.CONFIGURED;
                    if (!dryRun) {
                        ems.replace(kind, current.path("id").asText(), body, current.path("version").asLong());
                    }
                }
                Step s = new Step(kind, key, outcome);
                steps.add(s);
                progress.step(s);
            }
            names = new Kinds.Names(ems); // what was just created can now be referenced by name
        }
        return steps;
    }

    /** The entity as its record sees it (defaults filled in), without EMS-set and write-only fields. */
    private static JsonNode normalize(ResourceKind kind, ObjectNode o) {
        ObjectNode copy = o.deepCopy();
        Schema s = Schema.of(kind);
        s.readOnly().forEach(copy::remove);
        s.writeOnly().forEach(copy::remove);
        try {
            ObjectNode n = Json.mapper().valueToTree(EmsClient.convert(copy, kind.type()));
            s.readOnly().forEach(n::remove);
            s.writeOnly().forEach(n::remove);
            return n;
        } catch (IllegalArgumentException e) {
            return copy;
        }
    }

    // ---- export -----------------------------------------------------------------------------------------------

    /**
     * The configuration the token sees, in the form apply reads: references by name, without ids, versions and
     * EMS-set fields; appliances are left out (they register themselves). With {@code scopes}, only those scopes
     * and what is in them.
     */
    /** Fields every entity shows that only the EMS sets (not in the model records). */
    static final List<String> EMS_STAMPS = List.of("created_at", "updated_at");

    ObjectNode export(List<String> scopes) {
        Kinds.Names names = new Kinds.Names(ems);
        ObjectNode doc = Json.mapper().createObjectNode();
        for (ResourceKind kind : ResourceKind.ALL) {
            if (kind == ResourceKind.APPLIANCES || (!scopes.isEmpty() && kind.adminOnly())) {
                continue;
            }
            ArrayNode list = Json.mapper().createArrayNode();
            for (ObjectNode n : ems.list(kind, Map.of())) {
                ObjectNode named = names.withNames(kind, n);
                String scope = kind == ResourceKind.SCOPES ? named.path("name").asText() : named.path("scope").asText();
                if (!scopes.isEmpty() && !scopes.contains(scope)) {
                    continue;
                }
                Schema.of(kind).readOnly().forEach(named::remove);
                named.remove(EMS_STAMPS);
                list.add(named);
            }
            if (!list.isEmpty()) {
                doc.set(kind.collection(), list);
            }
        }
        return doc;
    }
}
