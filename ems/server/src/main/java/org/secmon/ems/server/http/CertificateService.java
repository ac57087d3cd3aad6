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
        }).post("/", this::issue);
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
        o.put("name", name);
        o.put("certificate", ca.sign(body.path("csr").asText(null), name, days));
        o.put("ca", ca.caPem());
        Http.json(res, 201, o);
    }
}
