package org.secmon.ems.server.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import org.secmon.ems.api.Json;
import org.secmon.ems.api.model.Operation;
import org.secmon.ems.server.auth.Principal;
import org.secmon.ems.server.pki.EmsCa;
import org.secmon.ems.server.store.Repository;

/**
 * The EMS CA for IPsec peers: {@code GET /api/v1/certificates/ca} (any signed-in user or appliance) and
 * {@code POST /api/v1/certificates {name, csr}} for a peer that is not an appliance (an analytics gateway), allowed
 * to those who may add IPsec tunnels. Appliances use {@code POST /api/v1/appliances/{id}/certificate}.
 */
public final class CertificateService implements HttpService {
    private final Repository repo;

    public CertificateService(Repository repo) {
        this.repo = repo;
    }

    @Override
    public void routing(HttpRules rules) {
        rules.get("/ca", (req, res) -> {
            Http.principal(req);
            ObjectNode o = Json.mapper().createObjectNode();
            o.put("ca", new EmsCa(repo).caPem());
            Http.json(res, 200, o);
        }).get("/crl", (req, res) -> {
            Http.principal(req); // any caller: enforcers fetch it with their own tokens
            ObjectNode o = Json.mapper().createObjectNode();
            o.put("crl", new EmsCa(repo).crlPem());
            Http.json(res, 200, o);
        }).get("/", (req, res) -> {
            Principal p = Http.principal(req);
            if (!p.can("ipsec_tunnels", Operation.VIEW)) {
                throw ApiException.forbidden(p.name() + " may not view IPsec tunnels, so not their certificates");
            }
            com.fasterxml.jackson.databind.node.ArrayNode a = Json.mapper().createArrayNode();
            new EmsCa(repo).issued().forEach(a::add);
            Http.json(res, 200, Json.mapper().createObjectNode().set("items", a));
        }).post("/revoke", this::revoke).post("/", this::issue);
    }

    /** {name}: revokes every certificate issued under that name (an administrator's decision). */
    private void revoke(ServerRequest req, ServerResponse res) throws Exception {
        Principal p = Http.principal(req);
        if (!p.can("ipsec_tunnels", Operation.DELETE)) {
            throw ApiException.forbidden(p.name() + " may not delete IPsec tunnels, so may not revoke certificates");
        }
        String name = Http.body(req).path("name").asText(null);
        if (name == null || name.isBlank()) {
            throw ApiException.invalid("name", "is required: the certificate's name (its IKE identity)");
        }
        int n = repo.write(changes -> {
            int k = EmsCa.revoke(repo, changes, name, true, "revoked by " + p.name());
            if (k > 0) {
                org.secmon.ems.server.Audit.record(changes, p.name(), "revoke", null, name, name, Http.remote(req));
            }
            return k;
        }).value();
        if (n == 0) {
            throw ApiException.notFound("no unrevoked certificate named '" + name + "'");
        }
        Http.json(res, 200, Json.mapper().createObjectNode().put("name", name).put("revoked", n));
    }

    private void issue(ServerRequest req, ServerResponse res) throws Exception {
        Principal p = Http.principal(req);
        if (!p.can("ipsec_tunnels", Operation.ADD)) {
            throw ApiException.forbidden(p.name() + " may not add IPsec tunnels, so may not have certificates issued");
        }
        JsonNode body = Http.body(req);
        EmsCa ca = new EmsCa(repo);
        ObjectNode o = Json.mapper().createObjectNode();
        String name = body.path("name").asText(null);
        int days = body.path("days").asInt(825);
        if (days < 1 || days > 3650) {
            throw ApiException.invalid("days", "must be 1..3650");
        }
        if (name != null && (name.toLowerCase(java.util.Locale.ROOT).endsWith(".secmon")
                || name.equalsIgnoreCase("secmon"))) {
            throw ApiException.invalid("name", "names under .secmon are reserved for the identities the EMS gives "
                    + "appliances and enforcers");
        }
        o.put("name", name);
        o.put("certificate", ca.sign(body.path("csr").asText(null), name, days, null, p.name()));
        o.put("ca", ca.caPem());
        Http.json(res, 201, o);
    }
}
