package org.secmon.ems.server.http;

import java.time.Instant;
import java.util.Iterator;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import org.secmon.ems.api.Json;
import org.secmon.ems.api.model.ApplianceStatus;
import org.secmon.ems.api.model.Operation;
import org.secmon.ems.api.model.ResourceKind;
import org.secmon.ems.api.schema.Formats;
import org.secmon.ems.server.auth.Auth;
import org.secmon.ems.server.auth.Principal;
import org.secmon.ems.server.entity.Entities;
import org.secmon.ems.server.store.Repository;
import org.secmon.ems.server.store.Repository.Doc;

/**
 * The IPsec enforcers' registry, next to the generic CRUD of {@code /api/v1/ipsec_enforcers} — the original IPsec
 * EMS's enforcer events:
 * <ul>
 * <li>REGISTER: {@code POST /register} (with an enrollment token for enforcers in {@code X-Enrollment-Token}, or
 * a user with ipsec_enforcers:add) creates the enforcer, or updates the one with the same name, and issues its
 * token (shown only in this answer).</li>
 * <li>UPDATE: {@code POST /{id}/report} (the enforcer itself) with its addresses, health URL and tunnel state.</li>
 * <li>DEREGISTER: {@code POST /{id}/deregister} (the enforcer itself, or a user with ipsec_enforcers:change): it
 * leaves; its token is revoked and it is no longer health-checked, its tunnels stay defined for when it comes
 * back.</li>
 * <li>DELETE: the generic {@code DELETE /{id}} (refused while tunnels name it), or the health checker after too
 * many missed checks (with its tunnels).</li>
 * </ul>
 * {@code GET /{id}/ipsec} gives the enforcer its tunnels with their keys, {@code POST /{id}/certificate} its
 * certificate from the EMS CA, {@code GET /{id}/state} (ipsec_enforcers:view) the state it last reported.
 */
public final class EnforcerService implements HttpService {
    private static final ResourceKind KIND = ResourceKind.IPSEC_ENFORCERS;

    private final Entities entities;
    private final Auth auth;
    private final Repository repo;

    public EnforcerService(Entities entities, Auth auth) {
        this.entities = entities;
        this.auth = auth;
        this.repo = entities.repository();
    }

    @Override
    public void routing(HttpRules rules) {
        rules.post("/register", this::registerHandler)
                .post("/{id}/report", this::reportHandler)
                .post("/{id}/deregister", this::deregisterHandler)
                .get("/{id}/ipsec", this::ipsecHandler)
                .get("/{id}/state", this::stateHandler)
                .post("/{id}/certificate", this::certificateHandler);
    }

    /** The IKE identity of an enforcer's certificate: NAME.enforcer.secmon. */
    static String certificateName(Doc enforcer) {
        return enforcer.json().path("name").asText() + ".enforcer.secmon";
    }

    private Doc self(ServerRequest req, String what) {
        Principal p = Http.principal(req);
        String id = req.path().pathParameters().get("id");
        if (!id.equals(p.appliance()) || !p.isEnforcer()) {
            throw ApiException.forbidden("only the enforcer itself " + what);
        }
        Doc d = repo.get(KIND.collection(), id);
        if (d == null) {
            throw ApiException.notFound("no IPsec enforcer with id '" + id + "'");
        }
        return d;
    }

    private void registerHandler(ServerRequest req, ServerResponse res) throws Exception {
        String enrollment = req.headers().first(EnrollmentService.HEADER).orElse(null);
        if (enrollment != null && req.context().get(Principal.class).isEmpty()) {
            JsonNode in = Http.body(req);
            String name = in.path("name").asText("");
            EnrollmentService.register(repo, enrollment, Http.remote(req), EnrollmentService.IPSEC_ENFORCER, null,
                    name, c -> repo.list(KIND.collection()).stream().anyMatch(e ->
                            name.equals(e.json().path("name").asText())), p -> register(req, res, p, in));
            return;
        }
        register(req, res, Http.principal(req), Http.body(req));
    }

    private void register(ServerRequest req, ServerResponse res, Principal p, JsonNode in) throws Exception {
        if (!(in instanceof ObjectNode body)) {
            throw ApiException.badRequest("the body must be a JSON object");
        }
        String name = body.path("name").asText(null);
        Doc existing = null;
        for (Doc e : repo.list(KIND.collection())) {
            if (name != null && name.equals(e.json().path("name").asText())) {
                existing = e;
            }
        }
        // validation and permissions as for any create or update
        Entities.Written w = existing == null
                ? entities.create(p, KIND, body, Http.remote(req))
                : entities.replace(p, KIND, existing.id(), body, null, true, Http.remote(req));
        String id = w.id();
        String[] token = new String[1];
        repo.write(changes -> {
            ObjectNode o = repo.get(KIND.collection(), id).json().deepCopy();
            o.put("status", ApplianceStatus.REGISTERED.json());
            o.remove("_state");
            changes.put(KIND.collection(), id, o);
            token[0] = auth.issueEnforcerToken(changes, id);
            return null;
        });
        ObjectNode out = entities.render(KIND, repo.get(KIND.collection(), id));
        out.putObject("credentials").put("token", token[0]);
        Http.json(res, existing == null ? 201 : 200, out);
    }

    private void reportHandler(ServerRequest req, ServerResponse res) throws Exception {
        Doc current = self(req, "reports about itself");
        JsonNode body = Http.body(req);
        if (!body.isObject()) {
            throw ApiException.badRequest("the body must be a JSON object");
        }
        for (Iterator<String> it = body.fieldNames(); it.hasNext(); ) {
            String f = it.next();
            if (!f.equals("state") && !f.equals("health_url") && !f.equals("addresses")) {
                throw ApiException.invalid(f, "is not a report field; fields: state, health_url, addresses");
            }
        }
        JsonNode url = body.get("health_url");
        if (url != null && (!url.isTextual() || Formats.check(Formats.Kind.URL, url.asText()) != null)) {
            throw ApiException.invalid("health_url", "must be an http(s) URL");
        }
        JsonNode addresses = body.get("addresses");
        if (addresses != null && (!addresses.isArray() || addresses.size() > 16)) {
            throw ApiException.invalid("addresses", "must be a list of at most 16 addresses");
        }
        for (int i = 0; addresses != null && i < addresses.size(); i++) {
            if (!addresses.get(i).isTextual() || Formats.ip(addresses.get(i).asText()) == null) {
                throw ApiException.invalid("addresses[" + i + "]", "must be an IPv4 or IPv6 address");
            }
        }
        String health = url != null ? url.asText() : current.json().path("health_url").asText(null);
        if (health != null && (url != null || addresses != null)) {
            String why = entities.callbacks().check(health, addresses != null ? addresses
                    : current.json().path("addresses"));
            if (why != null) {
                throw ApiException.invalid("health_url", why);
            }
        }
        JsonNode state = body.get("state");
        if (state != null && !state.isObject()) {
            throw ApiException.invalid("state", "must be an object (the enforcer's tunnels and their SAs)");
        }
        repo.write(changes -> {
            Doc d = repo.get(KIND.collection(), current.id());
            if (d == null) {
                throw ApiException.notFound("no IPsec enforcer with id '" + current.id() + "'");
            }
            ObjectNode o = d.json().deepCopy();
            if (url != null) {
                o.put("health_url", url.asText());
            }
            if (addresses != null) {
                o.set("addresses", addresses);
            }
            if (state != null) {
                o.set("_state", state);
            }
            o.put("status", ApplianceStatus.UP.json());
            o.put("last_seen", Instant.now().toString());
            changes.put(KIND.collection(), d.id(), o);
            return null;
        });
        Http.json(res, 200, entities.render(KIND, repo.get(KIND.collection(), current.id())));
    }

    private void deregisterHandler(ServerRequest req, ServerResponse res) throws Exception {
        Principal p = Http.principal(req);
        String id = req.path().pathParameters().get("id");
        boolean itself = id.equals(p.appliance()) && p.isEnforcer();
        if (!itself && !p.can(KIND.collection(), Operation.CHANGE)) {
            throw ApiException.forbidden(p.name() + " may not deregister IPsec enforcers");
        }
        repo.write(changes -> {
            Doc d = repo.get(KIND.collection(), id);
            if (d == null) {
                throw ApiException.notFound("no IPsec enforcer with id '" + id + "'");
            }
            ObjectNode o = d.json().deepCopy();
            o.put("status", ApplianceStatus.DEREGISTERED.json());
            o.remove("health_url");
            changes.put(KIND.collection(), id, o);
            auth.revokeMachineTokens(changes, "enforcer", id);
            org.secmon.ems.server.Audit.record(changes, p.name(), "deregister", KIND, id,
                    d.json().path("name").asText(null), Http.remote(req));
            return null;
        });
        Http.json(res, 200, entities.render(KIND, repo.get(KIND.collection(), id)));
    }

    private void ipsecHandler(ServerRequest req, ServerResponse res) throws Exception {
        Doc d = self(req, "receives its tunnels' keys");
        ObjectNode out = Json.mapper().createObjectNode();
        out.put("enforcer", d.id());
        out.put("revision", repo.revision());
        out.set("tunnels", IpsecTunnels.of(entities, repo, "enforcer", d.id(), certificateName(d)));
        Http.json(res, 200, out);
    }

    private void stateHandler(ServerRequest req, ServerResponse res) throws Exception {
        Principal p = Http.principal(req);
        String id = req.path().pathParameters().get("id");
        if (!(id.equals(p.appliance()) && p.isEnforcer()) && !p.can(KIND.collection(), Operation.VIEW)) {
            throw ApiException.forbidden(p.name() + " may not view IPsec enforcers");
        }
        Doc d = repo.get(KIND.collection(), id);
        if (d == null) {
            throw ApiException.notFound("no IPsec enforcer with id '" + id + "'");
        }
        Http.json(res, 200, ApplianceService.lastReport(d, "enforcer", "state"));
    }

    private void certificateHandler(ServerRequest req, ServerResponse res) throws Exception {
        Doc d = self(req, "asks for its certificate");
        JsonNode body = Http.body(req);
        String name = certificateName(d);
        Http.json(res, 200, IpsecTunnels.certificate(repo, body, name, d.id(), d.json().path("name").asText()));
    }
}
