package org.secmon.ems.server.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.secmon.ems.api.Json;
import org.secmon.ems.api.model.ResourceKind;
import org.secmon.ems.server.entity.Entities;
import org.secmon.ems.server.store.Repository;
import org.secmon.ems.server.store.Repository.Doc;

/**
 * What one enforcer (an appliance's, or a registered one's) receives about itself, and nobody else: its tunnels
 * (they carry the keys) and its certificate.
 */
final class IpsecTunnels {
    private IpsecTunnels() {
    }

    /**
     * The tunnels whose {@code field} ({@code appliance} or {@code enforcer}) is {@code id}, with their pre-shared
     * keys and their IKE and IPsec policies resolved; a certificate tunnel's local id defaults to
     * {@code certificateName}.
     */
    static ArrayNode of(Entities entities, Repository repo, String field, String id, String certificateName) {
        ArrayNode tunnels = Json.mapper().createArrayNode();
        for (Doc t : repo.list("ipsec_tunnels")) {
            if (!id.equals(t.json().path(field).asText())) {
                continue;
            }
            ObjectNode o = entities.render(ResourceKind.IPSEC_TUNNELS, t);
            // a site's subnets stand in the tunnel as its traffic selectors: the enforcer sees subnets only
            for (String end : new String[] {"local", "remote"}) {
                Doc g = repo.get("ipsec_endpoint_groups", t.json().path(end + "_endpoint_group").asText(""));
                if (g != null) {
                    o.set(end + "_subnets", g.json().path("cidrs"));
                }
            }
            o.put("psk", t.json().path(Entities.PRIVATE + "psk").asText(null));
            if ("certificate".equals(o.path("auth").asText()) && !o.hasNonNull("local_id") && certificateName != null) {
                o.put("local_id", certificateName);
            }
            Doc ike = repo.get("ike_policies", t.json().path("ike_policy").asText());
            Doc esp = repo.get("ipsec_policies", t.json().path("ipsec_policy").asText());
            if (ike != null) {
                o.set("ike", entities.render(ResourceKind.IKE_POLICIES, ike));
            }
            if (esp != null) {
                o.set("esp", entities.render(ResourceKind.IPSEC_POLICIES, esp));
            }
            tunnels.add(o);
        }
        return tunnels;
    }

    /**
     * Signs an enforcer's certification request ({@code csr} of the body) as {@code name} for 825 days, recorded with
     * {@code owner} (whose deletion revokes it), audited as {@code requestedBy}; answers {id, certificate, ca}.
     */
    static ObjectNode certificate(Repository repo, JsonNode body, String name, String owner, String requestedBy)
            throws org.secmon.ems.server.store.StoreException {
        org.secmon.ems.server.pki.EmsCa ca = new org.secmon.ems.server.pki.EmsCa(repo);
        ObjectNode out = Json.mapper().createObjectNode();
        out.put("id", name);
        out.put("certificate", ca.sign(body.path("csr").asText(null), name, 825, owner, requestedBy));
        out.put("ca", ca.caPem());
        return out;
    }
}
