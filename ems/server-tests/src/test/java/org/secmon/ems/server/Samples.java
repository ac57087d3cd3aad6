package org.secmon.ems.server;

import com.fasterxml.jackson.databind.node.ObjectNode;
import org.secmon.ems.api.Json;
import org.secmon.ems.api.model.ResourceKind;
import org.secmon.ems.testkit.EmsFixture;

/**
 * A valid body for every collection, referencing by name the fixture entities that {@link #fixture} creates in a
 * scope: classification object co1, rule r1, policy pol1, collectors c-nf (netflow), c-sf (sflow), c-rf
 * (rawforward), collector set cs1 and netflow monitor m1.
 */
final class Samples {
    /** The pre-shared key of sample tunnels: it must never appear in a read. */
    static final String PSK = "sample-psk-never-shown-0123456789";
    /** The appliance the fixture created (ipsec tunnels reference it). */
    static volatile String appliance = "none";

    private Samples() {
    }

    static ObjectNode body(ResourceKind kind, String scope, String project, String name) {
        String json = switch (kind.collection()) {
            case "projects" -> "{\"name\":\"" + name + "\",\"description\":\"a project\"}";
            case "roles" -> "{\"name\":\"" + name + "\",\"permissions\":[{\"resource\":\"rules\",\"operations\":[\"view\"]}]}";
            case "users" -> "{\"name\":\"" + name + "\",\"password\":\"password-" + name + "\",\"roles\":[\"readonly\"],"
                    + "\"projects\":[\"" + project + "\"]}";
            case "scopes" -> "{\"name\":\"" + name + "\",\"project\":\"" + project + "\"}";
            case "classification_objects" -> "{\"name\":\"" + name + "\",\"src_ip\":\"10.0.0.0/8\",\"protocol\":\"tcp\","
                    + "\"dst_port\":\"80\",\"dst_mac\":\"02:00:00:00:00:01\"}";
            case "rules" -> "{\"name\":\"" + name + "\",\"classification_object\":\"co1\",\"priority\":10,"
                    + "\"action\":\"forward\",\"truncate_to_size\":128}";
            case "policies" -> "{\"name\":\"" + name + "\",\"rules\":[\"r1\"]}";
            case "collectors" -> "{\"name\":\"" + name + "\",\"address\":\"127.0.0.1\",\"port\":2055,\"type\":\"netflow\"}";
            case "collector_sets" -> "{\"name\":\"" + name + "\",\"type\":\"netflow\",\"lb_algorithm\":\"weighted_round_robin\","
                    + "\"members\":[{\"collector\":\"c-nf\",\"weight\":3}]}";
            case "netflow_monitors" -> "{\"name\":\"" + name + "\",\"match_fields\":[\"src_addr\",\"dst_addr\",\"protocol\"],"
                    + "\"collect_fields\":[\"vlan\"]}";
            case "netflow_configs" -> "{\"active_timeout\":30,\"inactive_timeout\":15}";
            case "sflow_configs" -> "{\"sampling_rate\":100,\"agent_address\":\"192.0.2.1\"}";
            case "ingest_configs" -> "{\"decap\":[\"erspan\",\"vxlan\"],\"vxlan_ports\":[4789],\"dedup_ms\":20,"
                    + "\"interfaces\":[{\"tunnel_id\":100,\"if_index\":1}]}";
            case "netflow_associations" -> "{\"name\":\"" + name + "\",\"policy\":\"pol1\",\"collector_set\":\"cs1\","
                    + "\"monitor\":\"m1\",\"direction\":\"ingress\"}";
            case "sflow_associations" -> "{\"name\":\"" + name + "\",\"policy\":\"pol1\",\"collector\":\"c-sf\"}";
            case "rawforward_associations" -> "{\"name\":\"" + name + "\",\"policy\":\"pol1\",\"collector\":\"c-rf\"}";
            case "appliances" -> "{\"name\":\"" + name + "\",\"addresses\":[\"10.0.0.5\"],"
                    + "\"notification_url\":\"http://127.0.0.1:9/notify\"}"; // loopback discard port: refused at once
            case "ike_policies" -> "{\"name\":\"" + name + "\",\"ike_version\":\"ikev2\",\"encryption\":\"aes256gcm16\","
                    + "\"integrity\":\"sha256\",\"dh_group\":\"ecp256\"}";
            case "ipsec_policies" -> "{\"name\":\"" + name + "\",\"encryption\":\"aes128gcm16\",\"pfs_group\":\"ecp256\"}";
            case "ipsec_endpoint_groups" -> "{\"name\":\"" + name + "\",\"cidrs\":[\"10.3.0.0/16\"]}";
            case "ipsec_enforcers" -> "{\"name\":\"" + name + "\",\"addresses\":[\"192.0.2.9\"]}";
            case "ipsec_tunnels" -> "{\"name\":\"" + name + "\",\"appliance\":\"" + appliance + "\",\"ike_policy\":\"ike1\","
                    + "\"ipsec_policy\":\"esp1\",\"local_address\":\"192.0.2.1\",\"remote_address\":\"192.0.2.2\","
                    + "\"local_subnets\":[\"10.1.0.0/16\"],\"remote_subnets\":[\"10.2.0.0/16\"],"
                    + "\"psk\":\"" + PSK + "\"}";
            default -> throw new IllegalArgumentException(kind.collection());
        };
        try {
            ObjectNode o = (ObjectNode) Json.mapper().readTree(json);
            if (kind.scoped()) {
                o.put("scope", scope);
            }
            return o;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** Creates the referenced fixture entities in {@code scope} (which must exist). */
    static void fixture(EmsFixture ems, String token, String scope) throws Exception {
        post(ems, token, "classification_objects", body(ResourceKind.CLASSIFICATION_OBJECTS, scope, null, "co1"));
        post(ems, token, "rules", body(ResourceKind.RULES, scope, null, "r1"));
        post(ems, token, "policies", body(ResourceKind.POLICIES, scope, null, "pol1"));
        post(ems, token, "collectors", body(ResourceKind.COLLECTORS, scope, null, "c-nf"));
        ObjectNode sf = body(ResourceKind.COLLECTORS, scope, null, "c-sf");
        sf.put("type", "sflow").put("port", 6343);
        post(ems, token, "collectors", sf);
        ObjectNode rf = body(ResourceKind.COLLECTORS, scope, null, "c-rf");
        rf.put("type", "rawforward").put("port", 4789).put("encapsulation", "vxlan");
        post(ems, token, "collectors", rf);
        post(ems, token, "collector_sets", body(ResourceKind.COLLECTOR_SETS, scope, null, "cs1"));
        post(ems, token, "netflow_monitors", body(ResourceKind.NETFLOW_MONITORS, scope, null, "m1"));
        ObjectNode a1 = body(ResourceKind.APPLIANCES, scope, null, "a1");
        a1.remove("notification_url"); // never notified: nothing listens for it
        appliance = post(ems, token, "appliances", a1);
        if (ems.call("GET", "/api/v1/ike_policies?name=ike1", token, null).json().path("total").asInt() == 0) {
            post(ems, token, "ike_policies", body(ResourceKind.IKE_POLICIES, scope, null, "ike1"));
            post(ems, token, "ipsec_policies", body(ResourceKind.IPSEC_POLICIES, scope, null, "esp1"));
        }
    }

    /** Creates project {@code name}; answers its id. */
    static String project(EmsFixture ems, String token, String name) throws Exception {
        return post(ems, token, "projects", body(ResourceKind.PROJECTS, null, null, name));
    }

    /** Creates scope {@code name} in {@code project}; answers its id. */
    static String scope(EmsFixture ems, String token, String project, String name) throws Exception {
        return post(ems, token, "scopes", body(ResourceKind.SCOPES, null, project, name));
    }

    /** Creates role {@code name} with permissions given as "resource:op,op,..." strings. */
    static void role(EmsFixture ems, String admin, String name, boolean allProjects, String... perms)
            throws Exception {
        ObjectNode r = Json.mapper().createObjectNode().put("name", name).put("all_projects", allProjects);
        for (String p : perms) {
            String[] rp = p.split(":");
            var ops = r.withArray("permissions").addObject().put("resource", rp[0]).putArray("operations");
            for (String op : rp[1].split(",")) {
                ops.add(op);
            }
        }
        post(ems, admin, "roles", r);
    }

    /** Creates user {@code name} (password "password-NAME") with one role in one project; answers its id. */
    static String user(EmsFixture ems, String admin, String name, String project, String role) throws Exception {
        ObjectNode u = body(ResourceKind.USERS, null, project, name);
        u.putArray("roles").add(role);
        return post(ems, admin, "users", u);
    }

    /** The id of the entity named {@code name} in {@code collection}. */
    static String id(EmsFixture ems, String admin, String collection, String name) throws Exception {
        return ems.call("GET", "/api/v1/" + collection + "?name=" + name, admin, null).json().path("items").get(0)
                .path("id").asText();
    }

    static String post(EmsFixture ems, String token, String collection, ObjectNode body) throws Exception {
        EmsFixture.Resp r = ems.call("POST", "/api/v1/" + collection, token, body);
        if (r.status() != 201) {
            throw new AssertionError("POST " + collection + " " + body + ": " + r);
        }
        return r.json().path("id").asText();
    }
}
