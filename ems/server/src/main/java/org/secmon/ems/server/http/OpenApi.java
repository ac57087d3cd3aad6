package org.secmon.ems.server.http;

import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import org.secmon.ems.api.model.ResourceKind;
import org.secmon.ems.api.schema.Doc;
import org.secmon.ems.api.schema.Format;
import org.secmon.ems.api.schema.Length;
import org.secmon.ems.api.schema.Range;
import org.secmon.ems.api.schema.ReadOnly;
import org.secmon.ems.api.schema.Ref;
import org.secmon.ems.api.schema.Required;
import org.secmon.ems.api.schema.Validator;
import org.secmon.ems.api.schema.WriteOnly;

/**
 * The OpenAPI 3.0 document of the whole API, generated from the same records and constraints the server validates
 * with, so it cannot drift from the implementation.
 */
public final class OpenApi {
    private static final JsonNodeFactory F = JsonNodeFactory.instance;

    private OpenApi() {
    }

    public static String yaml() {
        try {
            return new YAMLMapper().writeValueAsString(document());
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    public static ObjectNode document() {
        ObjectNode doc = F.objectNode();
        doc.put("openapi", "3.0.3");
        ObjectNode info = doc.putObject("info");
        info.put("title", "SecMon EMS API");
        info.put("version", "1");
        info.put("description", "Configuration of SecMon appliances: scopes, 7-tuple rules and policies, collectors "
                + "and collector sets, NetFlow/sFlow/raw-forward associations, appliances, users and roles. "
                + "Authenticate with POST /api/v1/tokens and send the token as X-Auth-Token. References accept an "
                + "id or, on input, the referenced entity's name within the same scope. Updates are conditional "
                + "with If-Match (412 when stale) or the body's version (409 when stale).");
        ObjectNode components = doc.putObject("components");
        ObjectNode schemas = components.putObject("schemas");
        components.putObject("securitySchemes").putObject("token").put("type", "apiKey").put("in", "header")
                .put("name", "X-Auth-Token");
        doc.putArray("security").addObject().putArray("token");
        errorSchemas(schemas);
        ObjectNode paths = doc.putObject("paths");
        for (ResourceKind k : ResourceKind.ALL) {
            String schemaName = schemaName(k);
            if (!schemas.has(schemaName)) {
                schemas.set(schemaName, schema(k.type(), schemas));
            }
            collection(paths, k, schemaName);
        }
        tokens(paths);
        audit(paths);
        registry(paths);
        ObjectNode openapi = paths.putObject("/api/v1/openapi.yaml").putObject("get");
        openapi.put("summary", "this document").put("operationId", "openapi");
        openapi.putArray("tags").add("meta");
        ObjectNode ok = openapi.putObject("responses").putObject("200");
        ok.put("description", "OpenAPI 3.0 YAML");
        ok.putObject("content").putObject("application/yaml").putObject("schema").put("type", "string");
        openapi.with("responses").set("401", ref("Error", "not authenticated"));
        for (String h : List.of("live", "ready")) {
            ObjectNode g = paths.putObject("/health/" + h).putObject("get");
            g.put("summary", h.equals("ready") ? "readiness: the store is reachable" : "liveness")
                    .put("operationId", "health_" + h);
            g.putArray("tags").add("meta");
            g.putArray("security");
            g.putObject("responses").putObject("200").put("description", "UP");
            g.with("responses").putObject("503").put("description", "DOWN (store unreachable)");
        }
        ObjectNode m = paths.putObject("/metrics").putObject("get");
        m.put("summary", "Prometheus metrics (needs metrics:view)").put("operationId", "metrics");
        m.putArray("tags").add("meta");
        m.putObject("responses").putObject("200").put("description", "Prometheus text format");
        m.with("responses").set("401", ref("Error", "not authenticated"));
        m.with("responses").set("403", ref("Error", "not permitted"));
        return doc;
    }

    private static String schemaName(ResourceKind k) {
        return k.type().getSimpleName();
    }

    private static void collection(ObjectNode paths, ResourceKind k, String schemaName) {
        String tag = k.collection();
        String one = k.singular().replace('_', ' ');
        ObjectNode list = paths.putObject("/api/v1/" + k.collection());
        ObjectNode get = list.putObject("get");
        get.put("summary", "list " + k.collection().replace('_', ' ')).put("operationId", "list_" + k.collection());
        get.putArray("tags").add(tag);
        ArrayNode params = get.putArray("parameters");
        params.addObject().put("name", "limit").put("in", "query").put("description", "page size (default 100)")
                .putObject("schema").put("type", "integer").put("minimum", 1).put("maximum", 1000);
        params.addObject().put("name", "offset").put("in", "query").put("description", "first item (default 0)")
                .putObject("schema").put("type", "integer").put("minimum", 0);
        for (RecordComponent c : Validator.components(k.type())) {
            Class<?> t = c.getType();
            if (c.isAnnotationPresent(WriteOnly.class) || List.class.isAssignableFrom(t) || Map.class.isAssignableFrom(t)) {
                continue;
            }
            params.addObject().put("name", Validator.jsonName(c.getName())).put("in", "query")
                    .put("description", "only entries whose field equals this value")
                    .putObject("schema").put("type", "string");
        }
        ObjectNode listOk = responses(get);
        ObjectNode page = F.objectNode();
        page.put("type", "object");
        ObjectNode props = page.putObject("properties");
        props.putObject("items").put("type", "array").putObject("items").put("$ref", "#/components/schemas/" + schemaName);
        props.putObject("total").put("type", "integer");
        props.putObject("offset").put("type", "integer");
        props.putObject("limit").put("type", "integer");
        listOk.putObject("200").put("description", "one page").putObject("content").putObject("application/json")
                .set("schema", page);
        listOk.set("400", ref("Error", "bad paging or filter parameter"));

        ObjectNode post = list.putObject("post");
        post.put("summary", "create a " + one).put("operationId", "create_" + k.singular());
        post.putArray("tags").add(tag);
        body(post, schemaName);
        ObjectNode created = responses(post);
        created.set("201", ref(schemaName, "created; Location and ETag headers"));
        writeErrors(created);

        ObjectNode item = paths.putObject("/api/v1/" + k.collection() + "/{id}");
        item.putArray("parameters").addObject().put("name", "id").put("in", "path").put("required", true)
                .putObject("schema").put("type", "string");
        ObjectNode getOne = item.putObject("get");
        getOne.put("summary", "read a " + one).put("operationId", "get_" + k.singular());
        getOne.putArray("tags").add(tag);
        ObjectNode r = responses(getOne);
        r.set("200", ref(schemaName, "the " + one + "; ETag header = version"));
        r.set("404", ref("Error", "no such " + one + " (or not in your projects)"));
        for (String verb : List.of("put", "patch")) {
            ObjectNode u = item.putObject(verb);
            u.put("summary", verb.equals("put") ? "replace a " + one : "change fields of a " + one
                    + " (JSON merge patch)").put("operationId", (verb.equals("put") ? "replace_" : "patch_") + k.singular());
            u.putArray("tags").add(tag);
            ifMatch(u);
            body(u, schemaName);
            ObjectNode ur = responses(u);
            ur.set("200", ref(schemaName, "the changed " + one));
            ur.set("404", ref("Error", "no such " + one));
            ur.set("412", ref("Error", "If-Match does not match the current version"));
            writeErrors(ur);
        }
        ObjectNode del = item.putObject("delete");
        del.put("summary", "delete a " + one).put("operationId", "delete_" + k.singular());
        del.putArray("tags").add(tag);
        ifMatch(del);
        ObjectNode dr = responses(del);
        dr.putObject("204").put("description", "deleted");
        dr.set("404", ref("Error", "no such " + one));
        dr.set("409", ref("Error", "still referenced: 'dependents' lists what references it"));
        dr.set("412", ref("Error", "If-Match does not match the current version"));
    }

    private static void ifMatch(ObjectNode op) {
        op.withArray("parameters").addObject().put("name", "If-Match").put("in", "header")
                .put("description", "the ETag (version) last read; the change is refused with 412 if it moved")
                .putObject("schema").put("type", "string");
    }

    private static void body(ObjectNode op, String schemaName) {
        op.putObject("requestBody").put("required", true).putObject("content").putObject("application/json")
                .putObject("schema").put("$ref", "#/components/schemas/" + schemaName);
    }

    private static ObjectNode responses(ObjectNode op) {
        ObjectNode r = op.putObject("responses");
        r.set("401", ref("Error", "not authenticated"));
        r.set("403", ref("Error", "the user's roles do not permit this"));
        r.set("503", ref("Error", "the configuration store is unavailable; nothing was changed"));
        return r;
    }

    private static void writeErrors(ObjectNode r) {
        r.set("400", ref("Error", "the body is not a JSON object"));
        r.set("409", ref("Error", "name already used in the scope, or stale version"));
        r.set("422", ref("Error", "invalid fields: 'errors' lists each with its field"));
    }

    private static ObjectNode ref(String schema, String description) {
        ObjectNode r = F.objectNode();
        r.put("description", description);
        r.putObject("content").putObject("application/json").putObject("schema")
                .put("$ref", "#/components/schemas/" + schema);
        return r;
    }

    private static void tokens(ObjectNode paths) {
        ObjectNode login = paths.putObject("/api/v1/tokens").putObject("post");
        login.put("summary", "log in: a token for X-Auth-Token").put("operationId", "login");
        login.putArray("tags").add("tokens");
        login.putArray("security");
        ObjectNode cred = F.objectNode().put("type", "object");
        cred.putArray("required").add("name").add("password");
        cred.putObject("properties").putObject("name").put("type", "string");
        cred.with("properties").putObject("password").put("type", "string").put("writeOnly", true);
        login.putObject("requestBody").put("required", true).putObject("content").putObject("application/json")
                .set("schema", cred);
        ObjectNode lr = login.putObject("responses");
        lr.set("201", ref("Token", "logged in"));
        lr.set("401", ref("Error", "wrong user name or password"));
        lr.set("422", ref("Error", "name or password missing"));
        ObjectNode cur = paths.putObject("/api/v1/tokens/current");
        ObjectNode g = cur.putObject("get");
        g.put("summary", "who the token belongs to, with permissions").put("operationId", "whoami");
        g.putArray("tags").add("tokens");
        g.putObject("responses").set("200", ref("Token", "the token's user (token itself not repeated)"));
        g.with("responses").set("401", ref("Error", "not authenticated"));
        ObjectNode d = cur.putObject("delete");
        d.put("summary", "log out (revoke the token)").put("operationId", "logout");
        d.putArray("tags").add("tokens");
        d.putObject("responses").putObject("204").put("description", "revoked");
        d.with("responses").set("401", ref("Error", "not authenticated"));
    }

    private static void registry(ObjectNode paths) {
        ObjectNode reg = paths.putObject("/api/v1/appliances/register").putObject("post");
        reg.put("summary", "register an appliance (or re-register: same scope and name) and issue its credentials")
                .put("operationId", "register_appliance");
        reg.putArray("tags").add("appliances");
        body(reg, "Appliance");
        ObjectNode rr = responses(reg);
        rr.set("201", ref("Appliance", "registered; 'credentials' (token, notification_token) appear only here"));
        rr.set("200", ref("Appliance", "re-registered; new credentials"));
        writeErrors(rr);
        ObjectNode rep = paths.putObject("/api/v1/appliances/{id}/report");
        rep.putArray("parameters").addObject().put("name", "id").put("in", "path").put("required", true)
                .putObject("schema").put("type", "string");
        ObjectNode post = rep.putObject("post");
        post.put("summary", "an appliance reports its applied configuration version and capabilities")
                .put("operationId", "report_appliance");
        post.putArray("tags").add("appliances");
        ObjectNode report = F.objectNode().put("type", "object");
        report.putObject("properties").putObject("applied_version").put("type", "integer");
        report.with("properties").putObject("capabilities").put("type", "object")
                .putObject("additionalProperties").put("type", "string");
        report.with("properties").putObject("counters").put("type", "object");
        report.with("properties").putObject("notification_url").put("type", "string").put("format", "uri");
        post.putObject("requestBody").put("required", true).putObject("content").putObject("application/json")
                .set("schema", report);
        ObjectNode pr = responses(post);
        pr.set("200", ref("Appliance", "the appliance as recorded"));
        pr.set("404", ref("Error", "no such appliance"));
        pr.set("422", ref("Error", "invalid report field"));
        ObjectNode cnt = paths.putObject("/api/v1/appliances/{id}/counters");
        cnt.putArray("parameters").addObject().put("name", "id").put("in", "path").put("required", true)
                .putObject("schema").put("type", "string");
        ObjectNode cg = cnt.putObject("get");
        cg.put("summary", "the counters of the appliance's last report").put("operationId", "appliance_counters");
        cg.putArray("tags").add("appliances");
        ObjectNode counters = F.objectNode().put("type", "object");
        for (String f : List.of("appliance", "name", "status", "reported_at")) {
            counters.with("properties").putObject(f).put("type", "string");
        }
        counters.with("properties").putObject("counters").put("type", "object");
        ObjectNode cr = responses(cg);
        cr.putObject("200").put("description", "last reported counters").putObject("content")
                .putObject("application/json").set("schema", counters);
        cr.set("404", ref("Error", "no such appliance"));
        ObjectNode su = paths.putObject("/api/v1/appliances/{id}/ssh-users");
        su.putArray("parameters").addObject().put("name", "id").put("in", "path").put("required", true)
                .putObject("schema").put("type", "string");
        ObjectNode sg = su.putObject("get");
        sg.put("summary", "who may log in to the appliance's SSH CLI: users with SSH keys who may view appliances in "
                + "its project; access operator (may change appliances) or read-only").put("operationId",
                "appliance_ssh_users");
        sg.putArray("tags").add("appliances");
        ObjectNode sr = responses(sg);
        sr.putObject("200").put("description", "{appliance, revision, users: [{name, access, ssh_keys}]}");
        sr.set("404", ref("Error", "no such appliance"));
        simple(paths, "/api/v1/appliances/{id}/ipsec", "get", "appliance_ipsec",
                "the appliance's IPsec tunnels with policies and pre-shared keys (the appliance's own token only)");
        simple(paths, "/api/v1/appliances/{id}/certificate", "post", "appliance_certificate",
                "the appliance sends {csr} (PEM PKCS#10); the EMS CA answers {id, certificate, ca}");
        simple(paths, "/api/v1/certificates", "post", "issue_certificate",
                "{name, csr, days}: a certificate from the EMS CA for an IPsec peer (needs ipsec_tunnels:add)");
        simple(paths, "/api/v1/certificates/ca", "get", "ca_certificate", "the EMS CA certificate (PEM)");
        simple(paths, "/api/v1/certificates", "get", "list_certificates",
                "every issued certificate: serial, name, owner, not_after, revoked_at (needs ipsec_tunnels:view)");
        simple(paths, "/api/v1/certificates/crl", "get", "certificate_revocation_list",
                "{crl}: the EMS CA's signed CRL (PEM), valid a day");
        simple(paths, "/api/v1/certificates/revoke", "post", "revoke_certificates",
                "{name}: revokes every certificate issued under that name (needs ipsec_tunnels:delete)");
        simple(paths, "/api/v1/ipsec_enforcers/register", "post", "register_ipsec_enforcer",
                "REGISTER {name, health_url, addresses} (needs ipsec_enforcers:add): creates the enforcer or takes over"
                        + " the one with that name; 'credentials.token' appears only here");
        simple(paths, "/api/v1/ipsec_enforcers/{id}/report", "post", "report_ipsec_enforcer",
                "UPDATE {state, health_url, addresses} (the enforcer's own token): its tunnels' SA state");
        simple(paths, "/api/v1/ipsec_enforcers/{id}/deregister", "post", "deregister_ipsec_enforcer",
                "DEREGISTER (the enforcer itself or ipsec_enforcers:change): token revoked, no more health checks, "
                        + "tunnels kept");
        simple(paths, "/api/v1/ipsec_enforcers/{id}/ipsec", "get", "ipsec_enforcer_tunnels",
                "the enforcer's tunnels with policies and pre-shared keys (its own token only)");
        simple(paths, "/api/v1/ipsec_enforcers/{id}/state", "get", "ipsec_enforcer_state",
                "the SA state the enforcer last reported (ipsec_enforcers:view)");
        simple(paths, "/api/v1/ipsec_enforcers/{id}/certificate", "post", "ipsec_enforcer_certificate",
                "the enforcer sends {csr}; the EMS CA answers {id: NAME.enforcer.secmon, certificate, ca}");
    }

    private static void simple(ObjectNode paths, String path, String method, String id, String summary) {
        ObjectNode p = paths.has(path) ? (ObjectNode) paths.get(path) : paths.putObject(path);
        if (path.contains("{id}") && !p.has("parameters")) {
            p.putArray("parameters").addObject().put("name", "id").put("in", "path").put("required", true)
                    .putObject("schema").put("type", "string");
        }
        ObjectNode op = p.putObject(method);
        op.put("summary", summary).put("operationId", id);
        op.putArray("tags").add(path.contains("certificates") || path.contains("ipsec_enforcers") ? "ipsec"
                : "appliances");
        ObjectNode r = responses(op);
        r.putObject(method.equals("post") && (id.equals("issue_certificate") || id.equals("register_ipsec_enforcer"))
                ? "201" : "200").put("description", "ok");
    }

    private static void audit(ObjectNode paths) {
        ObjectNode g = paths.putObject("/api/v1/audit").putObject("get");
        g.put("summary", "the audit log, newest first (needs audit:view)").put("operationId", "list_audit");
        g.putArray("tags").add("audit");
        ArrayNode params = g.putArray("parameters");
        for (String p : List.of("user", "operation", "collection", "resource_id", "limit", "offset")) {
            params.addObject().put("name", p).put("in", "query").putObject("schema").put("type", "string");
        }
        ObjectNode r = responses(g);
        ObjectNode page = F.objectNode().put("type", "object");
        page.putObject("properties").putObject("items").put("type", "array").putObject("items")
                .put("$ref", "#/components/schemas/AuditEntry");
        r.putObject("200").put("description", "one page").putObject("content").putObject("application/json")
                .set("schema", page);
    }

    private static void errorSchemas(ObjectNode schemas) {
        ObjectNode e = schemas.putObject("Error").put("type", "object");
        e.putArray("required").add("error").add("message");
        ObjectNode p = e.putObject("properties");
        p.putObject("error").put("type", "string").put("description",
                "bad_request, unauthorized, forbidden, not_found, exists, stale, in_use, precondition_failed, "
                        + "invalid, unavailable, internal");
        p.putObject("message").put("type", "string");
        p.putObject("field").put("type", "string").put("description", "the (first) field at fault, as a JSON path");
        ObjectNode fe = p.putObject("errors").put("type", "array").putObject("items").put("type", "object");
        fe.putObject("properties").putObject("field").put("type", "string");
        fe.with("properties").putObject("message").put("type", "string");
        ObjectNode dep = p.putObject("dependents").put("type", "array").putObject("items").put("type", "object");
        for (String f : List.of("collection", "id", "name", "field")) {
            dep.with("properties").putObject(f).put("type", "string");
        }
        ObjectNode t = schemas.putObject("Token").put("type", "object");
        ObjectNode tp = t.putObject("properties");
        tp.putObject("token").put("type", "string");
        tp.putObject("expires_at").put("type", "string").put("format", "date-time");
        tp.putObject("user").put("type", "object").putObject("properties").putObject("name").put("type", "string");
        tp.putObject("permissions").put("type", "array").putObject("items").put("type", "string");
        tp.putObject("projects").put("type", "array").putObject("items").put("type", "string");
        tp.putObject("all_projects").put("type", "boolean");
        ObjectNode a = schemas.putObject("AuditEntry").put("type", "object");
        for (String f : List.of("id", "time", "user", "operation", "collection", "resource_id", "name", "remote")) {
            a.with("properties").putObject(f).put("type", "string");
        }
    }

    static ObjectNode schema(Class<?> type, ObjectNode schemas) {
        ObjectNode s = F.objectNode();
        s.put("type", "object");
        s.put("additionalProperties", false);
        Doc doc = type.getAnnotation(Doc.class);
        if (doc != null) {
            s.put("description", doc.value());
        }
        Set<String> required = new LinkedHashSet<>();
        ObjectNode props = s.putObject("properties");
        for (RecordComponent c : Validator.components(type)) {
            String name = Validator.jsonName(c.getName());
            ObjectNode p = typeSchema(c.getGenericType(), schemas);
            Range range = c.getAnnotation(Range.class);
            if (range != null) {
                p.put("minimum", range.min()).put("maximum", range.max());
            }
            Length length = c.getAnnotation(Length.class);
            if (length != null) {
                if (p.path("type").asText().equals("array")) {
                    p.put("minItems", length.min()).put("maxItems", length.max());
                } else {
                    p.put("minLength", length.min()).put("maxLength", length.max());
                }
            }
            StringBuilder desc = new StringBuilder();
            Doc d = c.getAnnotation(Doc.class);
            if (d != null) {
                desc.append(d.value());
            }
            Format f = c.getAnnotation(Format.class);
            if (f != null) {
                desc.append(desc.isEmpty() ? "" : "; ").append(f.value().description());
            }
            Ref ref = c.getAnnotation(Ref.class);
            if (ref != null) {
                desc.append(desc.isEmpty() ? "" : "; ").append("id (or name) of a ")
                        .append(ResourceKind.of(ref.value()) == null ? ref.value()
                                : ResourceKind.of(ref.value()).singular());
                p.put("x-secmon-ref", ref.value());
            }
            if (!desc.isEmpty()) {
                p.put("description", desc.toString());
            }
            if (c.isAnnotationPresent(ReadOnly.class)) {
                p.put("readOnly", true);
            }
            if (c.isAnnotationPresent(WriteOnly.class)) {
                p.put("writeOnly", true);
            }
            if (c.isAnnotationPresent(Required.class)) {
                required.add(name);
            }
            props.set(name, p);
        }
        if (!required.isEmpty()) {
            ArrayNode r = s.putArray("required");
            required.forEach(r::add);
        }
        return s;
    }

    private static ObjectNode typeSchema(Type t, ObjectNode schemas) {
        ObjectNode p = F.objectNode();
        if (t instanceof ParameterizedType pt) {
            Class<?> raw = (Class<?>) pt.getRawType();
            if (List.class.isAssignableFrom(raw)) {
                p.put("type", "array");
                p.set("items", typeSchema(pt.getActualTypeArguments()[0], schemas));
            } else if (Map.class.isAssignableFrom(raw)) {
                p.put("type", "object");
                p.set("additionalProperties", typeSchema(pt.getActualTypeArguments()[1], schemas));
            }
            return p;
        }
        Class<?> c = (Class<?>) t;
        if (c == String.class) {
            p.put("type", "string");
        } else if (c == Integer.class || c == int.class) {
            p.put("type", "integer").put("format", "int32");
        } else if (c == Long.class || c == long.class) {
            p.put("type", "integer").put("format", "int64");
        } else if (c == Boolean.class || c == boolean.class) {
            p.put("type", "boolean");
        } else if (c.isEnum()) {
            p.put("type", "string");
            ArrayNode e = p.putArray("enum");
            for (Object o : c.getEnumConstants()) {
                e.add(((Enum<?>) o).name().toLowerCase(java.util.Locale.ROOT));
            }
        } else if (c.isRecord()) {
            if (!schemas.has(c.getSimpleName())) {
                schemas.set(c.getSimpleName(), schema(c, schemas));
            }
            p.put("$ref", "#/components/schemas/" + c.getSimpleName());
        } else {
            p.put("type", "object");
        }
        return p;
    }
}
