package org.secmon.ems.server.http;

import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import org.secmon.ems.api.model.ResourceKind;
import org.secmon.ems.api.schema.Doc;
import org.secmon.ems.api.schema.Format;
import org.secmon.ems.api.schema.Formats;
import org.secmon.ems.api.schema.Length;
import org.secmon.ems.api.schema.OneOf;
import org.secmon.ems.api.schema.Range;
import org.secmon.ems.api.schema.ReadOnly;
import org.secmon.ems.api.schema.Ref;
import org.secmon.ems.api.schema.Required;
import org.secmon.ems.api.schema.Validator;
import org.secmon.ems.api.schema.WriteOnly;

/**
 * The OpenAPI 3.0 document of the whole API, generated from the same records and constraints the server validates
 * with, so it cannot drift from the implementation. Every operation has its request and response schemas, every
 * status the server answers is listed (errors as {@code Error}), PATCH takes a JSON merge patch, and the headers the
 * server sets (ETag, Location, Retry-After, WWW-Authenticate) are declared. {@code RouteCoverageTest} checks that
 * every route the server registers is here and nothing else is; {@code ApiFuzzTest} checks the server against it.
 */
public final class OpenApi {
    private static final JsonNodeFactory F = JsonNodeFactory.instance;
    private static final String SCHEMAS = "#/components/schemas/";

    private OpenApi() {
    }

    /** Writes the document to the file named by the first argument (the build lints it with Redocly). */
    public static void main(String[] args) throws java.io.IOException {
        if (args.length != 1) {
            System.err.println("usage: OpenApi FILE.yaml");
            System.exit(2);
        }
        java.nio.file.Files.writeString(java.nio.file.Path.of(args[0]), yaml());
    }

    public static String yaml() {
        try {
            return new YAMLMapper().writeValueAsString(document());
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** The paths of every route (with {@code {param}} segments), for the metrics' route label. */
    public static java.util.List<String> routeTemplates() {
        java.util.List<String> out = new java.util.ArrayList<>();
        document().path("paths").fieldNames().forEachRemaining(out::add);
        return out;
    }

    public static ObjectNode document() {
        ObjectNode doc = F.objectNode();
        doc.put("openapi", "3.0.3");
        ObjectNode info = doc.putObject("info");
        info.put("title", "SecMon EMS API");
        info.put("version", "1");
        info.put("description", "Configuration of SecMon appliances: scopes, 7-tuple rules and policies, collectors "
                + "and collector sets, NetFlow/sFlow/raw-forward associations, appliances, IPsec tunnels, users and "
                + "roles. Authenticate with POST /api/v1/tokens and send the token as X-Auth-Token. References accept "
                + "an id or, on input, the referenced entity's name within the same scope. Updates are conditional "
                + "with If-Match (412 when stale) or the body's version (409 when stale). Every error is an Error "
                + "object (RFC 9457 application/problem+json); 422 lists each invalid field. PATCH takes a JSON merge "
                + "patch (application/merge-patch+json). Every answer has an X-Request-Id header (the client's own "
                + "when it sent one), which the EMS's log lines for that request show. GET / and this document need "
                + "no login.");
        info.putObject("license").put("name", "Apache-2.0").put("url", "https://www.apache.org/licenses/LICENSE-2.0");
        doc.putArray("servers").addObject().put("url", "/").put("description", "the EMS itself");
        ObjectNode components = doc.putObject("components");
        ObjectNode schemas = components.putObject("schemas");
        components.putObject("securitySchemes").putObject("token").put("type", "apiKey").put("in", "header")
                .put("name", "X-Auth-Token").put("description", "a token from POST /api/v1/tokens (users), or the "
                        + "credentials.token of a registration (appliances, enforcers)");
        components.with("securitySchemes").putObject("bearer").put("type", "http").put("scheme", "bearer")
                .put("description", "the same tokens as Authorization: Bearer (what Prometheus sends: a scrape "
                        + "token from POST /api/v1/scrape_tokens)");
        headers(components.putObject("headers"));
        doc.putArray("security").add(F.objectNode().set("token", F.arrayNode()))
                .add(F.objectNode().set("bearer", F.arrayNode()));
        commonSchemas(schemas);
        ArrayNode tags = doc.putArray("tags");
        ObjectNode paths = doc.putObject("paths");
        for (ResourceKind k : ResourceKind.ALL) {
            String schemaName = schemaName(k);
            if (!schemas.has(schemaName)) {
                schemas.set(schemaName, schema(k.type(), schemas));
            }
            schemas.set(schemaName + "Patch", patchSchema((ObjectNode) schemas.get(schemaName)));
            schemas.set(schemaName + "Page", page(schemaName));
            tags.addObject().put("name", k.collection()).put("description", k.type().getAnnotation(Doc.class) == null
                    ? k.collection().replace('_', ' ') : k.type().getAnnotation(Doc.class).value());
            collection(paths, k, schemaName);
        }
        registrationSchemas(schemas);
        tags.addObject().put("name", "tokens").put("description", "log in and out");
        tags.addObject().put("name", "enrollments").put("description", "single-use (or counted) tokens with which "
                + "appliances register instead of with a user's password");
        tags.addObject().put("name", "audit").put("description", "who changed what");
        tags.addObject().put("name", "metrics").put("description", "scrape credentials for Prometheus");
        tags.addObject().put("name", "certificates").put("description", "the EMS CA for IPsec peers");
        tags.addObject().put("name", "meta").put("description", "this document, health and metrics");
        tokens(paths);
        enrollments(paths);
        scrapeTokens(paths);
        audit(paths);
        appliances(paths);
        enforcers(paths);
        certificates(paths);
        meta(paths);
        return doc;
    }

    // ---- operations ----------------------------------------------------------------------------------------------

    /** One operation under construction. */
    private static final class Op {
        final ObjectNode node;
        final ObjectNode responses;

        Op(ObjectNode paths, String path, String method, String id, String tag, String summary) {
            ObjectNode p = paths.has(path) ? (ObjectNode) paths.get(path) : paths.putObject(path);
            if (path.contains("{id}") && !p.has("parameters")) {
                p.putArray("parameters").addObject().put("name", "id").put("in", "path").put("required", true)
                        .put("description", "the entity's id").putObject("schema").put("type", "string");
            }
            node = p.putObject(method);
            node.put("summary", summary).put("operationId", id);
            node.putArray("tags").add(tag);
            node.put("description", summary + ".");
            responses = node.putObject("responses");
        }

        /** No authentication. */
        Op open() {
            node.putArray("security");
            return this;
        }

        Op description(String d) {
            node.put("description", d);
            return this;
        }

        Op body(ObjectNode schema) {
            ObjectNode rb = node.putObject("requestBody").put("required", true);
            rb.putObject("content").putObject("application/json").set("schema", schema);
            return err(400, "the body is not a JSON object").err(413, "the body is too large");
        }

        Op bodyRef(String schema) {
            return body(ref(schema));
        }

        Op mergePatch(String schema) {
            ObjectNode rb = node.putObject("requestBody").put("required", true);
            rb.put("description", "a JSON merge patch (RFC 7396): fields to set, null to clear a field");
            ObjectNode c = rb.putObject("content");
            c.putObject("application/merge-patch+json").set("schema", ref(schema));
            c.putObject("application/json").set("schema", ref(schema));
            return err(400, "the body is not a JSON object").err(413, "the body is too large");
        }

        Op query(String name, String description, ObjectNode schema) {
            node.withArray("parameters").addObject().put("name", name).put("in", "query")
                    .put("description", description).set("schema", schema);
            return this;
        }

        Op ifMatch() {
            node.withArray("parameters").addObject().put("name", "If-Match").put("in", "header")
                    .put("description", "the ETag (version) last read; the change is refused with 412 if it moved")
                    .putObject("schema").put("type", "string");
            return err(400, "If-Match is not an ETag this EMS issued").err(412, "If-Match does not match the current "
                    + "version");
        }

        Op ok(int status, String description, ObjectNode schema, String... headers) {
            ObjectNode r = responses.putObject(Integer.toString(status)).put("description", description);
            if (schema != null) {
                r.putObject("content").putObject("application/json").set("schema", schema);
            }
            for (String h : headers) {
                r.with("headers").putObject(h).put("$ref", "#/components/headers/" + h);
            }
            return this;
        }

        Op okRef(int status, String description, String schema, String... headers) {
            return ok(status, description, ref(schema), headers);
        }

        Op err(int status, String description) {
            ObjectNode r = F.objectNode();
            r.put("description", description);
            if (status == 401) {
                r.putObject("headers").putObject("WWW-Authenticate").put("$ref", "#/components/headers/WWW-Authenticate");
            } else if (status == 429) {
                r.putObject("headers").putObject("Retry-After").put("$ref", "#/components/headers/Retry-After");
            }
            r.putObject("content").putObject(Http.PROBLEM_JSON).putObject("schema").put("$ref", SCHEMAS + "Error");
            responses.set(Integer.toString(status), r);
            return this;
        }

        /** The errors of every authenticated operation. */
        Op authenticated(String forbidden) {
            return err(401, "not authenticated (no, expired or revoked token)").err(403, forbidden)
                    .err(503, "the configuration store is unavailable; nothing was changed");
        }
    }

    private static void collection(ObjectNode paths, ResourceKind k, String schemaName) {
        String tag = k.collection();
        String one = k.singular().replace('_', ' ');
        String base = "/api/v1/" + k.collection();
        Op list = new Op(paths, base, "get", "list_" + k.collection(), tag, "list " + k.collection().replace('_', ' '))
                .query("limit", "page size (default 100)", F.objectNode().put("type", "integer").put("minimum", 1)
                        .put("maximum", 1000))
                .query("offset", "first item (default 0)", F.objectNode().put("type", "integer").put("minimum", 0));
        for (RecordComponent c : Validator.components(k.type())) {
            Class<?> t = c.getType();
            if (c.isAnnotationPresent(WriteOnly.class) || List.class.isAssignableFrom(t)
                    || Map.class.isAssignableFrom(t)) {
                continue;
            }
            list.query(Validator.jsonName(c.getName()), "only entries whose field equals this value",
                    F.objectNode().put("type", "string"));
        }
        list.okRef(200, "one page", schemaName + "Page")
                .err(400, "bad paging or filter parameter")
                .authenticated("the user's roles do not permit viewing " + k.collection().replace('_', ' '));

        new Op(paths, base, "post", "create_" + k.singular(), tag, "create a " + one)
                .bodyRef(schemaName)
                .okRef(201, "created", schemaName, "Location", "ETag")
                .err(409, "name already used in the scope")
                .err(422, "invalid fields: 'errors' lists each with its field")
                .authenticated("the user's roles do not permit adding " + k.collection().replace('_', ' ')
                        + " (in that project)");

        String item = base + "/{id}";
        new Op(paths, item, "get", "get_" + k.singular(), tag, "read a " + one)
                .okRef(200, "the " + one, schemaName, "ETag")
                .err(404, "no such " + one + " (or not in your projects)")
                .authenticated("the user's roles do not permit viewing " + k.collection().replace('_', ' '));
        new Op(paths, item, "put", "replace_" + k.singular(), tag, "replace a " + one)
                .ifMatch()
                .bodyRef(schemaName)
                .okRef(200, "the replaced " + one, schemaName, "ETag")
                .err(404, "no such " + one)
                .err(409, "name already used in the scope, or the body's version is stale")
                .err(422, "invalid fields: 'errors' lists each with its field")
                .authenticated("the user's roles do not permit changing " + k.collection().replace('_', ' '));
        new Op(paths, item, "patch", "patch_" + k.singular(), tag, "change fields of a " + one
                + " (JSON merge patch)")
                .ifMatch()
                .mergePatch(schemaName + "Patch")
                .okRef(200, "the changed " + one, schemaName, "ETag")
                .err(404, "no such " + one)
                .err(409, "name already used in the scope, or the body's version is stale")
                .err(422, "invalid fields: 'errors' lists each with its field")
                .authenticated("the user's roles do not permit changing " + k.collection().replace('_', ' '));
        new Op(paths, item, "delete", "delete_" + k.singular(), tag, "delete a " + one)
                .ifMatch()
                .ok(204, "deleted", null)
                .err(404, "no such " + one)
                .err(409, "still referenced: 'dependents' lists what references it")
                .authenticated("the user's roles do not permit deleting " + k.collection().replace('_', ' '));
    }

    private static void tokens(ObjectNode paths) {
        ObjectNode cred = F.objectNode().put("type", "object");
        cred.putArray("required").add("name").add("password");
        cred.putObject("properties").putObject("name").put("type", "string").put("maxLength", 256);
        cred.with("properties").putObject("password").put("type", "string").put("writeOnly", true)
                .put("maxLength", 1024);
        new Op(paths, "/api/v1/tokens", "post", "login", "tokens", "log in: a token for X-Auth-Token").open()
                .body(cred)
                .okRef(201, "logged in", "Token")
                .err(401, "wrong user name or password (the same answer for unknown users)")
                .err(422, "name or password missing")
                .err(429, "too many failed logins for this user or from this address: wait Retry-After seconds")
                .err(503, "the configuration store is unavailable");
        new Op(paths, "/api/v1/tokens/current", "get", "whoami", "tokens",
                "who the token belongs to, with permissions")
                .okRef(200, "the token's user (the token itself is not repeated)", "Token")
                .err(401, "not authenticated").err(503, "the configuration store is unavailable");
        new Op(paths, "/api/v1/tokens/current", "delete", "logout", "tokens", "log out (revoke the token)")
                .ok(204, "revoked", null)
                .err(401, "not authenticated").err(503, "the configuration store is unavailable");
    }

    private static void enrollments(ObjectNode paths) {
        ObjectNode in = F.objectNode().put("type", "object").put("additionalProperties", false);
        ObjectNode p = in.putObject("properties");
        p.putObject("kind").put("type", "string").put("description", "what the token registers (default "
                + EnrollmentService.APPLIANCE + ")").putArray("enum").add(EnrollmentService.APPLIANCE)
                .add(EnrollmentService.IPSEC_ENFORCER);
        p.putObject("scope").put("type", "string").put("x-secmon-ref", "scopes")
                .put("description", "the scope (id or name) the appliance joins: required for an appliance, "
                        + "refused for an IPsec enforcer");
        p.set("name", nameSchema().put("description", "the appliance's or enforcer's name; leave out for a "
                + "multi-use token that registers any new one (in the scope)"));
        p.putObject("uses").put("type", "integer").put("minimum", 1).put("maximum", EnrollmentService.MAX_USES)
                .put("description", "how many registrations (default 1)");
        p.putObject("ttl_seconds").put("type", "integer").put("minimum", 60)
                .put("maximum", EnrollmentService.MAX_TTL_MULTI).put("description", "validity (default "
                        + EnrollmentService.DEFAULT_TTL + " s; at most " + EnrollmentService.MAX_TTL
                        + " s for a single-use token)");
        new Op(paths, "/api/v1/enrollments", "post", "create_enrollment", "enrollments",
                "create an enrollment token for an appliance in a scope, or for an IPsec enforcer")
                .description("The token is in the answer only, once; the EMS keeps its hash. An appliance registers "
                        + "with it in the " + EnrollmentService.HEADER.defaultCase() + " header of POST "
                        + "/api/v1/appliances/register, an enforcer of POST /api/v1/ipsec_enforcers/register.")
                .body(in)
                .okRef(201, "created; 'token' appears only here", "Enrollment")
                .err(422, "invalid fields")
                .authenticated("the user may not add appliances (or IPsec enforcers)");
        new Op(paths, "/api/v1/enrollments", "get", "list_enrollments", "enrollments",
                "enrollments not yet used up (tokens are never shown again)")
                .ok(200, "every enrollment in the user's projects", listOf("Enrollment"))
                .authenticated("the user may view neither appliances nor IPsec enforcers");
        new Op(paths, "/api/v1/enrollments/{id}", "delete", "delete_enrollment", "enrollments",
                "withdraw an enrollment token")
                .ok(204, "withdrawn", null)
                .err(404, "no such enrollment (or not in your projects)")
                .authenticated("the user may not delete appliances (or IPsec enforcers)");
    }

    private static void scrapeTokens(ObjectNode paths) {
        ObjectNode in = F.objectNode().put("type", "object").put("additionalProperties", false);
        in.putArray("required").add("name");
        ObjectNode tokenName = in.putObject("properties").putObject("name").put("type", "string")
                .put("description", "e.g. prometheus");
        format(tokenName, Formats.Kind.NAME);
        ObjectNode item = F.objectNode().put("type", "object");
        item.putArray("required").add("id").add("name").add("created_at").add("created_by");
        ObjectNode ip = item.putObject("properties");
        ip.putObject("id").put("type", "string");
        ip.putObject("name").put("type", "string");
        ip.putObject("created_at").put("type", "string").put("format", "date-time");
        ip.putObject("created_by").put("type", "string");
        ObjectNode created = item.deepCopy();
        created.withArray("required").add("token");
        created.with("properties").putObject("token").put("type", "string")
                .put("description", "the scrape token: shown here only, once");
        ObjectNode list = F.objectNode().put("type", "object");
        list.putArray("required").add("items").add("total");
        list.with("properties").putObject("items").put("type", "array").set("items", item);
        list.with("properties").putObject("total").put("type", "integer");
        new Op(paths, "/api/v1/scrape_tokens", "post", "create_scrape_token", "metrics",
                "create a scrape credential: a token that may read metrics (EMS and appliances) and nothing else")
                .description("For Prometheus: authorization: {type: Bearer, credentials_file: FILE}. The token is in "
                        + "the answer only, once; the EMS keeps its hash and gives the hashes to the appliances.")
                .body(in)
                .ok(201, "created; 'token' appears only here", created)
                .err(409, "a scrape token of that name exists")
                .err(422, "invalid name")
                .authenticated("the user may not add scrape_tokens");
        new Op(paths, "/api/v1/scrape_tokens", "get", "list_scrape_tokens", "metrics",
                "scrape credentials (never their tokens)")
                .ok(200, "every scrape credential", list)
                .authenticated("the user may not view scrape_tokens");
        new Op(paths, "/api/v1/scrape_tokens/{id}", "delete", "delete_scrape_token", "metrics",
                "revoke a scrape credential, on the EMS and (at their next sync) on every appliance")
                .ok(204, "revoked", null)
                .err(404, "no such scrape token")
                .authenticated("the user may not delete scrape_tokens");
    }

    private static void audit(ObjectNode paths) {
        Op g = new Op(paths, "/api/v1/audit", "get", "list_audit", "audit", "the audit log, newest first");
        for (String q : List.of("user", "operation", "collection", "resource_id")) {
            g.query(q, "only entries whose " + q + " equals this", F.objectNode().put("type", "string"));
        }
        g.query("limit", "page size (default 100)", F.objectNode().put("type", "integer").put("minimum", 1)
                .put("maximum", 1000));
        g.query("offset", "first item (default 0)", F.objectNode().put("type", "integer").put("minimum", 0));
        g.okRef(200, "one page", "AuditPage").err(400, "bad paging parameter")
                .authenticated("the user may not view the audit log");
    }

    private static void appliances(ObjectNode paths) {
        String b = "/api/v1/appliances";
        new Op(paths, b + "/register", "post", "register_appliance", "appliances",
                "register an appliance (or re-register: same scope and name) and issue its credentials")
                .description("With an enrollment token in " + EnrollmentService.HEADER.defaultCase() + " (and no X-Auth-Token), or with a "
                        + "user's token that may add appliances. 'credentials' appear only in this answer.")
                .bodyRef("Appliance")
                .okRef(201, "registered", "RegisteredAppliance")
                .okRef(200, "re-registered; new credentials", "RegisteredAppliance")
                .err(409, "the name is taken by another appliance, or the enrollment names another appliance")
                .err(422, "invalid fields")
                .authenticated("the user may not add appliances; or the enrollment token is for another scope")
                .node.withArray("parameters").addObject().put("name", EnrollmentService.HEADER.defaultCase())
                .put("in", "header").put("description", "an enrollment token (instead of X-Auth-Token)")
                .putObject("schema").put("type", "string");
        ObjectNode report = F.objectNode().put("type", "object").put("additionalProperties", false);
        ObjectNode rp = report.putObject("properties");
        rp.putObject("applied_version").put("type", "integer").put("format", "int64");
        rp.putObject("capabilities").put("type", "object").put("maxProperties", 64)
                .putObject("additionalProperties").put("type", "string");
        rp.putObject("counters").put("type", "object").put("description", "at most 256 KiB");
        rp.set("flows", flowsSchema());
        rp.putObject("notification_url").put("type", "string").put("format", "uri");
        rp.putObject("ssh_host_key").put("type", "string").put("pattern", "^" + ApplianceService.SSH_FINGERPRINT.pattern() + "$")
                .put("description", "SHA-256 fingerprint of the SSH CLI's host key");
        new Op(paths, b + "/{id}/report", "post", "report_appliance", "appliances",
                "an appliance reports its applied configuration version, capabilities and counters")
                .body(report)
                .okRef(200, "the appliance as recorded", "Appliance")
                .err(404, "no such appliance")
                .err(422, "invalid report field")
                .authenticated("only the appliance itself (or a user who may change appliances)");
        new Op(paths, b + "/{id}/counters", "get", "appliance_counters", "appliances",
                "the counters of the appliance's last report")
                .ok(200, "last reported counters", lastReport("appliance", "counters"))
                .err(404, "no such appliance")
                .authenticated("the user may not view appliances");
        ObjectNode lastFlows = lastReport("appliance", "flows");
        lastFlows.with("properties").set("flows", flowsSchema());
        new Op(paths, b + "/{id}/flows", "get", "appliance_flows", "appliances",
                "the largest flows of each of the appliance's flow caches (e.g. the NetFlow plugin), as its last"
                        + " report that had them listed them: protocol, endpoints, server or query name, packets,"
                        + " bytes")
                .ok(200, "last reported flows", lastFlows)
                .err(404, "no such appliance")
                .authenticated("the user may not view appliances");
        ObjectNode ssh = F.objectNode().put("type", "object");
        ssh.putArray("required").add("appliance").add("revision").add("users");
        ssh.with("properties").putObject("appliance").put("type", "string");
        ssh.with("properties").putObject("revision").put("type", "integer").put("format", "int64");
        ObjectNode su = ssh.with("properties").putObject("users").put("type", "array").putObject("items")
                .put("type", "object");
        su.with("properties").putObject("name").put("type", "string");
        su.with("properties").putObject("access").put("type", "string").putArray("enum").add("operator")
                .add("read-only");
        su.with("properties").putObject("ssh_keys").put("type", "array").putObject("items").put("type", "string");
        ObjectNode scr = F.objectNode().put("type", "object");
        scr.putArray("required").add("appliance").add("revision").add("sha256");
        scr.with("properties").putObject("appliance").put("type", "string");
        scr.with("properties").putObject("revision").put("type", "integer").put("format", "int64");
        scr.with("properties").putObject("sha256").put("type", "array").putObject("items").put("type", "string")
                .put("pattern", "^[0-9a-f]{64}$");
        new Op(paths, b + "/{id}/scrapers", "get", "appliance_scrapers", "appliances",
                "the SHA-256 of every scrape token, for the appliance's metrics endpoint")
                .ok(200, "the hashes", scr)
                .err(404, "no such appliance")
                .authenticated("only the appliance itself");
        new Op(paths, b + "/{id}/ssh-users", "get", "appliance_ssh_users", "appliances",
                "who may log in to the appliance's SSH CLI")
                .description("Users with SSH keys who may view appliances in its project: 'operator' when they may "
                        + "also change appliances, else 'read-only'.")
                .ok(200, "the appliance's SSH users", ssh)
                .err(404, "no such appliance")
                .authenticated("only the appliance itself (or a user who may view appliances)");
        machineIpsec(paths, b, "appliance", "appliances", "appliance_ipsec", "appliance_certificate",
                "by the EMS CA");
    }

    /** The tunnels (with keys) and the certificate of an appliance or an enforcer: only for the machine itself. */
    private static void machineIpsec(ObjectNode paths, String base, String owner, String tag, String tunnelsId,
            String certificateId, String signedAs) {
        String who = owner.equals("appliance") ? "appliance" : "enforcer";
        new Op(paths, base + "/{id}/ipsec", "get", tunnelsId, tag,
                "the " + who + "'s IPsec tunnels with policies and pre-shared keys")
                .ok(200, "its tunnels", tunnels(owner))
                .err(404, "no such " + who)
                .authenticated("only the " + who + " itself receives its tunnels' keys");
        new Op(paths, base + "/{id}/certificate", "post", certificateId, tag,
                "the " + who + " has its certification request signed " + signedAs)
                .body(csrBody(false))
                .okRef(200, "its certificate", "IssuedCertificate")
                .err(404, "no such " + who)
                .err(422, "not a PKCS#10 request, or a key the policy refuses")
                .err(429, "too many certificates issued to this owner in the last hour")
                .authenticated("only the " + who + " itself");
    }

    private static void enforcers(ObjectNode paths) {
        String b = "/api/v1/ipsec_enforcers";
        new Op(paths, b + "/register", "post", "register_ipsec_enforcer", "ipsec_enforcers",
                "register an IPsec enforcer (or take over the one with that name) and issue its token")
                .description("With an enrollment token for enforcers in " + EnrollmentService.HEADER.defaultCase()
                        + " (and no X-Auth-Token), or with a user's token that may add IPsec enforcers. The token "
                        + "appears only in this answer.")
                .bodyRef("IpsecEnforcer")
                .okRef(201, "registered", "RegisteredIpsecEnforcer")
                .okRef(200, "re-registered; a new token", "RegisteredIpsecEnforcer")
                .err(409, "the name is taken, or an enrollment token without a name would take it over")
                .err(422, "invalid fields")
                .authenticated("the user may not add IPsec enforcers; or the enrollment token is for another name or"
                        + " an appliance")
                .node.withArray("parameters").addObject().put("name", EnrollmentService.HEADER.defaultCase())
                .put("in", "header").put("description", "an enrollment token (instead of X-Auth-Token)")
                .putObject("schema").put("type", "string");
        ObjectNode report = F.objectNode().put("type", "object").put("additionalProperties", false);
        report.with("properties").putObject("state").put("type", "object")
                .put("description", "its tunnels' SA state");
        report.with("properties").putObject("health_url").put("type", "string").put("format", "uri");
        report.with("properties").putObject("addresses").put("type", "array").put("maxItems", 16)
                .putObject("items").put("type", "string");
        new Op(paths, b + "/{id}/report", "post", "report_ipsec_enforcer", "ipsec_enforcers",
                "an enforcer reports its tunnels' SA state")
                .body(report)
                .okRef(200, "the enforcer as recorded", "IpsecEnforcer")
                .err(404, "no such enforcer")
                .err(422, "invalid report field")
                .authenticated("only the enforcer itself");
        new Op(paths, b + "/{id}/deregister", "post", "deregister_ipsec_enforcer", "ipsec_enforcers",
                "an enforcer leaves: its token is revoked, health checks stop, its tunnels stay")
                .okRef(200, "deregistered", "IpsecEnforcer")
                .err(404, "no such enforcer")
                .authenticated("only the enforcer itself or a user who may change IPsec enforcers");
        new Op(paths, b + "/{id}/state", "get", "ipsec_enforcer_state", "ipsec_enforcers",
                "the SA state the enforcer last reported")
                .ok(200, "its last report", lastReport("enforcer", "state"))
                .err(404, "no such enforcer")
                .authenticated("the user may not view IPsec enforcers");
        machineIpsec(paths, b, "enforcer", "ipsec_enforcers", "ipsec_enforcer_tunnels", "ipsec_enforcer_certificate",
                "as NAME.enforcer.secmon");
    }

    private static void certificates(ObjectNode paths) {
        String b = "/api/v1/certificates";
        ObjectNode ca = F.objectNode().put("type", "object");
        ca.putArray("required").add("ca");
        ca.with("properties").putObject("ca").put("type", "string").put("description", "PEM");
        new Op(paths, b + "/ca", "get", "ca_certificate", "certificates", "the EMS CA certificate")
                .ok(200, "the CA certificate (PEM)", ca)
                .err(401, "not authenticated").err(503, "the configuration store is unavailable");
        ObjectNode crl = F.objectNode().put("type", "object");
        crl.putArray("required").add("crl");
        crl.with("properties").putObject("crl").put("type", "string").put("description", "PEM, valid a day");
        new Op(paths, b + "/crl", "get", "certificate_revocation_list", "certificates", "the EMS CA's signed CRL")
                .ok(200, "the CRL (PEM)", crl)
                .err(401, "not authenticated").err(503, "the configuration store is unavailable");
        ObjectNode issued = F.objectNode().put("type", "object");
        issued.putArray("required").add("items");
        issued.with("properties").putObject("items").put("type", "array").putObject("items")
                .put("$ref", SCHEMAS + "CertificateRecord");
        new Op(paths, b, "get", "list_certificates", "certificates", "every issued certificate")
                .ok(200, "oldest first", issued)
                .authenticated("the user may not view IPsec tunnels");
        new Op(paths, b, "post", "issue_certificate", "certificates",
                "a certificate from the EMS CA for an IPsec peer that is not an appliance or enforcer")
                .body(csrBody(true))
                .okRef(201, "issued", "IssuedCertificate")
                .err(422, "no name, a name under .secmon, not a PKCS#10 request, or a key the policy refuses")
                .err(429, "too many certificates issued to this user in the last hour")
                .authenticated("the user may not add IPsec tunnels");
        ObjectNode revoke = F.objectNode().put("type", "object");
        revoke.putArray("required").add("name");
        revoke.with("properties").putObject("name").put("type", "string").put("x-secmon-format", "ike-id")
                .put("description", "the certificates' name (their IKE identity)");
        ObjectNode revoked = F.objectNode().put("type", "object");
        revoked.putArray("required").add("name").add("revoked");
        revoked.with("properties").putObject("name").put("type", "string");
        revoked.with("properties").putObject("revoked").put("type", "integer").put("minimum", 1);
        new Op(paths, b + "/revoke", "post", "revoke_certificates", "certificates",
                "revoke every certificate issued under a name")
                .body(revoke)
                .ok(200, "how many were revoked", revoked)
                .err(404, "no unrevoked certificate of that name")
                .err(422, "no name")
                .authenticated("the user may not delete IPsec tunnels");
    }

    private static void meta(ObjectNode paths) {
        Op o = new Op(paths, "/api/v1/openapi.yaml", "get", "openapi", "meta", "this document (no login needed)")
                .open();
        o.responses.putObject("200").put("description", "OpenAPI 3.0 YAML").putObject("content")
                .putObject("application/yaml").putObject("schema").put("type", "string");
        Op oj = new Op(paths, "/api/v1/openapi.json", "get", "openapi_json", "meta",
                "this document as JSON (no login needed)").open();
        oj.responses.putObject("200").put("description", "OpenAPI 3.0 JSON").putObject("content")
                .putObject("application/json").putObject("schema").put("type", "object");
        ObjectNode disc = F.objectNode().put("type", "object");
        disc.putArray("required").add("name").add("version").add("api").add("links");
        disc.with("properties").putObject("name").put("type", "string");
        disc.with("properties").putObject("version").put("type", "string");
        disc.with("properties").putObject("api").put("type", "object").putObject("additionalProperties")
                .put("type", "string");
        disc.with("properties").putObject("links").put("type", "object").putObject("additionalProperties")
                .put("type", "string");
        new Op(paths, "/", "get", "discovery", "meta", "what this server is: name, version, API versions, links")
                .open().ok(200, "the EMS", disc);
        ObjectNode status = F.objectNode().put("type", "object");
        status.putArray("required").add("status");
        status.with("properties").putObject("status").put("type", "string").putArray("enum").add("UP").add("DOWN");
        status.with("properties").putObject("store").put("type", "string");
        new Op(paths, "/health/live", "get", "health_live", "meta", "liveness").open()
                .ok(200, "UP", status);
        new Op(paths, "/health/ready", "get", "health_ready", "meta", "readiness: the store is reachable").open()
                .ok(200, "UP", status).ok(503, "DOWN (store unreachable)", status);
        Op m = new Op(paths, "/metrics", "get", "metrics", "meta", "Prometheus metrics");
        m.responses.putObject("200").put("description", "Prometheus text format").putObject("content")
                .putObject("text/plain").putObject("schema").put("type", "string");
        m.description("Also with a scrape token (POST /api/v1/scrape_tokens) as Authorization: Bearer.");
        m.authenticated("the user may not view metrics");
    }

    // ---- schemas -------------------------------------------------------------------------------------------------

    private static String schemaName(ResourceKind k) {
        return k.type().getSimpleName();
    }

    private static ObjectNode ref(String schema) {
        return F.objectNode().put("$ref", SCHEMAS + schema);
    }

    private static ObjectNode listOf(String schema) {
        ObjectNode o = F.objectNode().put("type", "object");
        o.putArray("required").add("items");
        o.with("properties").putObject("items").put("type", "array").set("items", ref(schema));
        o.with("properties").putObject("total").put("type", "integer");
        return o;
    }

    private static ObjectNode page(String schema) {
        ObjectNode o = listOf(schema);
        o.withArray("required").add("total").add("offset").add("limit");
        o.with("properties").putObject("offset").put("type", "integer");
        o.with("properties").putObject("limit").put("type", "integer");
        return o;
    }

    private static ObjectNode nameSchema() {
        return F.objectNode().put("type", "string").put("pattern", "^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
                .put("x-secmon-format", "name");
    }

    /** The schema of a merge patch of {@code full}: the same fields, none required, each nullable (= clear it). */
    private static ObjectNode patchSchema(ObjectNode full) {
        ObjectNode p = full.deepCopy();
        p.remove("required");
        p.put("description", "a JSON merge patch: the fields to change; null clears a field");
        for (Iterator<Map.Entry<String, JsonNode>> it = p.with("properties").fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            ObjectNode f = (ObjectNode) e.getValue();
            if (f.has("$ref")) {
                // a $ref has no siblings in OpenAPI 3.0: wrap it
                ObjectNode w = F.objectNode();
                w.putArray("allOf").add(f.deepCopy());
                w.put("nullable", true);
                e.setValue(w);
            } else {
                f.put("nullable", true);
            }
        }
        return p;
    }

    private static ObjectNode csrBody(boolean named) {
        ObjectNode o = F.objectNode().put("type", "object");
        ArrayNode req = o.putArray("required").add("csr");
        o.with("properties").putObject("csr").put("type", "string").put("description", "a PKCS#10 request (PEM); "
                + "keys: EC P-256/P-384 or RSA 2048-4096");
        if (named) {
            req.add("name");
            o.with("properties").putObject("name").put("type", "string").put("x-secmon-format", "ike-id")
                    .put("description", "the certificate's name (its IKE identity); not under .secmon");
            o.with("properties").putObject("days").put("type", "integer").put("minimum", 1).put("maximum", 3650)
                    .put("description", "validity, default 825");
        }
        return o;
    }

    /** The answer of ApplianceService.lastReport: {OWNER, name, status, reported_at, FIELD}. */
    /** A report's flows: per plugin its largest flows as a table (note, columns, rows), or why it has none. */
    private static ObjectNode flowsSchema() {
        ObjectNode o = F.objectNode().put("type", "object").put("maxProperties", ApplianceService.MAX_FLOW_PLUGINS)
                .put("description", "per flow cache (plugin) its largest flows, or the error that kept the agent"
                        + " from listing them; at most " + ApplianceService.MAX_FLOWS_BYTES / 1024 + " KiB; no"
                        + " control characters in any string");
        ObjectNode p = o.putObject("additionalProperties").put("type", "object").put("additionalProperties", false);
        ObjectNode pp = p.putObject("properties");
        pp.putObject("note").put("type", "string").put("maxLength", ApplianceService.MAX_FLOW_TEXT)
                .put("example", "top 20 of 1,234 flows in the cache by bytes since their last export");
        pp.putObject("columns").put("type", "array").put("minItems", 1)
                .put("maxItems", ApplianceService.MAX_FLOW_COLUMNS).putObject("items").put("type", "string")
                .put("minLength", 1).put("maxLength", 32);
        ObjectNode cell = F.objectNode();
        cell.putArray("oneOf").add(F.objectNode().put("type", "string").put("maxLength",
                ApplianceService.MAX_FLOW_TEXT)).add(F.objectNode().put("type", "number"));
        pp.putObject("rows").put("type", "array").put("maxItems", ApplianceService.MAX_FLOW_ROWS)
                .put("description", "each row as many values as there are columns")
                .putObject("items").put("type", "array").set("items", cell);
        pp.putObject("error").put("type", "string").put("maxLength", ApplianceService.MAX_FLOW_TEXT)
                .put("description", "instead of note, columns and rows");
        return o;
    }

    private static ObjectNode lastReport(String owner, String field) {
        ObjectNode o = F.objectNode().put("type", "object");
        o.putArray("required").add(owner).add(field);
        for (String f : List.of(owner, "name", "status", "reported_at")) {
            o.with("properties").putObject(f).put("type", "string");
        }
        o.with("properties").putObject(field).put("type", "object");
        return o;
    }

    private static ObjectNode tunnels(String owner) {
        ObjectNode o = F.objectNode().put("type", "object");
        o.putArray("required").add(owner).add("tunnels");
        o.with("properties").putObject(owner).put("type", "string");
        o.with("properties").putObject("revision").put("type", "integer").put("format", "int64");
        o.with("properties").putObject("tunnels").put("type", "array").set("items", ref("DeliveredIpsecTunnel"));
        return o;
    }

    private static void headers(ObjectNode h) {
        h.putObject("ETag").put("description", "the entity's version, for If-Match").putObject("schema")
                .put("type", "string");
        h.putObject("Location").put("description", "the created entity's URL").putObject("schema")
                .put("type", "string");
        h.putObject("Retry-After").put("description", "seconds to wait before trying again").putObject("schema")
                .put("type", "integer");
        h.putObject("WWW-Authenticate").put("description", "X-Auth-Token realm=\"secmon\"").putObject("schema")
                .put("type", "string");
    }

    private static void commonSchemas(ObjectNode schemas) {
        ObjectNode e = schemas.putObject("Error").put("type", "object").put("additionalProperties", false)
                .put("description", "RFC 9457 problem details (application/problem+json), with the EMS's error code, "
                        + "message and fields as extensions");
        e.putArray("required").add("type").add("title").add("status").add("detail").add("error").add("message");
        ObjectNode p = e.putObject("properties");
        p.putObject("type").put("type", "string").put("description", "urn:secmon:problem:CODE (CODE as in error)");
        p.putObject("title").put("type", "string").put("description", "the HTTP status's phrase");
        p.putObject("status").put("type", "integer");
        p.putObject("detail").put("type", "string").put("description", "what went wrong (as message)");
        p.putObject("request_id").put("type", "string").put("description", "as the X-Request-Id header");
        ObjectNode codes = p.putObject("error").put("type", "string");
        for (String c : List.of("bad_request", "unauthorized", "forbidden", "not_found", "exists", "stale", "in_use",
                "precondition_failed", "invalid", "too_large", "too_many_requests", "unavailable", "internal",
                "unsupported_media_type", "ambiguous_identity", "no_scope")) {
            codes.withArray("enum").add(c);
        }
        p.putObject("message").put("type", "string");
        p.putObject("field").put("type", "string").put("description", "the (first) field at fault, as a JSON path");
        ObjectNode fe = p.putObject("errors").put("type", "array").putObject("items").put("type", "object");
        fe.putArray("required").add("field").add("message");
        fe.putObject("properties").putObject("field").put("type", "string");
        fe.with("properties").putObject("message").put("type", "string");
        ObjectNode dep = p.putObject("dependents").put("type", "array").putObject("items").put("type", "object");
        for (String f : List.of("collection", "id", "name", "field")) {
            dep.with("properties").putObject(f).put("type", "string");
        }
        ObjectNode t = schemas.putObject("Token").put("type", "object").put("additionalProperties", false);
        t.putArray("required").add("user").add("permissions").add("projects").add("all_projects");
        ObjectNode tp = t.putObject("properties");
        tp.putObject("token").put("type", "string").put("description", "only in the answer to a login");
        tp.putObject("expires_at").put("type", "string").put("format", "date-time");
        ObjectNode u = tp.putObject("user").put("type", "object");
        u.putObject("properties").putObject("id").put("type", "string");
        u.with("properties").putObject("name").put("type", "string");
        tp.putObject("permissions").put("type", "array").putObject("items").put("type", "string");
        tp.putObject("projects").put("type", "array").putObject("items").put("type", "string");
        tp.putObject("all_projects").put("type", "boolean");
        ObjectNode a = schemas.putObject("AuditEntry").put("type", "object");
        a.putArray("required").add("id").add("time").add("operation");
        for (String f : List.of("id", "time", "user", "operation", "collection", "resource_id", "name", "remote")) {
            a.with("properties").putObject(f).put("type", "string");
        }
        ObjectNode ap = listOf("AuditEntry");
        ap.withArray("required").add("total").add("offset").add("limit");
        ap.with("properties").putObject("offset").put("type", "integer");
        ap.with("properties").putObject("limit").put("type", "integer");
        schemas.set("AuditPage", ap);
        ObjectNode en = schemas.putObject("Enrollment").put("type", "object").put("additionalProperties", false);
        en.putArray("required").add("id").add("kind").add("uses_left").add("expires_at");
        ObjectNode ep = en.putObject("properties");
        ep.putObject("id").put("type", "string");
        ep.putObject("kind").put("type", "string").putArray("enum").add(EnrollmentService.APPLIANCE)
                .add(EnrollmentService.IPSEC_ENFORCER);
        ep.putObject("scope").put("type", "string").put("description", "the scope's id (appliances only)");
        ep.set("name", nameSchema());
        ep.putObject("uses_left").put("type", "integer");
        ep.putObject("expires_at").put("type", "string").put("format", "date-time");
        ep.putObject("created_by").put("type", "string");
        ep.putObject("created_at").put("type", "string").put("format", "date-time");
        ep.putObject("token").put("type", "string").put("description", "only in the answer to its creation");
        ObjectNode ic = schemas.putObject("IssuedCertificate").put("type", "object");
        ic.putArray("required").add("certificate").add("ca");
        ic.with("properties").putObject("id").put("type", "string").put("description", "the certificate's name");
        ic.with("properties").putObject("name").put("type", "string");
        ic.with("properties").putObject("certificate").put("type", "string").put("description", "PEM");
        ic.with("properties").putObject("ca").put("type", "string").put("description", "PEM");
        ObjectNode cr = schemas.putObject("CertificateRecord").put("type", "object");
        cr.putArray("required").add("serial").add("name").add("not_after");
        for (String f : List.of("serial", "name", "owner", "requested_by", "not_after", "issued_at", "revoked_at",
                "revocation_reason")) {
            cr.with("properties").putObject(f).put("type", "string");
        }
    }

    /** The answers of registrations (with credentials) and the tunnels delivered to their enforcer (with keys). */
    private static void registrationSchemas(ObjectNode schemas) {
        ObjectNode ra = schemas.get("Appliance").deepCopy();
        ra.put("description", "the appliance with its credentials (shown only here)");
        ObjectNode creds = ra.with("properties").putObject("credentials").put("type", "object");
        creds.putArray("required").add("token").add("notification_token");
        creds.putObject("properties").putObject("token").put("type", "string")
                .put("description", "the appliance's X-Auth-Token");
        creds.with("properties").putObject("notification_token").put("type", "string")
                .put("description", "the secret notifications are signed with");
        ra.withArray("required").add("credentials");
        schemas.set("RegisteredAppliance", ra);
        ObjectNode re = schemas.get("IpsecEnforcer").deepCopy();
        re.put("description", "the enforcer with its token (shown only here)");
        ObjectNode ec = re.with("properties").putObject("credentials").put("type", "object");
        ec.putArray("required").add("token");
        ec.putObject("properties").putObject("token").put("type", "string");
        re.withArray("required").add("credentials");
        schemas.set("RegisteredIpsecEnforcer", re);
        ObjectNode t = schemas.get("IpsecTunnel").deepCopy();
        t.put("description", "a tunnel as its enforcer receives it: subnets resolved, policies inlined, with its key");
        ObjectNode tp = t.with("properties");
        tp.with("psk").remove("writeOnly");
        tp.set("ike", ref("IkePolicy"));
        tp.set("esp", ref("IpsecPolicy"));
        schemas.set("DeliveredIpsecTunnel", t);
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
                format(p.path("type").asText().equals("array") ? (ObjectNode) p.get("items") : p, f.value());
            }
            OneOf oneOf = c.getAnnotation(OneOf.class);
            if (oneOf != null) {
                ArrayNode values = p.putArray("enum");
                for (String v : oneOf.value()) {
                    values.add(v);
                }
            }
            Ref ref = c.getAnnotation(Ref.class);
            if (ref != null) {
                desc.append(desc.isEmpty() ? "" : "; ").append("id (or name) of a ")
                        .append(ResourceKind.of(ref.value()) == null ? ref.value()
                                : ResourceKind.of(ref.value()).singular());
                (p.path("type").asText().equals("array") ? (ObjectNode) p.get("items") : p)
                        .put("x-secmon-ref", ref.value());
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
        if (ResourceKind.ALL.stream().anyMatch(k -> k.type() == type)) {
            props.putObject("created_at").put("type", "string").put("format", "date-time").put("readOnly", true)
                    .put("description", "when the entity was created (absent for entities older than this field)");
            props.putObject("updated_at").put("type", "string").put("format", "date-time").put("readOnly", true)
                    .put("description", "when the entity last changed");
        }
        if (!required.isEmpty()) {
            ArrayNode r = s.putArray("required");
            required.forEach(r::add);
        }
        return s;
    }

    /** The grammar of a {@link Formats.Kind} as a vendor extension (and as a standard pattern or format where one fits). */
    private static void format(ObjectNode p, Formats.Kind kind) {
        p.put("x-secmon-format", kind.name().toLowerCase(Locale.ROOT).replace('_', '-'));
        switch (kind) {
            case NAME -> p.put("pattern", "^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$");
            case URL -> p.put("format", "uri");
            default -> {
            }
        }
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
                e.add(((Enum<?>) o).name().toLowerCase(Locale.ROOT));
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
