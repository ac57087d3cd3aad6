package org.secmon.ems.server.http;

import java.time.Instant;
import java.util.Iterator;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import org.secmon.ems.api.Json;
import org.secmon.ems.api.model.ApplianceStatus;
import org.secmon.ems.api.schema.Formats;
import org.secmon.ems.api.model.Operation;
import org.secmon.ems.api.model.ResourceKind;
import org.secmon.ems.server.Notifier;
import org.secmon.ems.server.auth.Auth;
import org.secmon.ems.server.auth.Passwords;
import org.secmon.ems.server.auth.Principal;
import org.secmon.ems.server.entity.Entities;
import org.secmon.ems.server.store.Repository;
import org.secmon.ems.server.store.Repository.Doc;

/**
 * The appliance registry (the original's secmondetails), next to the generic CRUD of {@code /api/v1/appliances}:
 * <ul>
 * <li>{@code POST /api/v1/appliances/register} (a user with appliances:add): creates the appliance, or updates the
 * one with the same name in the scope, and issues its credentials, shown only in this answer: {@code token}
 * (X-Auth-Token for the appliance's own calls) and {@code notification_token} (sent by the EMS with every
 * notification so that the agent can tell the EMS from anyone else).</li>
 * <li>{@code POST /api/v1/appliances/{id}/report} (the appliance itself, or a user with appliances:change): applied
 * configuration version, capabilities (plugins and versions), counters, and the notification URL when it
 * moved.</li>
 * <li>{@code GET /api/v1/appliances/{id}/counters} (appliances:view): the counters of the last report.</li>
 * <li>{@code GET /api/v1/appliances/{id}/flows} (appliances:view): the largest flows of each flow cache, as the
 * last report that had them gave them.</li>
 * </ul>
 */
public final class ApplianceService implements HttpService {
    private static final ResourceKind KIND = ResourceKind.APPLIANCES;

    private final Entities entities;
    private final Auth auth;
    private final Notifier notifier;
    private final Repository repo;

    public ApplianceService(Entities entities, Auth auth, Notifier notifier) {
        this.entities = entities;
        this.auth = auth;
        this.notifier = notifier;
        this.repo = entities.repository();
    }

    @Override
    public void routing(HttpRules rules) {
        rules.post("/register", this::registerHandler)
                .post("/{id}/report", this::reportHandler)
                .get("/{id}/counters", this::countersHandler)
                .get("/{id}/flows", this::flowsHandler)
                .get("/{id}/ssh-users", this::sshUsersHandler)
                .get("/{id}/scrapers", this::scrapersHandler)
                .get("/{id}/ipsec", this::ipsecHandler)
                .post("/{id}/certificate", this::certificateHandler);
    }

    /**
     * The IKE identity of an appliance's certificate: NAME.SCOPE.secmon. Enforcers' are NAME.enforcer.secmon, so a
     * scope named {@code enforcer}, and names with dots (appliance a.b in scope c is a in scope b.c), could make
     * one identity for two owners: those get no certificate (409, naming what to rename).
     */
    private String certificateName(Doc appliance) {
        String id = identity(appliance);
        if (id == null) {
            throw ApiException.conflict("ambiguous_identity", "certificate identities are NAME.SCOPE.secmon, and '"
                    + appliance.json().path("name").asText() + "' in its scope would make one that another owner "
                    + "can have too: names with a '.' and the scope name 'enforcer' (NAME.enforcer.secmon are the "
                    + "IPsec enforcers') get no certificate; rename the appliance or its scope", "name");
        }
        return id;
    }

    /** NAME.SCOPE.secmon, or null when it would be ambiguous (see {@link #certificateName}). */
    private String identity(Doc appliance) {
        Doc scope = repo.get("scopes", appliance.json().path("scope").asText());
        String name = appliance.json().path("name").asText();
        String scopeName = scope == null ? "unscoped" : scope.json().path("name").asText();
        if (name.contains(".") || scopeName.contains(".") || scopeName.equalsIgnoreCase("enforcer")) {
            return null;
        }
        return name + "." + scopeName + ".secmon";
    }

    /**
     * The appliance sends a certification request (its key stays with it); the EMS CA answers its certificate for
     * IPsec certificate authentication, and the CA certificate.
     */
    private void certificateHandler(ServerRequest req, ServerResponse res) throws Exception {
        Principal p = Http.principal(req);
        String id = req.path().pathParameters().get("id");
        if (!id.equals(p.appliance())) {
            throw ApiException.forbidden("only the appliance itself asks for its certificate");
        }
        Doc d = repo.get("appliances", id);
        if (d == null) {
            throw ApiException.notFound("no appliance with id '" + id + "'");
        }
        JsonNode body = Http.body(req);
        String name = certificateName(d);
        Http.json(res, 200, IpsecTunnels.certificate(repo, body, name, id, p.name()));
    }

    /**
     * The IPsec tunnels this appliance's enforcer runs, with their IKE and IPsec policies resolved and their
     * pre-shared keys: only for the appliance itself (users read tunnels through /ipsec_tunnels, without keys).
     */
    private void ipsecHandler(ServerRequest req, ServerResponse res) throws Exception {
        Principal p = Http.principal(req);
        String id = req.path().pathParameters().get("id");
        if (!id.equals(p.appliance())) {
            throw ApiException.forbidden("only the appliance itself receives its tunnels' keys");
        }
        com.fasterxml.jackson.databind.node.ArrayNode tunnels = IpsecTunnels.of(entities, repo, "appliance", id,
                identity(repo.get("appliances", id)));
        ObjectNode out = Json.mapper().createObjectNode();
        out.put("appliance", id);
        out.put("revision", repo.revision());
        out.set("tunnels", tunnels);
        Http.json(res, 200, out);
    }

    /**
     * Who may log in to the appliance's SSH CLI, for the appliance to keep (it must work while the EMS is away):
     * enabled users with SSH keys whose roles let them view appliances in the appliance's project; {@code operator}
     * when they may also change appliances, else {@code read-only}.
     */
    private void sshUsersHandler(ServerRequest req, ServerResponse res) throws Exception {
        Doc d = viewable(req);
        String id = d.id();
        Doc scope = repo.get("scopes", d.json().path("scope").asText());
        String project = scope == null ? null : scope.json().path("project").asText(null);
        com.fasterxml.jackson.databind.node.ArrayNode users = Json.mapper().createArrayNode();
        for (Doc u : repo.list("users")) {
            if (!u.json().path("enabled").asBoolean(true) || u.json().path("ssh_keys").isEmpty()) {
                continue;
            }
            Principal up = auth.principal(u);
            if (!up.can(KIND.collection(), Operation.VIEW) || !up.seesProject(project)) {
                continue;
            }
            ObjectNode o = users.addObject();
            o.put("name", u.json().path("name").asText());
            o.put("access", up.can(KIND.collection(), Operation.CHANGE) ? "operator" : "read-only");
            o.set("ssh_keys", u.json().path("ssh_keys").deepCopy());
        }
        ObjectNode out = Json.mapper().createObjectNode();
        out.put("appliance", id);
        out.put("revision", repo.revision());
        out.set("users", users);
        Http.json(res, 200, out);
    }

    /**
     * The SHA-256 of every scrape token, for the appliance's metrics endpoint to check a scraper's bearer token
     * against (the tokens themselves stay with whoever created them): only for the appliance itself.
     */
    private void scrapersHandler(ServerRequest req, ServerResponse res) throws Exception {
        Principal p = Http.principal(req);
        String id = req.path().pathParameters().get("id");
        if (!id.equals(p.appliance()) || p.isEnforcer()) {
            throw ApiException.forbidden("only the appliance itself reads its scrapers");
        }
        ObjectNode out = Json.mapper().createObjectNode();
        out.put("appliance", id);
        out.put("revision", repo.revision());
        com.fasterxml.jackson.databind.node.ArrayNode hashes = out.putArray("sha256");
        repo.list(org.secmon.ems.server.auth.Auth.SCRAPE_TOKENS).stream()
                .map(d -> d.json().path("_token_hash").asText()).sorted().forEach(hashes::add);
        Http.json(res, 200, out);
    }

    /** The appliance of the path, for the appliance itself or a user who may view it (else 403 / 404). */
    private Doc viewable(ServerRequest req) {
        Principal p = Http.principal(req);
        String id = req.path().pathParameters().get("id");
        if (!id.equals(p.appliance()) && !p.can(KIND.collection(), Operation.VIEW)) {
            throw ApiException.forbidden(p.name() + " may not view appliances");
        }
        Doc d = repo.get("appliances", id);
        if (d == null || !entities.isVisible(p, KIND, d)) {
            throw ApiException.notFound("no appliance with id '" + id + "'");
        }
        return d;
    }

    /** The counters of the appliance's last report (rx, per plugin, per collector, the agent's own). */
    private void countersHandler(ServerRequest req, ServerResponse res) throws Exception {
        Http.json(res, 200, lastReport(viewable(req), "appliance", "counters"));
    }

    /** The largest flows of each flow cache (plugin) the appliance last reported: {PLUGIN: {note, columns, rows}}. */
    private void flowsHandler(ServerRequest req, ServerResponse res) throws Exception {
        Http.json(res, 200, lastReport(viewable(req), "appliance", "flows"));
    }

    /**
     * What an appliance or enforcer ({@code owner}) last reported: {OWNER: id, name, status, reported_at, FIELD}, FIELD
     * from the stored private {@code _FIELD} (an empty object before the first report).
     */
    static ObjectNode lastReport(Doc d, String owner, String field) {
        ObjectNode out = Json.mapper().createObjectNode();
        out.put(owner, d.id()).put("name", d.json().path("name").asText())
                .put("status", d.json().path("status").asText());
        if (d.json().has("last_seen")) {
            out.put("reported_at", d.json().path("last_seen").asText());
        }
        JsonNode reported = d.json().get(Entities.PRIVATE + field);
        out.set(field, reported != null ? reported : Json.mapper().createObjectNode());
        return out;
    }

    private void registerHandler(ServerRequest req, ServerResponse res) throws Exception {
        String enrollment = req.headers().first(EnrollmentService.HEADER).orElse(null);
        if (enrollment != null && req.context().get(Principal.class).isEmpty()) {
            JsonNode in = Http.body(req);
            String name = in.path("name").asText("");
            EnrollmentService.register(repo, enrollment, Http.remote(req), EnrollmentService.APPLIANCE,
                    in.path("scope").asText(""), name, c -> repo.list("appliances").stream().anyMatch(a ->
                            a.json().path("scope").asText().equals(c.scope().id())
                                    && name.equals(a.json().path("name").asText())),
                    p -> register(req, res, p, in));
            return;
        }
        register(req, res, Http.principal(req), Http.body(req));
    }

    private void register(ServerRequest req, ServerResponse res, Principal p, JsonNode in) throws Exception {
        if (!(in instanceof ObjectNode body)) {
            throw ApiException.badRequest("the body must be a JSON object");
        }
        ObjectNode entity = body.deepCopy();
        JsonNode caps = entity.remove("capabilities");
        if (caps != null && !caps.isObject()) {
            throw ApiException.invalid("capabilities", "must be an object of plugin id to version");
        }
        checkReport(caps, null);
        // validation, permissions and name resolution as for any create or update
        Doc existing = null;
        String scope = entity.path("scope").asText(null);
        String name = entity.path("name").asText(null);
        for (Doc a : repo.list("appliances")) {
            Doc s = repo.get("scopes", a.json().path("scope").asText());
            boolean sameScope = scope != null && (a.json().path("scope").asText().equals(scope)
                    || (s != null && scope.equals(s.json().path("name").asText())));
            if (sameScope && name != null && name.equals(a.json().path("name").asText())) {
                existing = a;
            }
        }
        Entities.Written w = existing == null
                ? entities.create(p, KIND, entity, Http.remote(req))
                : entities.replace(p, KIND, existing.id(), entity, null, true, Http.remote(req));
        String id = w.id();
        String[] tokens = new String[2];
        repo.write(changes -> {
            Doc d = repo.get("appliances", id);
            ObjectNode o = d.json().deepCopy();
            if (caps != null) {
                o.set("capabilities", caps);
            }
            o.put("status", ApplianceStatus.REGISTERED.json());
            tokens[1] = Passwords.randomSecret(32);
            o.put("_notification_token", tokens[1]);
            changes.put("appliances", id, o);
            tokens[0] = auth.issueApplianceToken(changes, id);
            return null;
        });
        ObjectNode out = entities.render(KIND, repo.get("appliances", id));
        ObjectNode creds = out.putObject("credentials");
        creds.put("token", tokens[0]);
        creds.put("notification_token", tokens[1]);
        notifier.fullResync(id, repo.revision());
        Http.json(res, existing == null ? 201 : 200, out);
    }

    /** An OpenSSH SHA-256 key fingerprint. */
    static final java.util.regex.Pattern SSH_FINGERPRINT = java.util.regex.Pattern.compile("SHA256:[A-Za-z0-9+/]{43}");

    /** Largest counters object a report may store (its JSON), and most capabilities. */
    static final int MAX_COUNTERS_BYTES = 256 * 1024;
    static final int MAX_CAPABILITIES = 64;

    /** Most flow caches, columns and rows per cache, and characters per value a report's flows may have. */
    static final int MAX_FLOW_PLUGINS = 16;
    static final int MAX_FLOW_COLUMNS = 16;
    static final int MAX_FLOW_ROWS = 100;
    static final int MAX_FLOW_TEXT = 512;
    /** Largest flows object a report may store (its JSON): with the counters, an appliance stays a Consul value. */
    static final int MAX_FLOWS_BYTES = 128 * 1024;

    /**
     * The {@code flows} of a report: {PLUGIN: {note, columns: [name...], rows: [[value...]...]}} or {PLUGIN: {error}},
     * bounded, every row as long as the columns, values strings or numbers, and no control character in any string
     * (the console and secmonctl show them on operators' screens and terminals).
     */
    static void checkFlows(JsonNode flows) {
        if (!flows.isObject()) {
            throw ApiException.invalid("flows", "must be an object of plugin to its flows");
        }
        if (flows.size() > MAX_FLOW_PLUGINS) {
            throw ApiException.invalid("flows", "at most " + MAX_FLOW_PLUGINS + " plugins");
        }
        checkSize("flows", flows, MAX_FLOWS_BYTES);
        for (var it = flows.fields(); it.hasNext(); ) {
            var f = it.next();
            String at = "flows." + f.getKey();
            JsonNode p = f.getValue();
            text(at, f.getKey(), 64);
            if (!p.isObject()) {
                throw ApiException.invalid(at, "must be an object: note, columns, rows (or error)");
            }
            for (var names = p.fieldNames(); names.hasNext(); ) {
                String n = names.next();
                if (!List.of("note", "columns", "rows", "error").contains(n)) {
                    throw ApiException.invalid(at + "." + n, "is not a field of a plugin's flows; fields: note,"
                            + " columns, rows, error");
                }
            }
            if (p.has("error")) {
                if (p.size() != 1 || !p.get("error").isTextual()) {
                    throw ApiException.invalid(at + ".error", "must be a string, alone");
                }
                text(at + ".error", p.get("error").asText(), MAX_FLOW_TEXT);
                continue;
            }
            if (p.has("note")) {
                if (!p.get("note").isTextual()) {
                    throw ApiException.invalid(at + ".note", "must be a string");
                }
                text(at + ".note", p.get("note").asText(), MAX_FLOW_TEXT);
            }
            JsonNode cols = p.path("columns");
            JsonNode rows = p.path("rows");
            if (!cols.isArray() || cols.isEmpty() || cols.size() > MAX_FLOW_COLUMNS) {
                throw ApiException.invalid(at + ".columns", "must be an array of 1.." + MAX_FLOW_COLUMNS
                        + " column names");
            }
            for (JsonNode c : cols) {
                if (!c.isTextual() || c.asText().isEmpty()) {
                    throw ApiException.invalid(at + ".columns", "must be column names (strings)");
                }
                text(at + ".columns", c.asText(), 32);
            }
            if (!rows.isArray() || rows.size() > MAX_FLOW_ROWS) {
                throw ApiException.invalid(at + ".rows", "must be an array of at most " + MAX_FLOW_ROWS + " rows");
            }
            int i = 0;
            for (JsonNode r : rows) {
                String ra = at + ".rows[" + i++ + "]";
                if (!r.isArray() || r.size() != cols.size()) {
                    throw ApiException.invalid(ra, "must be an array of " + cols.size() + " values, one per column");
                }
                for (JsonNode v : r) {
                    if (v.isTextual()) {
                        text(ra, v.asText(), MAX_FLOW_TEXT);
                    } else if (!v.isNumber()) {
                        throw ApiException.invalid(ra, "values must be strings or numbers");
                    }
                }
            }
        }
    }

    /** A report field's JSON at most {@code max} bytes long (413 otherwise). */
    private static void checkSize(String field, JsonNode value, int max) {
        int size;
        try {
            size = Json.mapper().writeValueAsBytes(value).length;
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw ApiException.invalid(field, "unreadable");
        }
        if (size > max) {
            throw new ApiException(413, "too_large", field + " of " + size + " bytes; at most " + max);
        }
    }

    /** A string of at most {@code max} characters with no control character (C0, DEL, C1). */
    private static void text(String at, String s, int max) {
        if (s.length() > max) {
            throw ApiException.invalid(at, "at most " + max + " characters");
        }
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 0x20 || (c >= 0x7f && c < 0xa0)) {
                throw ApiException.invalid(at, "must not contain control characters (found U+"
                        + String.format(java.util.Locale.ROOT, "%04X", (int) c) + ")");
            }
        }
    }

    /** A report stores what an agent sends, not whatever JSON anyone sends: bounded, of the expected shape. */
    private static void checkReport(JsonNode caps, JsonNode counters) {
        if (caps != null) {
            if (caps.size() > MAX_CAPABILITIES) {
                throw ApiException.invalid("capabilities", "at most " + MAX_CAPABILITIES + " plugins");
            }
            for (var it = caps.fields(); it.hasNext(); ) {
                var f = it.next();
                if (!f.getValue().isTextual() || f.getKey().length() > 64 || f.getValue().asText().length() > 64) {
                    throw ApiException.invalid("capabilities." + f.getKey(), "must be a version string (64 "
                            + "characters at most)");
                }
            }
        }
        if (counters != null) {
            if (!counters.isObject()) {
                throw ApiException.invalid("counters", "must be an object");
            }
            checkSize("counters", counters, MAX_COUNTERS_BYTES);
        }
    }

    private void reportHandler(ServerRequest req, ServerResponse res) throws Exception {
        Principal p = Http.principal(req);
        String id = req.path().pathParameters().get("id");
        boolean self = id.equals(p.appliance());
        if (!self && !p.can(KIND.collection(), Operation.CHANGE)) {
            throw ApiException.forbidden(p.name() + " may only report about itself");
        }
        JsonNode body = Http.body(req);
        for (Iterator<String> it = body.fieldNames(); it.hasNext(); ) {
            String f = it.next();
            if (!f.equals("applied_version") && !f.equals("capabilities") && !f.equals("counters")
                    && !f.equals("notification_url") && !f.equals("ssh_host_key") && !f.equals("flows")) {
                throw ApiException.invalid(f, "is not a report field; fields: applied_version, capabilities, counters,"
                        + " flows, notification_url, ssh_host_key");
            }
        }
        JsonNode hostKey = body.get("ssh_host_key");
        if (hostKey != null && (!hostKey.isTextual() || !SSH_FINGERPRINT.matcher(hostKey.asText()).matches())) {
            throw ApiException.invalid("ssh_host_key", "must be a SHA-256 key fingerprint, SHA256: and 43 base64"
                    + " characters");
        }
        JsonNode applied = body.get("applied_version");
        if (applied != null && !applied.canConvertToLong()) {
            throw ApiException.invalid("applied_version", "must be an integer");
        }
        JsonNode caps = body.get("capabilities");
        if (caps != null && !caps.isObject()) {
            throw ApiException.invalid("capabilities", "must be an object of plugin id to version");
        }
        checkReport(caps, body.get("counters"));
        JsonNode flows = body.get("flows");
        if (flows != null) {
            checkFlows(flows);
        }
        JsonNode url = body.get("notification_url");
        if (url != null && (!url.isTextual() || Formats.check(Formats.Kind.URL, url.asText()) != null)) {
            throw ApiException.invalid("notification_url", "must be an http(s) URL");
        }
        Doc current = repo.get("appliances", id);
        if (current == null || !entities.isVisible(p, KIND, current)) {
            throw ApiException.notFound("no appliance with id '" + id + "'");
        }
        if (url != null) {
            String why = entities.callbacks().check(url.asText(), current.json().path("addresses"));
            if (why != null) {
                throw ApiException.invalid("notification_url", why);
            }
        }
        repo.write(changes -> {
            Doc d = repo.get("appliances", id);
            if (d == null) {
                throw ApiException.notFound("no appliance with id '" + id + "'");
            }
            ObjectNode o = d.json().deepCopy();
            if (applied != null) {
                o.put("applied_version", applied.asLong());
            }
            if (caps != null) {
                o.set("capabilities", caps);
            }
            if (url != null) { // the agent restarted with another notification endpoint
                o.put("notification_url", url.asText());
            }
            if (hostKey != null) {
                o.put("ssh_host_key", hostKey.asText());
            }
            o.put("status", ApplianceStatus.UP.json());
            o.put("last_seen", Instant.now().toString());
            if (body.has("counters")) {
                o.set("_counters", body.get("counters"));
            }
            if (flows != null) {
                o.set("_flows", flows);
            }
            changes.put("appliances", id, o);
            return null;
        });
        Http.json(res, 200, entities.render(KIND, repo.get("appliances", id)));
    }
}
